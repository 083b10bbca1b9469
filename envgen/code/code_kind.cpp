#include "envgen/code/code_kind.hpp"

#include <chrono>
#include <climits>
#include <cstdio>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <set>
#include <sstream>

#include <boost/asio/io_context.hpp>
#include <boost/asio/this_coro.hpp>

#include "common/safe_fs.hpp"
#include "common/unified_diff.hpp"
#include "envgen/code/code_env.hpp"
#include "envgen/code/code_project.hpp"
#include "envgen/code/code_task.hpp"
#include "envgen/code/git_history.hpp"
#include "envgen/episode_workspace.hpp"
#include "envgen/episode_sandbox.hpp"
#include "sandbox/session.hpp"
#include "common/errors.hpp"
#include "common/rng.hpp"
#include "tasks/scripted_policy.hpp"
#include "envgen/synth_util.hpp"

namespace envforge {

namespace {

namespace fs = std::filesystem;
namespace asio = boost::asio;
using code::Files;
using code::Project;

constexpr int kGoldRuns = 3;

// One tried mutant of `project`, by outcome (accepted, equivalent, no_report or invalid), and
// the seconds its suite ran, into the run's tally.
void count(const SynthRequest& req, const std::string& project, const char* outcome, double seconds) {
    if (!req.tally) return;
    req.tally->add(project, outcome);
    req.tally->add(project, "seconds", seconds);
}

// The per-test time limits of a mutant's run: ten times the test's slowest gold run, at least
// two seconds, so a mutant that deadlocks one test costs that test's limit, not the suite's.
code::RunnerConfig mutant_config(const Project& p) {
    code::RunnerConfig c = code::runner_config(p);
    c.per_test_seconds = 2.0;
    c.max_timeouts = 3;
    c.limits = code::slow_test_limits(p, c.per_test_seconds);
    return c;
}

// Projects are loaded (suite run N times, mutants made) once per process.
const Project& project_at(const std::string& dir, const Json& overrides) {
    static std::mutex mu;
    static std::map<std::string, std::unique_ptr<Project>> cache;
    std::lock_guard lock(mu);
    auto& slot = cache[dir + "\n" + overrides.dump()];
    if (!slot) slot = std::make_unique<Project>(code::load_project(dir, kGoldRuns, overrides));
    return *slot;
}

std::string test_file_of(const std::string& id) {
    // pytest: tests/test_x.py::Class::test_y; unittest: tests.test_x.Class.test_y -> tests/test_x.py
    if (const size_t colons = id.find("::"); colons != std::string::npos) return id.substr(0, colons);
    std::vector<std::string> parts;
    std::stringstream ss(id);
    for (std::string p; std::getline(ss, p, '.');) parts.push_back(p);
    std::string path;
    for (size_t i = 0; i + 2 < parts.size(); ++i) path += (i ? "/" : "") + parts[i];
    return path + ".py";
}

bool in_sources(const std::string& path, const std::vector<std::string>& dirs) {
    for (const auto& d : dirs)
        if (path.rfind(d + "/", 0) == 0) return true;
    return false;
}

// The lines around [begin, end) of `text`, widened until they occur once in it.
std::pair<size_t, size_t> unique_context(const std::string& text, size_t begin, size_t end) {
    size_t b = text.rfind('\n', begin == 0 ? 0 : begin - 1);
    b = b == std::string::npos ? 0 : b + 1;
    size_t e = text.find('\n', end);
    e = e == std::string::npos ? text.size() : e;
    for (int widen = 0; widen < 50; ++widen) {
        const std::string piece = text.substr(b, e - b);
        if (text.find(piece) == b && text.find(piece, b + 1) == std::string::npos) break;
        if (b > 0) b = text.rfind('\n', b - 2) == std::string::npos ? 0 : text.rfind('\n', b - 2) + 1;
        if (e < text.size()) e = text.find('\n', e + 1) == std::string::npos ? text.size() : text.find('\n', e + 1);
    }
    return {b, e};
}

std::string issue_text(const Project& p, const code::Mutant& m, const std::vector<const code::TestOutcome*>& failing, int difficulty) {
    std::string module = m.file;
    if (module.ends_with(".py")) module.resize(module.size() - 3);
    for (auto& c : module)
        if (c == '/') c = '.';
    std::string t = "Bug report for `" + p.name + "`";
    t += difficulty <= 3 ? " (module `" + module + "`)" : "";
    t += "\n\nSomething in " + (difficulty <= 4 ? "`" + module + "`" : "the package") + " no longer behaves as documented. ";
    t += "The test suite now fails";
    const size_t shown = difficulty >= 5 ? 1 : 2;
    t += ":\n";
    for (size_t i = 0; i < failing.size() && i < shown; ++i) {
        std::string msg = failing[i]->message.empty() ? failing[i]->status : failing[i]->message;
        // Object addresses differ from run to run: keep the task text deterministic.
        for (size_t at = msg.find(" at 0x"); at != std::string::npos; at = msg.find(" at 0x", at + 1)) {
            size_t e = at + 6;
            while (e < msg.size() && std::isxdigit(static_cast<unsigned char>(msg[e]))) ++e;
            msg.replace(at, e - at, " at 0x…");
        }
        if (msg.size() > 400) msg = msg.substr(0, 400) + "…";
        t += "\n    " + msg + "\n";
    }
    if (difficulty <= 2) {
        t += "\nFailing tests:";
        for (size_t i = 0; i < failing.size() && i < 5; ++i) t += (i ? ", " : " ") + failing[i]->id;
        t += "\n";
    }
    t += "\nFix the source so that the whole suite passes again. The tests are correct: changes to them are not kept.";
    return t;
}

class CodeKind final : public EnvKind {
public:
    std::string name() const override { return "code"; }
    std::string describe() const override {
        return "bug-fix tasks from Python repositories with tests (mutated source, tests in the sandbox)";
    }

    Task synthesize(const SynthRequest& req) const override {
        std::string dir;
        Json overrides = Json::object();
        if (const std::string repo = req.options.get_string("repo"); !repo.empty()) {
            dir = repo;
            if (const Json* src = req.options.find("source_dirs")) overrides.set("source_dirs", *src);
            if (const Json* td = req.options.find("test_dir")) overrides.set("test_dir", *td);
            if (req.options.get_bool("ignore_failing")) overrides.set("ignore_failing", true);
            if (const Json* tt = req.options.find("test_timeout")) overrides.set("test_timeout", *tt);
            overrides.set("runner", req.options.get_string("runner", "auto"));
        } else {
            const auto seeds = code::bundled_seed_dirs();
            dir = seeds[req.index % seeds.size()];
        }
        const Project& p = project_at(dir, overrides);
        if (p.mutants.empty()) throw InvalidInput("project '" + p.name + "': no mutable code");
        // Candidates in a seeded order; the first whose mutant fails a gold-passing test wins.
        Rng rng(mix_seed(req.seed, "code-mutant"));
        std::vector<size_t> order(p.mutants.size());
        for (size_t i = 0; i < order.size(); ++i) order[i] = i;
        rng.shuffle(order);
        const std::set<std::string> passing(p.passing.begin(), p.passing.end());
        const PrivateDir tmp("mutant");
        const std::string& work = tmp.path();
        code::write_files(work, p.files);
        const code::RunnerConfig config = mutant_config(p);
        for (size_t attempt = 0; attempt < order.size() && attempt < 40; ++attempt) {
            const code::Mutant& m = p.mutants[order[attempt]];
            const std::string& original = p.files.at(m.file);
            const std::string mutated = original.substr(0, m.start) + m.new_text + original.substr(m.end);
            code::write_files(work, {{m.file, mutated}});
            // A mutant can loop forever (a removed increment): each test has its own time limit,
            // and the whole run a multiple of the gold run's. A run without a report is tried
            // twice, so a momentary hiccup of the machine cannot change which task a seed makes.
            code::TestRun run;
            const auto t0 = std::chrono::steady_clock::now();
            code::RunnerConfig this_config = config;
            this_config.compile = {m.file};
            for (int tries = 0; tries < 2; ++tries) {
                run = code::run_tests_blocking(work, this_config, std::max(30.0, 5 * p.gold_seconds));
                if (run.ok() || run.timed_out) break;  // a time limit is not a hiccup: no second try
                if (std::getenv("ENVFORGE_DEBUG"))
                    std::fprintf(stderr, "code synth: %s %s:%d: %s\n", m.op.c_str(), m.file.c_str(), m.line, run.error.c_str());
            }
            const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
            code::write_files(work, {{m.file, original}});
            // A mutant that makes test after test run out of time is stopped early (the runner
            // gives up after a few) and passed over: no worker waits minutes on it.
            if (const code::TestOutcome* r = run.ok() ? run.find("<runner>") : nullptr) {
                if (r->message.find("does not compile") != std::string::npos) {
                    count(req, p.name, "invalid", secs);
                    continue;
                }
                run.error = "the suite was stopped: " + r->message;
            }
            if (!run.ok()) {
                count(req, p.name, "no_report", secs);
                continue;
            }
            std::vector<const code::TestOutcome*> failing;
            std::vector<std::string> f2p, p2p;
            for (const auto& id : p.passing) {
                const code::TestOutcome* t = run.find(id);
                if (!t || t->status != "passed") {
                    f2p.push_back(id);
                    if (t) failing.push_back(t);
                } else {
                    p2p.push_back(id);
                }
            }
            if (f2p.empty() || failing.empty()) {  // an equivalent mutant, or one no test sees
                count(req, p.name, "equivalent", secs);
                continue;
            }
            count(req, p.name, "accepted", secs);
            return make_task(req, p, m, mutated, f2p, p2p, failing);
        }
        throw InvalidInput("project '" + p.name + "': no mutant among the first 40 candidates fails a test (seed " +
                           std::to_string(req.seed) + ")");
    }

    // Two seeds can pick the same mutant: the same file, span and replacement is the same task.
    std::string dedupe_key(const Task& t) const override {
        const Json* m = t.verifier.find("mutant");
        return m ? t.generator_name + "|" + m->get_string("file") + "|" + m->at("span").dump() + "|" + m->get_string("replacement") : "";
    }

    std::unique_ptr<Environment> make_environment(const Task& task) const override;
    void check_env(const Task& task) const override { code::CodeEnv::from_json(task.env); }
    SynthReport report(const std::vector<Task>& tasks, const SynthTally& tally) const override;

private:
    Task make_task(const SynthRequest& req, const Project& p, const code::Mutant& m, const std::string& mutated,
                   const std::vector<std::string>& f2p, const std::vector<std::string>& p2p,
                   const std::vector<const code::TestOutcome*>& failing) const {
        Task t;
        t.kind = "code";
        t.seed = req.seed;
        t.difficulty = req.difficulty;
        t.generator_name = "code." + p.name;
        t.generator_version = "1";
        code::set_code_tools(t);
        t.prompt = issue_text(p, m, failing, req.difficulty);
        Files files = p.files;
        files[m.file] = mutated;
        t.env = code::project_env(p, files).to_json();
        auto arr = [](const std::vector<std::string>& v) {
            JsonArray a;
            for (const auto& s : v) a.emplace_back(s);
            return Json(std::move(a));
        };
        t.verifier = Json::object(
            {{"type", "code"},
             {"f2p", arr(f2p)},
             {"p2p", arr(p2p)},
             {"flaky", arr(p.flaky)},
             {"neutral", arr(p.neutral)},
             {"broken", arr(p.broken)},
             {"mutant", Json::object({{"op", m.op},
                                      {"file", m.file},
                                      {"line", m.line},
                                      {"description", m.description},
                                      {"span", Json(JsonArray{Json(static_cast<int64_t>(m.start)), Json(static_cast<int64_t>(m.end))})},
                                      {"replacement", m.new_text}})}});
        // The gold fix through the tools: put the original lines back, run the tests, submit.
        const size_t new_end = m.start + m.new_text.size();
        const auto [cb, ce] = unique_context(mutated, m.start, new_end);
        const std::string old_ctx = mutated.substr(cb, ce - cb);
        const std::string orig = p.files.at(m.file);
        const std::string new_ctx = orig.substr(cb, ce - cb + m.old_text.size() - m.new_text.size());
        // The gold fix acts only on what it was shown: the issue text names the failure, and the
        // file is read before it is edited. (No test run on the broken code first: a mutant's
        // failure messages can differ run to run, which replay would report as a difference.)
        std::vector<ScriptTurn> script = {
            {"Read the code the issue points to.", {{"read_file", Json::object({{"path", m.file}})}}},
            {"Restore the code.", {{"str_replace", Json::object({{"path", m.file}, {"old", old_ctx}, {"new", new_ctx}})}}},
            {"Check the suite.", {{"run_tests", Json::object()}}},
            {"Done.", {{"submit", Json::object()}}}};
        // Probes aim at real test files: the file of a failing test that exists in the test
        // directory (a doctest's id names the module it documents, not a test file).
        std::string failing_file;
        for (const auto& id : f2p) {
            const std::string f = test_file_of(id);
            if (p.files.count(f) && code::in_test_dir(f, p.test_dir)) {
                failing_file = f;
                break;
            }
        }
        JsonArray probes = code::code_probes(failing_file, m.file, orig + "\ndef broken(:\n    pass\n", p.test_dir);
        t.reference = reference_json(script_to_json(script), Json(), std::move(probes));
        t.reference.set("patch", unified_diff(m.file, mutated, orig));  // the gold patch, as SWE-bench has it
        code::set_code_limits(t);
        t.finalize();
        return t;
    }
};

// ---- the episode ----

// What the file tools read or write at most: a source file, not a data dump.
constexpr size_t kMaxFileBytes = 8 << 20;

// The run as the agent sees it. Tests set aside at synthesis because they fail whatever the code
// (`broken`) are left out: they are noise, and their messages (temporary paths) change run to run.
std::string format_run(const code::TestRun& r, const std::set<std::string>& broken) {
    if (!r.ok()) return r.error;
    size_t passed = 0, failed = 0, errors = 0, skipped = 0, left_out = 0;
    std::string details;
    for (const auto& t : r.tests) {
        if (broken.count(t.id)) {
            ++left_out;
            continue;
        }
        if (t.status == "passed") ++passed;
        else if (t.neutral()) ++skipped;
        else {
            (t.status == "failed" ? failed : errors)++;
            if (details.size() < 3000)
                details += "\n" + std::string(t.status == "failed" ? "FAIL" : "ERROR") + ": " + t.id + "\n    " + t.message;
        }
    }
    return std::to_string(passed) + " passed, " + std::to_string(failed) + " failed, " + std::to_string(errors) + " errors, " +
           std::to_string(skipped) + " skipped" +
           (left_out ? " (" + std::to_string(left_out) + " tests that fail in this sandbox whatever the code are not counted)" : "") +
           details;
}

class CodeEnvironment final : public Environment {
public:
    asio::awaitable<void> start(const Task& task) override {
        task_ = &task;
        ws_.create();
        workdir_ = ws_.dir();
        env_ = code::CodeEnv::from_json(task.env);
        code::write_files(workdir_, env_.files);
        co_await ws_.start_session(episode_limits(task.limits, 2ll << 30, 256));
        // A fresh repository with one commit: no history, reflog, remote or stash holds the fix.
        auto r = co_await ws_.session().shell(
            "git init -q && git add -A && git -c user.name=envforge -c user.email=envforge@localhost "
            "commit -qm 'Initial commit' && git reflog expire --expire=now --all",
            60);
        if (r.exit_code != 0) throw std::runtime_error("git init failed: " + r.err + r.out);
    }

    asio::awaitable<ToolResult> call(const std::string& name, const Json& args) override {
        const ToolSpec* spec = task_->find_tool(name);
        if (spec->impl.get_bool("submit")) co_return ToolResult{"submitted", false, true, Json::object()};
        const std::string op = spec->impl.get_string("op");
        std::string error;
        try {
            if (op == "bash") {
                auto r = co_await ws_.session().shell(args.get_string("command"), task_->limits.call_timeout_seconds);
                std::string out = r.out;
                if (!r.err.empty()) out += (out.empty() ? "" : "\n") + r.err;
                if (r.session_lost) out += "\n[the shell was restarted]";
                out += "\n[exit code " + std::to_string(r.exit_code) + "]";
                co_return ToolResult{out, r.exit_code != 0, false, Json()};
            }
            if (op == "run_tests") {
                const std::string sel = args.get_string("selector");
                code::RunnerConfig config = env_.runner_config();
                if (!sel.empty()) config.ids.push_back(sel);
                auto& io = static_cast<asio::io_context&>((co_await asio::this_coro::executor).context());
                code::TestRun r = co_await code::run_tests(episode_sandbox(io), workdir_, config,
                                                           std::min(task_->limits.call_timeout_seconds, env_.test_timeout));
                std::set<std::string> broken;
                if (const Json* b = task_->verifier.find("broken"); b && b->is_array())
                    for (const Json& id : b->as_array()) broken.insert(id.as_string());
                co_return ToolResult{format_run(r, broken), !r.ok(), false, Json()};
            }
            // Every file operation on the agent's tree goes through safe_fs: beneath the workspace,
            // no symlink followed, regular files only, never blocking on a FIFO it planted.
            const std::string path = args.get_string("path");
            const safe_fs::Root root(workdir_);
            if (op == "read_file") {
                const std::string text = root.read(path, kMaxFileBytes);
                const int64_t start = args.get_int("start", 1), end = args.get_int("end", INT_MAX);
                std::string out;
                int64_t n = 1;
                std::stringstream ss(text);
                for (std::string line; std::getline(ss, line); ++n)
                    if (n >= start && n <= end) out += std::to_string(n) + "\t" + line + "\n";
                co_return ToolResult{out.empty() ? "(no lines in that range)" : out, false, false, Json()};
            }
            if (op == "str_replace") {
                std::string text = root.read(path, kMaxFileBytes);
                const std::string old = args.get_string("old");
                const size_t at = old.empty() ? std::string::npos : text.find(old);
                if (at == std::string::npos) co_return ToolResult::error("old text not found in " + path);
                if (text.find(old, at + 1) != std::string::npos)
                    co_return ToolResult::error("old text occurs more than once in " + path + "; include more context");
                text.replace(at, old.size(), args.get_string("new"));
                root.write(path, text, false);
                co_return ToolResult{"edited " + path, false, false, Json()};
            }
            if (op == "write_file") {
                const std::string content = args.get_string("content");
                if (content.size() > kMaxFileBytes) co_return ToolResult::error("content over " + std::to_string(kMaxFileBytes) + " bytes");
                root.write(path, content, true);
                co_return ToolResult{"wrote " + path, false, false, Json()};
            }
        } catch (const std::exception& e) {
            error = e.what();
        }
        co_return ToolResult::error(error.empty() ? "unknown operation" : error);
    }

    // The agent's source files onto a pristine copy with the original tests, then the
    // fail-to-pass and pass-to-pass tests in a fresh sandbox.
    asio::awaitable<Verdict> verify(const Json&) override {
        // The tree is judged as it was at submit: a process the agent left running must not
        // change it while it is read.
        ws_.stop_session();
        const Json& v = task_->verifier;
        const JudgedTree tree = judged_tree();
        const PrivateDir tmp("verify");
        const std::string& dir = tmp.path();
        code::write_files(dir, tree.files);
        Checks c;
        // The agent's change to the source, kept with the verdict (SWE-bench's model_patch).
        std::string diff = tree_diff(tree.before, tree.after);
        if (diff.size() > (256u << 10)) diff = diff.substr(0, 256u << 10) + "\n[... diff truncated ...]\n";
        auto with_diff = [&](Verdict vd) {
            vd.details.set("diff", diff);
            if (!tree.unreadable.empty()) {
                Json list = Json::array();
                for (const auto& u : tree.unreadable) list.push_back(u);
                vd.details.set("unreadable", std::move(list));
            }
            return vd;
        };
        // Fail-to-pass first: when one of them still fails, the pass-to-pass run (most of the
        // suite) cannot change the verdict and is not made. Most failed attempts end here cheaply.
        auto& io = static_cast<asio::io_context&>((co_await asio::this_coro::executor).context());
        for (const char* key : {"f2p", "p2p"}) {
            code::RunnerConfig config = env_.runner_config();
            for (const Json& id : v.at(key).as_array()) config.ids.push_back(id.as_string());
            if (config.ids.empty()) {
                c.add(key, true, "0/0 passed");
                continue;
            }
            const code::TestRun run = co_await code::run_tests(episode_sandbox(io), dir, config, env_.test_timeout);
            if (!run.ok()) {
                c.add("tests_ran", false, run.error);
                co_return with_diff(c.verdict());
            }
            const bool all = add_outcomes(c, key, run, v.at(key));
            if (!all && std::string(key) == "f2p") {
                c.add("p2p", false, "not run: fail-to-pass tests still fail");
                break;
            }
        }
        co_return with_diff(c.verdict());
    }

    void close() override { ws_.close(); }

private:
    // The tree verification runs: the task's files with the agent's source files over them
    // (before/after: those source files, for the agent's diff), and what could not be read.
    struct JudgedTree {
        Files files, before, after;
        std::vector<std::string> unreadable;
    };
    JudgedTree judged_tree() const;
    // Adds the check `key` (n/m passed, and the first failures) for `ids` in `run`; whether all passed.
    static bool add_outcomes(Checks& c, const char* key, const code::TestRun& run, const Json& ids) {
        size_t ok = 0, total = 0;
        std::string bad;
        for (const Json& id : ids.as_array()) {
            ++total;
            const code::TestOutcome* t = run.find(id.as_string());
            if (t && t->status == "passed") ++ok;
            else if (bad.size() < 300) bad += (bad.empty() ? "" : ", ") + id.as_string() + (t ? " " + t->status : " missing");
        }
        c.add(key, ok == total, std::to_string(ok) + "/" + std::to_string(total) + " passed" + (bad.empty() ? "" : "; " + bad));
        return ok == total;
    }

    const Task* task_ = nullptr;
    code::CodeEnv env_;
    EpisodeWorkspace ws_;
    std::string workdir_;  // ws_.dir(), for the file tools
};

CodeEnvironment::JudgedTree CodeEnvironment::judged_tree() const {
    // Tasks mined from history name their test-file rule: a file it calls a test is never
    // taken from the agent, wherever it lies.
    const std::vector<std::string> patterns = env_.test_patterns.value_or(std::vector<std::string>{});
    auto counts = [&](const std::string& path) {
        const std::string name = path.substr(path.rfind('/') + 1);
        return in_sources(path, env_.source_dirs) && !code::in_test_dir(path, env_.test_dir) && !code::test_file_name(name, patterns);
    };
    JudgedTree tree;
    for (const auto& [path, content] : env_.files) {
        if (!counts(path)) tree.files[path] = content;
        else if (path.ends_with(".py")) tree.before[path] = content;
        else tree.files[path] = content;  // data files of the package are restored, as the tests are
    }
    // The agent's tree, read without following a link it planted or opening a FIFO. A file
    // that cannot be read (a link, a device, over the size limit) is left out of the change
    // and named in the verdict, never silently dropped.
    const safe_fs::Root root(workdir_);
    auto skip = [](std::string_view name) { return name == "__pycache__" || name == ".git"; };
    for (const auto& d : env_.source_dirs) {
        std::vector<std::string> found;
        try {
            found = root.regular_files(d == "." ? "" : d, skip, 20000);
        } catch (const InvalidInput& e) {
            tree.unreadable.push_back(d + ": " + e.what());
        }
        for (const std::string& rel : found) {
            if (!rel.ends_with(".py") || !counts(rel)) continue;
            try {
                tree.after[rel] = root.read(rel, kMaxFileBytes);
            } catch (const InvalidInput& e) {
                tree.unreadable.push_back(e.what());
            }
        }
    }
    for (const auto& [path, content] : tree.after) tree.files[path] = content;
    // Tests the checkout lacks (a mined commit's new tests) over the restored ones.
    const Json& v = task_->verifier;
    if (const Json* hidden = v.find("hidden_files"))
        for (auto& [path, content] : code::files_from_json(*hidden)) tree.files[path] = std::move(content);
    if (const Json* removed = v.find("removed_files"); removed && removed->is_array())
        for (const Json& r : removed->as_array()) tree.files.erase(r.as_string());
    return tree;
}

std::unique_ptr<Environment> CodeKind::make_environment(const Task&) const { return std::make_unique<CodeEnvironment>(); }

}  // namespace

// Per project, how many mutants were tried to make these tasks, and why the rest were not.
SynthReport CodeKind::report(const std::vector<Task>&, const SynthTally& tally) const {
    SynthReport out;
    JsonArray projects;
    for (const auto& entry : tally.totals()) {
        const std::string& project = entry.first;
        const std::map<std::string, double>& n = entry.second;  // a name, not a binding: clang 14 cannot capture those
        auto get = [&n](const char* k) {
            const auto it = n.find(k);
            return it == n.end() ? 0 : static_cast<int>(it->second);
        };
        const int accepted = get("accepted"), equivalent = get("equivalent"), invalid = get("invalid"), no_report = get("no_report");
        const int tried = accepted + equivalent + invalid + no_report;
        const double seconds = n.count("seconds") ? n.at("seconds") : 0.0, per_task = accepted ? seconds / accepted : 0.0;
        projects.push_back(Json::object({{"project", project},
                                         {"tried", tried},
                                         {"accepted", accepted},
                                         {"equivalent", equivalent},
                                         {"no_report", no_report},
                                         {"invalid", invalid},
                                         {"seconds_per_accepted", per_task}}));
        char line[320];
        std::snprintf(line, sizeof line,
                      "project %s: %d mutants tried, %d accepted, %d caught by no test, %d not compiling, %d without a report (crash or "
                      "time limit); %.1f s of suite runs per accepted task",
                      project.c_str(), tried, accepted, equivalent, invalid, no_report, per_task);
        out.lines.emplace_back(line);
    }
    out.fields.set("projects", Json(std::move(projects)));
    return out;
}

const EnvKind& code_kind() {
    static const CodeKind kind;
    return kind;
}

}  // namespace envforge
