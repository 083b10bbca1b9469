#include "datasets/export.hpp"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <thread>
#include <cmath>
#include <map>
#include <unordered_set>

#include "datasets/json_text.hpp"
#include "common/sha256.hpp"
#include "common/errors.hpp"

namespace envforge {

namespace {

// Exports write JSON text straight from the stored columns (JsonText): building a Json tree per
// message and parsing the stored tool calls back cost five times the SQLite reads. The text is
// the same as Message::to_json(...).dump() (tests/datasets/test_export.cpp checks it).

// What every record of a task repeats, rendered once per task.
struct TaskInfo {
    int64_t difficulty = 0;
    std::string tools;   // JSON: OpenAI function schemas
    std::string prompt;  // JSON: [system, user]
};

class TaskCache {
public:
    explicit TaskCache(const Store& store)
        : q_(const_cast<Store&>(store).db(),
             "SELECT difficulty, json_extract(json, '$.tools'), json_extract(json, '$.system'), json_extract(json, '$.prompt') "
             "FROM tasks WHERE id = ?") {}
    const TaskInfo& get(const std::string& id) {
        auto it = cache_.find(id);
        if (it != cache_.end()) return it->second;
        q_.bind(1, id);
        struct Reset {
            SqliteStmt& q;
            ~Reset() { q.reset(); }
        } reset{q_};
        if (!q_.step()) throw InvalidInput("task " + id + " of a stored episode is not in the store");
        TaskInfo info;
        info.difficulty = q_.int64(0);
        JsonArray tools;
        const Json specs = Json::parse(q_.is_null(1) ? "[]" : q_.text(1), "stored task tools");
        for (const auto& t : specs.as_array()) tools.push_back(ToolSpec::from_json(t).to_openai());
        Json(std::move(tools)).dump_to(info.tools);
        Json(JsonArray{Message::system(q_.text(2)).to_json(false), Message::user(q_.text(3)).to_json(false)}).dump_to(info.prompt);
        return cache_.emplace(id, std::move(info)).first->second;
    }

private:
    SqliteStmt q_;
    std::map<std::string, TaskInfo> cache_;
};

struct EpisodeRef {
    int64_t id = 0;
    std::string run, task_id, kind, status;
    int64_t rollout = 0;
    double reward = 0;
    bool passed = false;
};

// The episodes an export covers (never infrastructure failures), in `order`.
std::vector<EpisodeRef> episode_refs(const Store& store, const ExportOptions& o, bool only_passed, const char* order) {
    SqliteStmt q(const_cast<Store&>(store).db(),
                 std::string("SELECT e.id, r.name, e.task_id, t.kind, e.rollout, e.status, e.reward, e.passed FROM episodes e "
                             "JOIN runs r ON r.id = e.run_id JOIN tasks t ON t.id = e.task_id "
                             "WHERE (?1 = '' OR r.name = ?1) AND (?2 = '' OR t.kind = ?2) AND (?3 = 0 OR e.passed = 1) "
                             "AND e.status NOT IN ") +
                     kInfraStatusesSql + " ORDER BY " + order);
    q.bind(1, o.run).bind(2, o.kind).bind(3, only_passed ? 1 : 0);
    std::vector<EpisodeRef> out;
    while (q.step()) out.push_back({q.int64(0), q.text(1), q.text(2), q.text(3), q.text(5), q.int64(4), q.real(6), q.int64(7) != 0});
    return out;
}

// Reads an episode's messages and writes them as JSON objects separated by commas.
class MessageWriter {
public:
    explicit MessageWriter(const Store& store)
        : q_(const_cast<Store&>(store).db(),
             "SELECT role, content, reasoning, tool_calls, tool_call_id, name, is_error, prompt_ids, completion_ids, raw "
             "FROM messages WHERE episode_id = ? ORDER BY idx") {}

    // Messages from index `first` on; `turns` (when given) receives the assistant turns' ids.
    void write(int64_t episode, std::string& out, bool with_extras, size_t first = 0, std::vector<Message>* turns = nullptr) {
        q_.bind(1, episode);
        struct Reset {
            SqliteStmt& q;
            ~Reset() { q.reset(); }
        } reset{q_};
        bool comma = false;
        for (size_t idx = 0; q_.step(); ++idx) {
            const std::string_view role = q_.view(0);
            const bool assistant = role == "assistant", tool = role == "tool";
            std::vector<int32_t> prompt, completion;
            if (assistant && !q_.is_null(7)) prompt = unpack_ids(q_.blob(7));
            if (assistant && !q_.is_null(8)) completion = unpack_ids(q_.blob(8));
            if (turns && assistant && (!prompt.empty() || !completion.empty())) {
                Message m;
                m.role = Role::Assistant;
                m.prompt_ids = prompt;
                m.completion_ids = completion;
                turns->push_back(std::move(m));
            }
            if (idx < first) continue;
            if (comma) out.push_back(',');
            comma = true;
            JsonText m(out);
            m.str("role", role);
            if (q_.is_null(1)) m.null("content");
            else m.str("content", q_.view(1));
            if (assistant) {
                if (!q_.is_null(2)) m.str("reasoning_content", q_.view(2));
                if (!q_.is_null(3)) {
                    std::string_view calls = q_.view(3);  // written by the store from ToolCall::to_json
                    std::string plain_text;
                    if (!with_extras && calls.find("\"parse_error\"") != std::string_view::npos) {
                        JsonArray plain;
                        const Json stored = Json::parse(calls, "stored tool calls");
                        for (const auto& c : stored.as_array()) plain.push_back(ToolCall::from_json(c).to_json(false));
                        Json(std::move(plain)).dump_to(plain_text);
                        calls = plain_text;
                    }
                    if (calls != "[]") m.raw("tool_calls", calls);
                }
            }
            if (tool) {
                m.str("tool_call_id", q_.view(4));
                if (!q_.view(5).empty()) m.str("name", q_.view(5));
                if (with_extras && q_.int64(6) != 0) m.boolean("is_error", true);
            }
            if (with_extras) {
                if (!prompt.empty()) m.ids("prompt_token_ids", prompt);
                if (!completion.empty()) m.ids("completion_token_ids", completion);
                if (!q_.view(9).empty()) m.str("raw", q_.view(9));
            }
            m.close();
        }
    }

private:
    SqliteStmt q_;
};

// One read transaction for a whole export: a consistent snapshot even while a run writes, and
// one lock instead of one per statement.
class ReadSnapshot {
public:
    explicit ReadSnapshot(const Store& store) : db_(const_cast<Store&>(store).db()) { db_.exec("BEGIN"); }
    ~ReadSnapshot() {
        try {
            db_.exec("COMMIT");
        } catch (...) {
            // Nothing was written; the connection ends the read transaction when it closes.
        }
    }
    ReadSnapshot(const ReadSnapshot&) = delete;
    ReadSnapshot& operator=(const ReadSnapshot&) = delete;

private:
    SqliteDb& db_;
};

int64_t count_infra(const Store& store, const ExportOptions& o) {
    std::string sql = std::string(
                          "SELECT count(*) FROM episodes e JOIN runs r ON r.id = e.run_id JOIN tasks t ON t.id = e.task_id "
                          "WHERE (?1 = '' OR r.name = ?1) AND (?2 = '' OR t.kind = ?2) AND e.status IN ") +
                      kInfraStatusesSql;
    SqliteStmt q(const_cast<Store&>(store).db(), sql);
    q.bind(1, o.run).bind(2, o.kind);
    q.step();
    return q.int64(0);
}

// 64-bit FNV-1a: transcripts are compared by hash for dedupe (a collision would drop one
// transcript in 2^64; their text is not kept in memory).
uint64_t fnv1a(std::string_view s) {
    uint64_t h = 1469598103934665603ull;
    for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
    return h;
}

}  // namespace

TokenTrajectory token_trajectory(const std::vector<Message>& transcript) {
    TokenTrajectory t;
    for (const Message& m : transcript)
        if (m.role == Role::Assistant && (!m.prompt_ids.empty() || !m.completion_ids.empty()))
            t.turns.push_back({m.prompt_ids, m.completion_ids});
    t.has_ids = !t.turns.empty();
    if (!t.has_ids) return t;
    // Merged when each prompt starts with the previous prompt and completion, token for token.
    t.merged = true;
    std::vector<int32_t> so_far = t.turns[0].prompt_ids;
    t.prompt_ids = t.turns[0].prompt_ids;
    for (size_t k = 0; k < t.turns.size(); ++k) {
        const auto& turn = t.turns[k];
        if (k > 0) {
            if (turn.prompt_ids.size() < so_far.size() || !std::equal(so_far.begin(), so_far.end(), turn.prompt_ids.begin())) {
                t.merged = false;
                break;
            }
            // What the environment added between the turns: read, not trained on.
            t.completion_ids.insert(t.completion_ids.end(), turn.prompt_ids.begin() + static_cast<std::ptrdiff_t>(so_far.size()),
                                    turn.prompt_ids.end());
            t.loss_mask.resize(t.completion_ids.size(), 0);
            so_far = turn.prompt_ids;
        }
        t.completion_ids.insert(t.completion_ids.end(), turn.completion_ids.begin(), turn.completion_ids.end());
        t.loss_mask.resize(t.completion_ids.size(), 1);
        so_far.insert(so_far.end(), turn.completion_ids.begin(), turn.completion_ids.end());
    }
    if (!t.merged) {
        t.prompt_ids.clear();
        t.completion_ids.clear();
        t.loss_mask.clear();
    } else {
        t.turns.clear();
    }
    return t;
}

namespace {

// Mean and sample standard deviation (n - 1; 0 for one reward).
std::pair<double, double> mean_std(const std::vector<double>& rewards) {
    if (rewards.empty()) return {0, 0};
    double mean = 0;
    for (double r : rewards) mean += r;
    mean /= static_cast<double>(rewards.size());
    double var = 0;
    for (double r : rewards) var += (r - mean) * (r - mean);
    return {mean, rewards.size() > 1 ? std::sqrt(var / static_cast<double>(rewards.size() - 1)) : 0.0};
}

}  // namespace

std::vector<double> group_advantages(const std::vector<double>& rewards, Advantage mode) {
    const auto [mean, std] = mean_std(rewards);
    std::vector<double> a(rewards.size());
    for (size_t i = 0; i < rewards.size(); ++i) a[i] = mode == Advantage::ZScore ? (rewards[i] - mean) / (std + 1e-4) : rewards[i] - mean;
    return a;
}

namespace {

// One export thread's own connection (connections are opened without SQLite's mutex) with its
// statements and task cache.
struct Formatter {
    Store store;
    ReadSnapshot snapshot;
    TaskCache tasks;
    MessageWriter messages;
    explicit Formatter(const std::string& path) : store(path, true), snapshot(store), tasks(store), messages(store) {}
};

struct Record {
    std::string text;   // one JSON line, '\n' included
    uint64_t hash = 0;  // SFT with dedupe: the (task, transcript) hash
    int64_t episodes = 0;
};

// Formats records [0, n) on up to `threads` threads, in batches, and hands them to `consume` in
// order on the calling thread: JSON formatting costs several times the SQLite reads, so it is
// what the threads share.
void format_in_order(const std::string& path, size_t n, const std::function<void(Formatter&, size_t, Record&)>& format,
                     const std::function<void(Record&)>& consume) {
    constexpr size_t kBatch = 64;
    const size_t batches = (n + kBatch - 1) / kBatch;
    const unsigned threads = static_cast<unsigned>(std::min<size_t>(std::clamp(std::thread::hardware_concurrency(), 1u, 4u), batches));
    if (threads <= 1) {
        Formatter f(path);
        Record r;
        for (size_t i = 0; i < n; ++i) {
            r.text.clear();
            format(f, i, r);
            consume(r);
        }
        return;
    }
    std::vector<std::vector<Record>> done(batches);
    std::vector<char> ready(batches, 0);
    std::mutex mu;
    std::condition_variable cv;
    std::atomic<size_t> next{0};
    std::atomic<bool> failed{false};
    std::exception_ptr error;
    auto work = [&] {
        try {
            Formatter f(path);
            size_t typical = 4096;  // bytes of the last record: reserving it saves the regrowth copies
            for (size_t b; !failed && (b = next++) < batches;) {
                std::vector<Record> out(std::min(kBatch, n - b * kBatch));
                for (size_t i = 0; i < out.size(); ++i) {
                    out[i].text.reserve(typical + typical / 4);
                    format(f, b * kBatch + i, out[i]);
                    typical = out[i].text.size();
                }
                std::lock_guard lock(mu);
                done[b] = std::move(out);
                ready[b] = 1;
                cv.notify_all();
            }
        } catch (...) {
            std::lock_guard lock(mu);
            if (!failed.exchange(true)) error = std::current_exception();
            cv.notify_all();
        }
    };
    std::vector<std::thread> pool;
    for (unsigned t = 0; t < threads; ++t) pool.emplace_back(work);
    struct Join {
        std::vector<std::thread>& pool;
        std::atomic<bool>& failed;
        ~Join() {
            failed = failed || std::uncaught_exceptions() > 0;
            for (auto& t : pool) t.join();
        }
    } join{pool, failed};
    for (size_t b = 0; b < batches; ++b) {
        std::vector<Record> batch;
        {
            std::unique_lock lock(mu);
            cv.wait(lock, [&] { return ready[b] || failed.load(); });
            if (failed) break;
            batch = std::move(done[b]);
        }
        for (Record& r : batch) consume(r);
    }
    if (failed && error) std::rethrow_exception(error);
}

void sft_line(Formatter& f, const EpisodeRef& e, bool dedupe, Record& r) {
    const TaskInfo& t = f.tasks.get(e.task_id);
    std::string& line = r.text;
    JsonText j(line);
    j.str("id", e.run + "/" + std::to_string(e.id)).str("run", e.run).integer("episode_id", e.id).str("task_id", e.task_id);
    j.str("kind", e.kind).integer("difficulty", t.difficulty).integer("rollout", e.rollout).str("status", e.status);
    j.num("reward", e.reward).boolean("passed", e.passed).raw("tools", t.tools);
    j.member("messages").push_back('[');
    const size_t body = line.size();
    f.messages.write(e.id, line, true);
    if (dedupe) r.hash = fnv1a(e.task_id) ^ fnv1a(std::string_view(line).substr(body));
    line.push_back(']');
    j.close();
    line.push_back('\n');
    r.episodes = 1;
}

void grpo_line(Formatter& f, const std::vector<EpisodeRef>& refs, size_t begin, size_t end, Advantage mode, Record& r) {
    const TaskInfo& t = f.tasks.get(refs[begin].task_id);
    std::vector<double> rewards;
    int64_t passed = 0;
    for (size_t i = begin; i < end; ++i) {
        rewards.push_back(refs[i].reward);
        passed += refs[i].passed;
    }
    const std::vector<double> adv = group_advantages(rewards, mode);
    const auto [mean, std_reward] = mean_std(rewards);
    std::string& line = r.text;
    JsonText g(line);
    g.str("run", refs[begin].run).str("task_id", refs[begin].task_id).str("kind", refs[begin].kind).integer("difficulty", t.difficulty);
    g.raw("prompt", t.prompt).raw("tools", t.tools).integer("group_size", static_cast<int64_t>(end - begin));
    g.num("mean_reward", mean)
        .num("std_reward", std_reward)
        .num("pass_rate", static_cast<double>(passed) / static_cast<double>(end - begin));
    g.str("advantage", mode == Advantage::Mean ? "mean" : "zscore");
    g.member("rollouts").push_back('[');
    std::vector<Message> turns;
    for (size_t i = begin; i < end; ++i) {
        const EpisodeRef& e = refs[i];
        if (i > begin) line.push_back(',');
        JsonText ro(line);
        ro.integer("episode_id", e.id).integer("rollout", e.rollout).str("status", e.status).num("reward", e.reward);
        ro.boolean("passed", e.passed).num("advantage", adv[i - begin]);
        ro.member("completion").push_back('[');
        turns.clear();
        f.messages.write(e.id, line, false, 2, &turns);  // everything after the shared prompt
        line.push_back(']');
        const TokenTrajectory tokens = token_trajectory(turns);
        if (tokens.has_ids) {
            ro.boolean("tokens_merged", tokens.merged);
            if (tokens.merged) {
                ro.ids("prompt_ids", tokens.prompt_ids).ids("completion_ids", tokens.completion_ids);
                std::string& mask = ro.member("loss_mask");
                mask.push_back('[');
                for (size_t k = 0; k < tokens.loss_mask.size(); ++k) {
                    if (k) mask.push_back(',');
                    mask.push_back(tokens.loss_mask[k] ? '1' : '0');
                }
                mask.push_back(']');
            } else {
                ro.member("token_turns").push_back('[');
                for (size_t k = 0; k < tokens.turns.size(); ++k) {
                    if (k) line.push_back(',');
                    JsonText turn(line);
                    turn.ids("prompt_ids", tokens.turns[k].prompt_ids).ids("completion_ids", tokens.turns[k].completion_ids);
                    turn.close();
                }
                line.push_back(']');
            }
        }
        ro.close();
    }
    line.push_back(']');
    g.close();
    line.push_back('\n');
    r.episodes = static_cast<int64_t>(end - begin);
}

}  // namespace

ExportCounts export_sft(const Store& store, const ExportOptions& o, const std::function<void(const std::string&)>& write) {
    ReadSnapshot snapshot(store);
    ExportCounts n;
    n.infra_skipped = count_infra(store, o);
    const std::vector<EpisodeRef> refs = episode_refs(store, o, o.only_passed, "e.id");
    std::unordered_set<uint64_t> seen;
    format_in_order(
        const_cast<Store&>(store).db().path(), refs.size(), [&](Formatter& f, size_t i, Record& r) { sft_line(f, refs[i], o.dedupe, r); },
        [&](Record& r) {
            if (o.dedupe && !seen.insert(r.hash).second) {
                ++n.duplicates;
                return;
            }
            write(r.text);
            ++n.records;
            n.episodes += r.episodes;
        });
    return n;
}

ExportCounts export_grpo(const Store& store, const ExportOptions& o, const std::function<void(const std::string&)>& write) {
    ReadSnapshot snapshot(store);
    ExportCounts n;
    n.infra_skipped = count_infra(store, o);
    // Groups are (run, task), in the order of their first stored episode; rollouts in order.
    const std::vector<EpisodeRef> refs = episode_refs(store, o, false, "e.run_id, e.task_id, e.rollout");
    std::vector<std::pair<size_t, size_t>> groups;  // [begin, end) of refs
    for (size_t i = 0; i < refs.size(); ++i)
        if (i == 0 || refs[i].run != refs[i - 1].run || refs[i].task_id != refs[i - 1].task_id) groups.emplace_back(i, i + 1);
        else groups.back().second = i + 1;
    auto first_id = [&](const std::pair<size_t, size_t>& g) {
        int64_t id = refs[g.first].id;
        for (size_t i = g.first; i < g.second; ++i) id = std::min(id, refs[i].id);
        return id;
    };
    std::vector<std::pair<int64_t, size_t>> order;
    for (size_t g = 0; g < groups.size(); ++g) order.emplace_back(first_id(groups[g]), g);
    std::sort(order.begin(), order.end());
    format_in_order(
        const_cast<Store&>(store).db().path(), order.size(),
        [&](Formatter& f, size_t i, Record& r) {
            const auto& [begin, end] = groups[order[i].second];
            grpo_line(f, refs, begin, end, o.advantage, r);
        },
        [&](Record& r) {
            write(r.text);
            ++n.records;
            n.episodes += r.episodes;
        });
    return n;
}

namespace {

// One SWE-bench instance line's members (the caller closes the object).
void swe_instance(JsonText& j, const Task& t) {
    std::string tree;
    if (const Json* files = t.env.find("files")) tree = files->dump_canonical();
    auto list_text = [&](const char* key) {
        const Json* v = t.verifier.find(key);
        return v ? v->dump() : std::string("[]");
    };
    // A task mined from history carries the user's repository's own commits; a mutant task has
    // no commit of its own, and its base is named by the hash of its files.
    const Json* history = t.verifier.find("history");
    std::string repo = t.generator_name;
    if (repo.rfind("code.", 0) == 0) repo = repo.substr(5);
    if (history) repo = history->get_string("repo");
    j.str("instance_id", t.id).str("repo", repo);
    j.str("base_commit", history ? history->get_string("base_commit") : sha256_hex(tree).substr(0, 40));
    j.str("patch", t.reference.get_string("patch")).str("test_patch", t.reference.get_string("test_patch"));
    j.str("problem_statement", t.prompt);
    j.str("FAIL_TO_PASS", list_text("f2p")).str("PASS_TO_PASS", list_text("p2p")).integer("difficulty", t.difficulty);
    if (history) j.str("created_at", history->get_string("created_at")).str("commit", history->get_string("commit"));
}

}  // namespace

ExportCounts export_swe(const Store& store, const ExportOptions& o, const std::function<void(const std::string&)>& write) {
    ReadSnapshot snapshot(store);
    ExportCounts n;
    std::string line;
    if (o.run.empty()) {
        TaskFilter f;
        f.kind = "code";
        for (const Task& t : store.load_tasks(f)) {
            line.clear();
            JsonText j(line);
            swe_instance(j, t);
            j.close();
            line.push_back('\n');
            write(line);
            ++n.records;
        }
        return n;
    }
    n.infra_skipped = count_infra(store, o);
    EpisodeFilter f;
    f.run = o.run;
    f.kind = "code";
    f.include_infra = false;
    std::map<std::string, Task> tasks;
    for (const EpisodeRow& e : store.episodes(f)) {
        auto it = tasks.find(e.task_id);
        if (it == tasks.end()) it = tasks.emplace(e.task_id, *store.load_task(e.task_id)).first;
        line.clear();
        JsonText j(line);
        swe_instance(j, it->second);
        const Json* details = e.verdict.find("details");
        j.str("model_name_or_path", e.run_name).str("model_patch", details ? details->get_string("diff") : "");
        j.integer("episode_id", e.id).integer("rollout", e.rollout).boolean("resolved", e.passed);
        j.close();
        line.push_back('\n');
        write(line);
        ++n.records;
        ++n.episodes;
    }
    return n;
}

}  // namespace envforge
