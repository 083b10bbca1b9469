// The episode runner: policy → tool calls (several per turn) → environment → results, until the
// agent submits or a limit ends it; then the verifier. Every step is recorded in the transcript.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "tasks/context_policy.hpp"
#include "tasks/environment.hpp"
#include "tasks/episode.hpp"

namespace boost::asio {
class io_context;
}

namespace envforge {

struct EpisodeOptions {
    ContextPolicy context = ContextPolicy::V32;
    uint64_t seed = 0;
    size_t max_message_bytes = 1 << 20;  // longer model output is truncated and flagged
    bool closing_turn = true;            // after a submit, one more turn for the agent's closing message
};

// The most of one tool result the transcript keeps: the first and last halves, with a marker.
// Environments bound their own output; this holds whatever they return (a session's output is
// written by untrusted code).
inline constexpr size_t kMaxToolResultBytes = 256 << 10;

// Executes one tool call as the runner does: unknown tools, unparseable or schema-invalid
// arguments and environment exceptions become error results, and the content is valid UTF-8 of
// at most kMaxToolResultBytes. Replay uses the same path.
boost::asio::awaitable<ToolResult> execute_tool_call(const Task& task, Environment& env, const ToolCall& call);

// A coroutine outlives the expression that starts it, so the small options are taken by value:
// a reference to a temporary (run_episode(..., EpisodeOptions{})) dangled on the first suspend.
// task, env and policy must outlive the episode.
boost::asio::awaitable<Episode> run_episode(const Task& task, Environment& env, Policy& policy, int rollout, EpisodeOptions options);

struct WorkItem {
    const Task* task;
    int rollout;
};
using EnvironmentFactory = std::function<std::unique_ptr<Environment>(const Task&)>;

// Runs all items with at most `jobs` episodes in flight on `io`, calling `on_done` (on the io
// thread) as each finishes. Returns when all are done. `stop` is polled between episodes.
void run_episodes(boost::asio::io_context& io, const std::vector<WorkItem>& items, int jobs, const EnvironmentFactory& make_env,
                  Policy& policy, const EpisodeOptions& options, const std::function<void(Episode&&)>& on_done,
                  const std::function<bool()>& stop = {});

}  // namespace envforge
