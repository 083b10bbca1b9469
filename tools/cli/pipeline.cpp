#include "tools/cli/pipeline.hpp"

#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <functional>
#include <set>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "common/errors.hpp"
#include "common/rng.hpp"
#include "envgen/episode_sandbox.hpp"
#include "envgen/kind.hpp"
#include "tasks/scripted_policy.hpp"
#include "tools/cli/policy_options.hpp"
#include "tools/cli/progress.hpp"

namespace envforge::cli {

namespace {
std::atomic<bool> g_stop{false};
extern "C" void on_stop_signal(int) { g_stop.store(true); }
}  // namespace

bool stop_requested() { return g_stop.load(); }

void install_stop_handlers() {
    struct sigaction sa {};
    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, nullptr);
    sigaction(SIGTERM, &sa, nullptr);
}

void apply_sandbox_option(const std::string& name) {
    try {
        set_sandbox_backend(sandbox::parse_backend(name));
    } catch (const std::invalid_argument& e) {
        throw InvalidInput(std::string("--sandbox: ") + e.what());
    }
}

Shard shard_option(const Args& a) { return a.has("shard") ? parse_shard(a.get("shard")) : Shard{}; }

std::vector<Task> load_tasks_or_fail(const Store& store, const std::string& db_path, const std::string& kind, int64_t limit,
                                     const char* verb, const Shard& shard) {
    TaskFilter f;
    f.kind = kind;
    f.limit = limit;
    auto tasks = store.load_tasks(f);
    if (tasks.empty())
        throw InvalidInput("database '" + db_path + "': no " + (kind.empty() ? "" : kind + " ") + "tasks to " + verb +
                           " (run synth first)");
    // The limit picks the same first tasks on every shard, so the shards split one task list.
    if (!shard.whole()) std::erase_if(tasks, [&](const Task& t) { return !shard.owns_task(t.id); });
    return tasks;
}

SynthRequest synth_request(uint64_t base_seed, size_t index, std::pair<int, int> difficulty, const Json& options) {
    SynthRequest req;
    // Seeds stay below 2^53 so every JSON consumer reads them exactly.
    req.seed = mix_seed(base_seed, index) & ((uint64_t{1} << 53) - 1);
    // Every block of `span` consecutive tasks holds each level once (so 5 tasks over 1-5 are
    // 1,2,3,4,5), and the block's rotation shifts by one each time, so kinds that take their
    // sub-domain round-robin from the index (index % 3) meet every level in every sub-domain.
    const size_t span = static_cast<size_t>(difficulty.second - difficulty.first + 1);
    req.difficulty = difficulty.first + static_cast<int>((index + index / span) % span);
    req.index = index;
    req.options = options;
    return req;
}

Json SynthSummary::to_json() const {
    return Json::object({{"tasks", static_cast<int64_t>(made)},
                         {"new", static_cast<int64_t>(added)},
                         {"duplicates_replaced", static_cast<int64_t>(duplicates)},
                         {"seconds", seconds},
                         {"tasks_per_second", seconds > 0 ? static_cast<double>(made) / seconds : 0.0}});
}

SynthSummary synth_into(Store* store, const std::string& kind, size_t count, uint64_t seed, std::pair<int, int> difficulty,
                        const Json& options, bool quiet, std::vector<Task>* keep, const Shard& shard, SynthTally* tally) {
    const EnvKind& k = require_kind(kind);
    // A shard makes the requests i < count with i mod N = its index: the same requests, so the
    // same tasks, as one machine makes for those indices.
    const size_t target = count / shard.count + (shard.index < count % shard.count ? 1 : 0);
    Progress progress("synth " + kind + (shard.whole() ? "" : " shard " + shard.name()), static_cast<int64_t>(target), quiet);
    SynthSummary s;
    constexpr size_t kBatch = 512;
    // Tasks another index already made (two seeds picking one mutant) are replaced by tasks of
    // further indices, in order, so the result stays a function of the flags. A shard sees only
    // its own tasks, so it replaces duplicates within the shard; across shards the code kind can
    // keep one mutant twice (under two task ids).
    std::set<std::string> keys;
    size_t next = shard.index, requested = 0;
    const size_t max_index = count * 3 + 16;
    while (s.made < target && next < max_index) {
        std::vector<SynthRequest> reqs;
        for (; next < max_index && reqs.size() < std::min(kBatch, target - s.made); next += shard.count) {
            reqs.push_back(synth_request(seed, next, difficulty, options));
            reqs.back().tally = tally;
        }
        requested += reqs.size();
        if (requested > target) progress.extend(static_cast<int64_t>(std::min(reqs.size(), requested - target)));
        // Ticks per task: a code task takes seconds (gold runs, mutants), a batch minutes.
        std::vector<Task> made = synthesize_many(k, reqs, 0, [&] { progress.tick(1); });
        std::vector<Task> batch;
        for (auto& t : made) {
            const std::string key = k.dedupe_key(t);
            if (!key.empty() && !keys.insert(key).second) {
                ++s.duplicates;
                continue;
            }
            batch.push_back(std::move(t));
        }
        s.added += store ? store->add_tasks(batch) : batch.size();
        s.made += batch.size();
        if (keep)
            for (auto& t : batch) keep->push_back(std::move(t));
    }
    progress.finish();
    s.seconds = progress.elapsed();
    return s;
}

Json counts_json(const std::map<std::string, size_t>& counts) {
    Json j = Json::object();
    for (const auto& [k, n] : counts) j.set(k, static_cast<int64_t>(n));
    return j;
}

EnvironmentFactory env_factory() {
    return [](const Task& t) { return require_kind(t.kind).make_environment(t); };
}

Json ValidateSummary::to_json() const {
    return Json::object({{"tasks", static_cast<int64_t>(tasks)},
                         {"probes", static_cast<int64_t>(probes)},
                         {"failed_probes", static_cast<int64_t>(failed_probes)},
                         {"failed_by_probe", counts_json(failed_by_probe)},
                         {"seconds", seconds}});
}

ValidateSummary validate_tasks(Store& store, const std::vector<Task>& tasks, int repeat, int jobs, bool quiet) {
    std::map<std::string, std::vector<Probe>> probes;
    std::vector<WorkItem> items;
    for (const auto& t : tasks) {
        std::vector<Probe> list = all_probes(t);
        // The reference must pass N of N times: repeat it.
        for (int r = 1; r < repeat; ++r) {
            Probe again = list[0];
            again.name = "reference#" + std::to_string(r + 1);
            list.push_back(std::move(again));
        }
        for (size_t i = 0; i < list.size(); ++i) items.push_back({&t, static_cast<int>(i)});
        probes[t.id] = std::move(list);
    }
    ValidateSummary s;
    s.tasks = tasks.size();
    Progress progress("validate", static_cast<int64_t>(items.size()), quiet);
    // The rollout index of each work item selects the probe to play.
    ScriptedPolicy policy("probe", [&probes](const Task& t, int rollout) { return probes.at(t.id)[static_cast<size_t>(rollout)].script; });
    boost::asio::io_context io;
    EpisodeOptions options;
    run_episodes(io, items, jobs, env_factory(), policy, options, [&](Episode&& ep) {
        const Probe& p = probes[ep.task_id][static_cast<size_t>(ep.rollout)];
        ValidationRow row;
        row.task_id = ep.task_id;
        row.probe = p.name;
        row.expect_pass = p.expect_pass;
        row.passed = ep.verdict.passed;
        row.reward = ep.verdict.reward;
        row.ok = ep.verdict.passed == p.expect_pass && ep.status != EpisodeStatus::EnvError;
        row.details = ep.verdict.details;
        if (!ep.error.empty()) row.details.set("error", ep.error);
        row.details.set("status", episode_status_name(ep.status));
        ++s.probes;
        if (!row.ok) {
            ++s.failed_probes;
            ++s.failed_by_probe[p.name];
        }
        progress.tick(1, !row.ok);
        s.rows.push_back(std::move(row));
    });
    progress.finish();
    store.put_validations(s.rows);
    s.seconds = progress.elapsed();
    return s;
}

static std::string xml_escape(const std::string& in) {
    std::string out;
    for (char c : in) {
        switch (c) {
            case '<': out += "&lt;"; break;
            case '>': out += "&gt;"; break;
            case '&': out += "&amp;"; break;
            case '"': out += "&quot;"; break;
            default:
                if (static_cast<unsigned char>(c) < 0x20 && c != '\n' && c != '\t') out += ' ';
                else out += c;
        }
    }
    return out;
}

void write_junit(const std::string& path, const ValidateSummary& s, const std::vector<Task>& tasks) {
    std::map<std::string, const Task*> by_id;
    for (const auto& t : tasks) by_id[t.id] = &t;
    std::string xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
    xml += "<testsuites name=\"envforge validate\" tests=\"" + std::to_string(s.probes) + "\" failures=\"" +
           std::to_string(s.failed_probes) + "\">\n";
    xml += "  <testsuite name=\"validate\" tests=\"" + std::to_string(s.probes) + "\" failures=\"" + std::to_string(s.failed_probes) +
           "\">\n";
    for (const auto& r : s.rows) {
        const Task* t = by_id[r.task_id];
        std::string cls = t ? t->kind + "." + t->generator_name + ".d" + std::to_string(t->difficulty) : "task";
        xml += "    <testcase classname=\"" + xml_escape(cls) + "\" name=\"" + xml_escape(r.task_id + ":" + r.probe) + "\"";
        if (r.ok) {
            xml += "/>\n";
        } else {
            std::string msg = std::string("probe ") + (r.expect_pass ? "should pass" : "should fail") + " but " +
                              (r.passed ? "passed" : "failed");
            xml += ">\n      <failure message=\"" + xml_escape(msg) + "\">" + xml_escape(r.details.dump()) +
                   "</failure>\n    </testcase>\n";
        }
    }
    xml += "  </testsuite>\n</testsuites>\n";
    Output out(path);
    out.write(xml);
    out.close();
}

Json RunSummary::to_json() const {
    return Json::object({{"run", run},
                         {"planned", static_cast<int64_t>(planned)},
                         {"skipped_already_recorded", static_cast<int64_t>(skipped)},
                         {"episodes", static_cast<int64_t>(episodes)},
                         {"passed", static_cast<int64_t>(passed)},
                         {"pass_rate", episodes ? static_cast<double>(passed) / static_cast<double>(episodes) : 0.0},
                         {"statuses", counts_json(statuses)},
                         {"skipped_invalid_tasks", static_cast<int64_t>(invalid_tasks)},
                         {"infra_failures_remaining", infra_failures},
                         {"seconds", seconds},
                         {"episodes_per_second", seconds > 0 ? static_cast<double>(episodes) / seconds : 0.0},
                         {"interrupted", interrupted}});
}

RunSummary run_tasks(Store& store, const std::vector<Task>& tasks, const RunConfig& cfg) {
    auto policy = make_policy(cfg.policy, cfg.policy_options);
    EpisodeOptions options;
    options.context = parse_context_policy(cfg.context);
    options.seed = cfg.seed;
    RunSummary s;
    s.run = cfg.run_name.empty() ? cfg.policy : cfg.run_name;
    Json config = Json::object(
        {{"policy", cfg.policy}, {"context", cfg.context}, {"rollouts", cfg.rollouts}, {"seed", static_cast<int64_t>(cfg.seed)}});
    if (cfg.policy_options.size()) config.set("policy_options", cfg.policy_options);
    const int64_t run_id = store.ensure_run(s.run, cfg.policy, cfg.context, config);
    const auto done = store.recorded(run_id);
    const std::set<std::string> invalid = cfg.include_invalid ? std::set<std::string>{} : store.invalid_tasks();
    std::vector<WorkItem> items;
    for (const auto& t : tasks) {
        if (invalid.count(t.id)) {
            ++s.invalid_tasks;
            continue;
        }
        for (int r = 0; r < cfg.rollouts; ++r) {
            ++s.planned;
            if (done.count({t.id, r})) ++s.skipped;
            else items.push_back({&t, r});
        }
    }
    Progress progress("run " + s.run, static_cast<int64_t>(items.size()), cfg.quiet);
    boost::asio::io_context io;
    // Episodes of a model policy take minutes: redraw every second, with the tokens so far, so a
    // terminal shows the run is alive between finished episodes.
    int64_t tokens = 0;
    bool running = !items.empty();
    boost::asio::steady_timer heartbeat(io);
    std::function<void()> beat = [&] {
        heartbeat.expires_after(std::chrono::seconds(1));
        heartbeat.async_wait([&](const boost::system::error_code& ec) {
            if (ec || !running) return;
            progress.redraw();
            beat();
        });
    };
    if (running) beat();
    run_episodes(
        io, items, cfg.jobs, env_factory(), *policy, options,
        [&](Episode&& ep) {
            ++s.episodes;
            if (ep.verdict.passed) ++s.passed;
            ++s.statuses[episode_status_name(ep.status)];
            tokens += ep.completion_tokens;
            if (tokens) progress.set_note(std::to_string(tokens) + " tokens generated");
            progress.tick(1, !ep.verdict.passed);
            store.add_episode(run_id, ep);
            if (s.episodes == items.size()) {
                running = false;
                heartbeat.cancel();
            }
        },
        [&] {
            if (stop_requested() && running) {
                running = false;
                heartbeat.cancel();
            }
            return stop_requested();
        });
    running = false;
    store.flush();
    progress.finish();
    s.interrupted = stop_requested() && s.episodes < items.size();
    s.infra_failures = store.count_infra_failures(run_id);
    s.seconds = progress.elapsed();
    return s;
}

void print_run_summary(const RunSummary& s) {
    std::printf("run %s: %zu episodes (%zu already recorded), %zu passed (%.1f%%) in %.2fs (%.0f episodes/s)\n", s.run.c_str(), s.episodes,
                s.skipped, s.passed, s.episodes ? 100.0 * static_cast<double>(s.passed) / static_cast<double>(s.episodes) : 0.0, s.seconds,
                s.seconds > 0 ? static_cast<double>(s.episodes) / s.seconds : 0.0);
    if (s.invalid_tasks)
        std::printf("skipped %zu tasks that failed validation (see `envforge stats`; --include-invalid runs them)\n", s.invalid_tasks);
    if (s.interrupted) std::printf("interrupted; rerun the same command to resume\n");
    else if (s.infra_failures)
        std::printf(
            "%lld episodes ended in policy or environment errors (not task failures); rerun the same command "
            "to retry them\n",
            static_cast<long long>(s.infra_failures));
}

Output::Output(const std::string& path) : path_(path) {
    if (path.empty() || path == "-") {
        f_ = stdout;
        return;
    }
    f_ = std::fopen(path.c_str(), "wb");
    if (!f_) throw IoError("output '" + path + "': cannot open for writing: " + std::strerror(errno));
    owned_ = true;
}

Output::~Output() {
    if (owned_ && f_) std::fclose(f_);
}

void Output::write(const std::string& s) {
    if (std::fwrite(s.data(), 1, s.size(), f_) != s.size()) throw IoError("output '" + path_ + "': write failed: " + std::strerror(errno));
}

void Output::close() {
    if (std::fflush(f_) != 0) throw IoError("output '" + path_ + "': write failed: " + std::strerror(errno));
    if (owned_) {
        int rc = std::fclose(f_);
        f_ = nullptr;
        if (rc != 0) throw IoError("output '" + path_ + "': close failed: " + std::strerror(errno));
    }
}

}  // namespace envforge::cli
