// Exports of stored episodes for training: SFT (one transcript per line) and GRPO (one task group
// per line: every rollout with its reward, status, group-normalised advantage and, for the
// embedded policy, token ids with a loss mask). Field names and how they map onto TRL, verl and
// OpenRLHF are in datasets/EXPORT.md. Episodes that ended in an infrastructure failure
// (policy_error, env_error) are never exported: they carry no reward.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "datasets/store.hpp"

namespace envforge {

enum class Advantage : uint8_t {
    Mean,    // A = R - mean(R of the group)                       (Dr. GRPO)
    ZScore,  // A = (R - mean) / (std + 1e-4), sample std (n - 1)  (GRPO as in TRL)
};

struct ExportOptions {
    std::string run;           // empty: every run
    std::string kind;          // empty: every kind
    bool only_passed = false;  // SFT only
    bool dedupe = false;       // SFT only: an identical transcript of the same task once
    Advantage advantage = Advantage::Mean;
};

struct ExportCounts {
    int64_t records = 0;        // lines written
    int64_t episodes = 0;       // episodes in them
    int64_t duplicates = 0;     // SFT with dedupe: transcripts left out as repeats
    int64_t infra_skipped = 0;  // infrastructure failures left out
};

// One episode's tokens as a trainer wants them. When every turn's prompt extends the previous
// turn's prompt and completion (the embedded policy makes it so), the episode is one sequence:
// prompt_ids, then completion_ids holding every generated token (loss_mask 1) and the tokens
// the environment inserted between turns (loss_mask 0). Otherwise `merged` is false and `turns`
// holds each turn's ids as the model saw and wrote them.
struct TokenTrajectory {
    bool has_ids = false;
    bool merged = false;
    std::vector<int32_t> prompt_ids, completion_ids;
    std::vector<uint8_t> loss_mask;  // same length as completion_ids
    struct Turn {
        std::vector<int32_t> prompt_ids, completion_ids;
    };
    std::vector<Turn> turns;
};
TokenTrajectory token_trajectory(const std::vector<Message>& transcript);

// Group-normalised advantages of `rewards` (one group).
std::vector<double> group_advantages(const std::vector<double>& rewards, Advantage mode);

// Writes one JSON line per record through `write` (each line ends in '\n').
ExportCounts export_sft(const Store& store, const ExportOptions& options, const std::function<void(const std::string&)>& write);
ExportCounts export_grpo(const Store& store, const ExportOptions& options, const std::function<void(const std::string&)>& write);
// SWE-bench instances of the code tasks: instance_id, repo, base_commit (a hash of the task's
// tree: there is no upstream commit), patch (the gold fix), test_patch (empty: tests are never
// changed), problem_statement, FAIL_TO_PASS, PASS_TO_PASS (JSON lists as text, as SWE-bench has
// them). With options.run: one line per episode of that run, adding model_name_or_path,
// model_patch (the agent's change to the source) and resolved.
ExportCounts export_swe(const Store& store, const ExportOptions& options, const std::function<void(const std::string&)>& write);

}  // namespace envforge
