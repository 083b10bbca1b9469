// An episode as the store and the exports see it: how it ended and its transcript, with the
// verdict. Part of the vocabulary (datasets/ reads it without the runner).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/json.hpp"
#include "tasks/message.hpp"
#include "tasks/task.hpp"

namespace envforge {

// How an episode ended. Stored as text in the store's `episodes.status`.
enum class EpisodeStatus : uint8_t {
    Submitted,  // the agent called the submit tool
    Ended,      // the agent answered without tool calls
    MaxTurns,
    MaxToolCalls,
    WallTime,
    PolicyError,  // the policy failed (model server down, unparseable output after retries)
    EnvError,     // the environment could not be set up or failed internally
};
const char* episode_status_name(EpisodeStatus s);

// Policy and environment failures say nothing about the task or the agent: such episodes are
// retried when a run resumes, never exported as a reward of 0, and make `run` exit non-zero
// while any remain.
inline bool is_infra_failure(EpisodeStatus s) { return s == EpisodeStatus::PolicyError || s == EpisodeStatus::EnvError; }
// The same for a stored status name.
inline bool is_infra_failure_name(std::string_view status) {
    return status == episode_status_name(EpisodeStatus::PolicyError) || status == episode_status_name(EpisodeStatus::EnvError);
}
// The statuses of is_infra_failure, as an SQL list: "('policy_error','env_error')".
inline constexpr const char* kInfraStatusesSql = "('policy_error','env_error')";

struct Episode {
    std::string task_id;
    int rollout = 0;
    EpisodeStatus status = EpisodeStatus::Ended;
    std::vector<Message> transcript;
    Json final_answer;  // null when nothing was submitted
    Verdict verdict;
    int turns = 0;
    int tool_calls = 0;
    int64_t prompt_tokens = 0;
    int64_t completion_tokens = 0;
    double seconds = 0;
    std::string error;  // policy_error / env_error reason, or a note about sanitised output
};

}  // namespace envforge
