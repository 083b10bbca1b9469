#include "datasets/merge.hpp"

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <system_error>

#include <sqlite3.h>

#include "common/errors.hpp"

namespace envforge {

namespace {

namespace fs = std::filesystem;

// Binds column `col` of `from` to parameter `param` of `to`, whatever its storage class: rows
// move between stores without a round trip through our types (and so without reformatting).
void copy_value(const SqliteStmt& from, int col, SqliteStmt& to, int param) {
    switch (from.column_type(col)) {
        case SQLITE_NULL: to.bind_null(param); break;
        case SQLITE_INTEGER: to.bind(param, from.int64(col)); break;
        case SQLITE_FLOAT: to.bind(param, from.real(col)); break;
        case SQLITE_BLOB: {
            const std::string b = from.blob(col);
            to.bind_blob(param, b.data(), b.size());
            break;
        }
        default: to.bind(param, from.view(col)); break;
    }
}

// A column's value as bytes with its storage class, for equality across two stores.
void append_value(std::string& out, const SqliteStmt& q, int col) {
    const int type = q.column_type(col);
    out += static_cast<char>('0' + type);
    std::string v;
    switch (type) {
        case SQLITE_NULL: break;
        case SQLITE_INTEGER: v = std::to_string(q.int64(col)); break;
        case SQLITE_FLOAT: {
            char buf[32];
            std::snprintf(buf, sizeof buf, "%.17g", q.real(col));
            v = buf;
            break;
        }
        case SQLITE_BLOB: v = q.blob(col); break;
        default: v = std::string(q.view(col)); break;
    }
    out += std::to_string(v.size());
    out += ':';
    out += v;
}

std::string row_key(const SqliteStmt& q, int first, int last) {
    std::string out;
    for (int c = first; c <= last; ++c) append_value(out, q, c);
    return out;
}

// What an episode's transcript says (not when or how fast): the fields two runs of the same
// deterministic policy agree on. `raw` (a server's request/response, with its own ids and
// timings) is left out. `q` is a kTranscriptSql statement of the episode's store.
constexpr const char* kTranscriptSql =
    "SELECT role, content, reasoning, tool_calls, tool_call_id, name, is_error, prompt_ids, completion_ids "
    "FROM messages WHERE episode_id = ? ORDER BY idx";
std::string transcript_key(SqliteStmt& q, int64_t episode_id) {
    q.bind(1, episode_id);
    std::string out;
    while (q.step()) out += row_key(q, 0, 8) + '\n';
    q.reset();
    return out;
}

// The first of `n` outcome columns that differs, with both values ("passed 1 vs 0"); JSON
// columns (verdict, final answer) by name only.
std::string differing_outcome(const SqliteStmt& mine, int mine_first, const SqliteStmt& theirs, int theirs_first) {
    const char* names[] = {"status", "reward", "passed", "verdict", "final answer"};
    for (int c = 0; c < 5; ++c) {
        std::string a, b;
        append_value(a, mine, mine_first + c);
        append_value(b, theirs, theirs_first + c);
        if (a == b) continue;
        if (c >= 3) return names[c];
        return std::string(names[c]) + " " + mine.text(mine_first + c) + " vs " + theirs.text(theirs_first + c);
    }
    return "";
}

// A run's settings that decide its outcomes. Where a shard's server lives, its key variable,
// timeouts, retries and batch size are per machine and may differ between shards of one run.
Json outcome_settings(const std::string& policy, const std::string& context, const std::string& config_text, const std::string& what) {
    Json config = Json::parse(config_text, what);
    if (Json* o = config.find("policy_options"); o && o->is_object())
        for (const char* k : {"base_url", "api_key_env", "request_timeout", "max_retries", "max_batch", "device"}) o->erase(k);
    if (const Json* o = config.find("policy_options"); o && o->size() == 0) config.erase("policy_options");
    return Json::object({{"policy", policy}, {"context", context}, {"config", config}});
}

class Merger {
public:
    Merger(Store& out, const std::function<void()>& on_episode) : out_(out.db()), on_episode_(on_episode) {}

    MergeCounts merge(const std::string& path) {
        MergeCounts c;
        Store in_store(path, /*read_only=*/true);
        SqliteDb& in = in_store.db();
        // One read transaction: a consistent snapshot even if a straggler still writes the input.
        in.exec("BEGIN");
        std::map<int64_t, int64_t> run_ids = merge_runs(in, path, c);
        merge_tasks(in, path, c);
        merge_episodes(in, path, run_ids, c);
        merge_validations(in, path, c);
        merge_synthesis_calls(in, c);
        in.exec("COMMIT");
        return c;
    }

private:
    [[noreturn]] void conflict(const std::string& what, const std::string& path, const std::string& detail) const {
        throw InvalidInput("merge conflict: " + what + " differs between '" + out_.path() + "' and '" + path + "' (" + detail +
                           "); nothing was merged");
    }

    void merge_tasks(SqliteDb& in, const std::string& path, MergeCounts& c) {
        SqliteStmt q(in, "SELECT id, kind, seed, difficulty, generator, json, created_at FROM tasks ORDER BY rowid");
        SqliteStmt find(out_, "SELECT kind, seed, difficulty, generator, json FROM tasks WHERE id = ?");
        SqliteStmt ins(out_, "INSERT INTO tasks(id, kind, seed, difficulty, generator, json, created_at) VALUES(?,?,?,?,?,?,?)");
        while (q.step()) {
            find.bind(1, q.view(0));
            if (find.step()) {
                const bool same = row_key(find, 0, 4) == row_key(q, 1, 5);
                find.reset();
                if (!same) conflict("task " + q.text(0), path, "same id, different spec");
                ++c.tasks_same;
                continue;
            }
            find.reset();
            for (int i = 0; i < 7; ++i) copy_value(q, i, ins, i + 1);
            ins.run();
            ++c.tasks_new;
        }
    }

    // Returns the input's run ids mapped to OUT's.
    std::map<int64_t, int64_t> merge_runs(SqliteDb& in, const std::string& path, MergeCounts& c) {
        std::map<int64_t, int64_t> ids;
        SqliteStmt q(in, "SELECT id, name, policy, context_policy, config, created_at FROM runs ORDER BY id");
        SqliteStmt find(out_, "SELECT id, policy, context_policy, config FROM runs WHERE name = ?");
        SqliteStmt ins(out_, "INSERT INTO runs(name, policy, context_policy, config, created_at) VALUES(?,?,?,?,?)");
        while (q.step()) {
            const std::string name = q.text(1);
            find.bind(1, name);
            if (find.step()) {
                const Json mine = outcome_settings(find.text(1), find.text(2), find.text(3), "run config");
                const Json theirs = outcome_settings(q.text(2), q.text(3), q.text(4), "run config");
                ids[q.int64(0)] = find.int64(0);
                find.reset();
                if (!(mine == theirs)) conflict("run '" + name + "'", path, mine.dump() + " vs " + theirs.dump());
                ++c.runs_same;
                continue;
            }
            find.reset();
            for (int i = 1; i < 6; ++i) copy_value(q, i, ins, i);
            ins.run();
            ids[q.int64(0)] = out_.last_insert_rowid();
            ++c.runs_new;
        }
        return ids;
    }

    void merge_episodes(SqliteDb& in, const std::string& path, const std::map<int64_t, int64_t>& run_ids, MergeCounts& c) {
        // The episode's own columns, copied as they are after the run id (which is renumbered):
        // one list for the SELECT, the INSERT and the copy loop, so they cannot drift apart.
        static const std::vector<std::string> kCopied = {"task_id",           "rollout",      "status", "reward",     "passed",
                                                         "verdict",           "final_answer", "turns",  "tool_calls", "prompt_tokens",
                                                         "completion_tokens", "seconds",      "error",  "finished_at"};
        std::string select = "SELECT e.id, e.run_id, r.name";
        std::string insert = "INSERT INTO episodes(run_id", values = "?";
        for (const std::string& c : kCopied) select += ", e." + c, insert += ", " + c, values += ",?";
        // Result columns: 0 id, 1 run_id, 2 run name, then kCopied from kFirstCopied on.
        constexpr int kFirstCopied = 3, kTaskId = 3, kRollout = 4, kStatus = 5, kRunName = 2;
        SqliteStmt q(in, select + " FROM episodes e JOIN runs r ON r.id = e.run_id ORDER BY e.id");
        SqliteStmt find(out_,
                        "SELECT id, status, reward, passed, verdict, final_answer FROM episodes "
                        "WHERE run_id = ? AND task_id = ? AND rollout = ?");
        SqliteStmt del(out_, "DELETE FROM episodes WHERE id = ?");
        SqliteStmt ins(out_, insert + ") VALUES(" + values + ")");
        SqliteStmt msgs(in,
                        "SELECT idx, role, content, reasoning, tool_calls, tool_call_id, name, is_error, prompt_ids, completion_ids, raw"
                        " FROM messages WHERE episode_id = ? ORDER BY idx");
        SqliteStmt msg_ins(out_,
                           "INSERT INTO messages(episode_id, idx, role, content, reasoning, tool_calls, tool_call_id, name, is_error,"
                           " prompt_ids, completion_ids, raw) VALUES(?,?,?,?,?,?,?,?,?,?,?,?)");
        SqliteStmt out_transcript(out_, kTranscriptSql), in_transcript(in, kTranscriptSql);
        while (q.step()) {
            if (on_episode_) on_episode_();
            const int64_t in_id = q.int64(0);
            const int64_t run_id = run_ids.at(q.int64(1));
            const std::string status = q.text(kStatus);
            find.bind(1, run_id).bind(2, q.view(kTaskId)).bind(3, q.int64(kRollout));
            if (find.step()) {
                const int64_t out_id = find.int64(0);
                const bool out_infra = is_infra_failure_name(find.view(1));
                // Compared while OUT's row is at hand: the detail names the first column that differs.
                const std::string outcome_diff = out_infra ? "" : differing_outcome(find, 1, q, kStatus);
                find.reset();
                if (is_infra_failure_name(status)) {
                    ++c.episodes_kept;  // a failure to retry adds nothing where OUT has this key
                    continue;
                }
                if (!out_infra) {
                    const std::string what = "episode (run '" + q.text(kRunName) + "', task " + q.text(kTaskId) + ", rollout " +
                                             std::to_string(q.int64(kRollout)) + ")";
                    if (!outcome_diff.empty()) conflict(what, path, outcome_diff);
                    if (transcript_key(out_transcript, out_id) != transcript_key(in_transcript, in_id))
                        conflict(what, path, "its transcript");
                    ++c.episodes_same;
                    continue;
                }
                del.bind(1, out_id);  // messages go with it (ON DELETE CASCADE)
                del.run();
                ++c.episodes_replaced;
            } else {
                find.reset();
                ++c.episodes_new;
            }
            ins.bind(1, run_id);
            for (int i = 0; i < static_cast<int>(kCopied.size()); ++i) copy_value(q, kFirstCopied + i, ins, i + 2);
            ins.run();
            const int64_t new_id = out_.last_insert_rowid();
            msgs.bind(1, in_id);
            while (msgs.step()) {
                msg_ins.bind(1, new_id);
                for (int i = 0; i < 11; ++i) copy_value(msgs, i, msg_ins, i + 2);
                msg_ins.run();
                ++c.messages;
            }
            msgs.reset();
        }
    }

    void merge_validations(SqliteDb& in, const std::string& path, MergeCounts& c) {
        SqliteStmt q(in, "SELECT task_id, probe, expect_pass, passed, ok, reward, details, validated_at FROM validations");
        SqliteStmt find(out_, "SELECT expect_pass, passed, ok FROM validations WHERE task_id = ? AND probe = ?");
        SqliteStmt ins(out_,
                       "INSERT INTO validations(task_id, probe, expect_pass, passed, ok, reward, details, validated_at)"
                       " VALUES(?,?,?,?,?,?,?,?)");
        while (q.step()) {
            find.bind(1, q.view(0)).bind(2, q.view(1));
            if (find.step()) {
                const bool same = row_key(find, 0, 2) == row_key(q, 2, 4);
                find.reset();
                // Probes are deterministic: a different result for one task is a broken
                // environment or two envforge versions, which a merge must not hide.
                if (!same) conflict("validation of task " + q.text(0) + " probe " + q.text(1), path, "passed or ok differ");
                ++c.validations_same;
                continue;
            }
            find.reset();
            for (int i = 0; i < 8; ++i) copy_value(q, i, ins, i + 1);
            ins.run();
            ++c.validations_new;
        }
    }

    // Model calls are a log, not keyed results: each (source task, stage, raw text) once.
    void merge_synthesis_calls(SqliteDb& in, MergeCounts& c) {
        SqliteStmt q(in, "SELECT source_task, stage, task_id, accepted, reason, raw, created_at FROM synthesis_calls ORDER BY id");
        SqliteStmt find(out_, "SELECT 1 FROM synthesis_calls WHERE source_task = ? AND stage = ? AND raw = ?");
        SqliteStmt ins(out_,
                       "INSERT INTO synthesis_calls(source_task, stage, task_id, accepted, reason, raw, created_at) VALUES(?,?,?,?,?,?,?)");
        while (q.step()) {
            find.bind(1, q.view(0)).bind(2, q.view(1)).bind(3, q.view(5));
            const bool there = find.step();
            find.reset();
            if (there) continue;
            for (int i = 0; i < 7; ++i) copy_value(q, i, ins, i + 1);
            ins.run();
            ++c.synthesis_calls;
        }
    }

    SqliteDb& out_;
    const std::function<void()>& on_episode_;
};

void check_input(Store& out, const std::string& path) {
    std::error_code ec;
    if (!fs::is_regular_file(path, ec)) throw IoError("merge: input '" + path + "': no such file");
    if (fs::equivalent(path, out.db().path(), ec))
        throw InvalidInput("merge: input '" + path + "' is the output itself; merge into a new or another store");
}

}  // namespace

void MergeCounts::add(const MergeCounts& o) {
    tasks_new += o.tasks_new;
    tasks_same += o.tasks_same;
    runs_new += o.runs_new;
    runs_same += o.runs_same;
    episodes_new += o.episodes_new;
    episodes_same += o.episodes_same;
    episodes_replaced += o.episodes_replaced;
    episodes_kept += o.episodes_kept;
    messages += o.messages;
    validations_new += o.validations_new;
    validations_same += o.validations_same;
    synthesis_calls += o.synthesis_calls;
}

Json MergeCounts::to_json() const {
    return Json::object({{"tasks_new", tasks_new},
                         {"tasks_same", tasks_same},
                         {"runs_new", runs_new},
                         {"runs_same", runs_same},
                         {"episodes_new", episodes_new},
                         {"episodes_same", episodes_same},
                         {"episodes_replaced", episodes_replaced},
                         {"episodes_kept", episodes_kept},
                         {"messages", messages},
                         {"validations_new", validations_new},
                         {"validations_same", validations_same},
                         {"synthesis_calls", synthesis_calls}});
}

Json MergeSummary::to_json() const {
    JsonArray per;
    for (const auto& [path, counts] : inputs) {
        Json j = counts.to_json();
        j.set("input", path);
        per.push_back(std::move(j));
    }
    Json j = total.to_json();
    j.set("inputs", Json(std::move(per)));
    j.set("seconds", seconds);
    return j;
}

int64_t count_episodes(const std::vector<std::string>& inputs) {
    int64_t n = 0;
    for (const auto& path : inputs) {
        std::error_code ec;
        if (!fs::is_regular_file(path, ec)) throw IoError("merge: input '" + path + "': no such file");
        Store in(path, /*read_only=*/true);
        SqliteStmt q(in.db(), "SELECT count(*) FROM episodes");
        q.step();
        n += q.int64(0);
    }
    return n;
}

MergeSummary merge_stores(Store& out, const std::vector<std::string>& inputs, const std::function<void()>& on_episode) {
    const auto start = std::chrono::steady_clock::now();
    for (const auto& path : inputs) check_input(out, path);
    out.flush();
    MergeSummary s;
    Merger merger(out, on_episode);
    SqliteTransaction tx(out.db());
    for (const auto& path : inputs) {
        MergeCounts c = merger.merge(path);
        s.total.add(c);
        s.inputs.emplace_back(path, c);
    }
    tx.commit();
    s.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return s;
}

}  // namespace envforge
