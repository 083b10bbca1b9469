// The envforge store: one SQLite file (WAL, one writer, batched transactions) holding tasks,
// runs, episodes, messages and validations. Schema documented in datasets/SCHEMA.md.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "common/sqlite.hpp"
#include "tasks/episode.hpp"
#include "tasks/task.hpp"

namespace envforge {

inline constexpr int kStoreSchemaVersion = 4;

struct TaskFilter {
    std::string kind;  // empty: all kinds
    int64_t limit = -1;
    // By id instead of insertion order: one order for the same tasks however the store was
    // filled (one machine, merged shards, imports), so exports compare byte for byte.
    bool by_id = false;
};

// Which episodes Store::episodes returns.
struct EpisodeFilter {
    std::string run;          // empty: every run
    int64_t episode_id = -1;  // one episode
    bool only_passed = false;
    std::string kind;           // empty: every kind
    bool include_infra = true;  // episodes that ended in policy_error / env_error
};

struct RunInfo {
    int64_t id = 0;
    std::string name, policy, context_policy, created_at;
    Json config;
};

struct EpisodeRow {
    int64_t id = 0;
    int64_t run_id = 0;
    std::string run_name;
    std::string task_id;
    std::string kind;
    int rollout = 0;
    std::string status;
    double reward = 0;
    bool passed = false;
    Json verdict;
    Json final_answer;
    int turns = 0, tool_calls = 0;
    double seconds = 0;
    std::string error;
};

struct ValidationRow {
    std::string task_id, probe;
    bool expect_pass = false, passed = false, ok = false;
    double reward = 0;
    Json details;
};

// One model call made while synthesizing: `source_task` is the procedural task it worked on (its
// id; it may never be stored), `task_id` the stored task it led to (empty when dropped), `stage`
// what the call was for ("rewrite", "verify"), `raw` the request and response (JSON text).
struct SynthesisCall {
    std::string source_task, stage, task_id;
    bool accepted = false;
    std::string reason;  // why it was dropped, or empty
    std::string raw;
};

// What `synth code --history` decided about one candidate commit of `repo` under the options
// that `options_key` stands for: a task (task_id), or the reason it was refused.
struct HistoryDecision {
    std::string repo, options_key, commit, reason, detail, task_id;
    double seconds = 0, suite_seconds = 0;
};

class Store {
public:
    // Opens or creates `path` and migrates it to kStoreSchemaVersion. Throws IoError for an
    // unreadable, corrupt, locked or newer-version file.
    explicit Store(const std::string& path, bool read_only = false);
    ~Store();

    SqliteDb& db() { return *db_; }

    // Tasks (insert-or-ignore by content id). Returns how many were new.
    size_t add_tasks(const std::vector<Task>& tasks);
    std::vector<Task> load_tasks(const TaskFilter& filter = {}) const;
    std::optional<Task> load_task(const std::string& id) const;
    int64_t count_tasks(const std::string& kind = "") const;

    // Runs.
    int64_t ensure_run(const std::string& name, const std::string& policy, const std::string& context_policy, const Json& config);
    std::optional<RunInfo> find_run(const std::string& name) const;
    std::vector<RunInfo> runs() const;
    // (task id, rollout) pairs a run has finished: resume skips them. Episodes that ended in an
    // infrastructure failure (policy_error, env_error) are not finished: resume runs them again,
    // and the new outcome replaces the failure.
    std::set<std::pair<std::string, int>> recorded(int64_t run_id) const;
    // Episodes of a run that ended in an infrastructure failure.
    int64_t count_infra_failures(int64_t run_id) const;

    // Episodes are buffered and written in one transaction per batch with their messages.
    void add_episode(int64_t run_id, const Episode& ep);
    void flush();
    size_t pending() const { return pending_.size(); }
    void set_batch(size_t episodes, std::chrono::milliseconds max_delay) {
        batch_ = episodes;
        max_delay_ = max_delay;
    }

    std::vector<EpisodeRow> episodes(const EpisodeFilter& filter = {}) const;
    std::vector<Message> messages(int64_t episode_id) const;

    void put_validations(const std::vector<ValidationRow>& rows);
    // Tasks with a failed validation probe (any stored row with ok = 0).
    std::set<std::string> invalid_tasks() const;
    // Tasks with stored validation rows (a task's rows are written together).
    std::set<std::string> validated_tasks() const;

    // Decisions of `synth code --history` (written one at a time, as they are made).
    void put_history_decision(const HistoryDecision& d);
    std::map<std::string, HistoryDecision> history_decisions(const std::string& repo, const std::string& options_key) const;

    // Model calls of `synth --llm`, in one transaction.
    void add_synthesis_calls(const std::vector<SynthesisCall>& calls);
    std::vector<SynthesisCall> synthesis_calls() const;

private:
    void migrate();
    void write_batch();

    std::unique_ptr<SqliteDb> db_;
    mutable std::unique_ptr<SqliteStmt> messages_stmt_;  // prepared once: exports read millions
    std::vector<std::pair<int64_t, Episode>> pending_;
    size_t batch_ = 64;
    std::chrono::milliseconds max_delay_{250};
    std::chrono::steady_clock::time_point last_flush_ = std::chrono::steady_clock::now();
    bool flush_failed_ = false;  // the last flush threw (and its caller was told)
};

// Little-endian int32 token ids <-> blob.
std::string pack_ids(const std::vector<int32_t>& ids);
std::vector<int32_t> unpack_ids(const std::string& blob);

}  // namespace envforge
