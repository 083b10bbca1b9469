// The Environment and Policy interfaces that the episode runner drives. One Environment instance
// per episode owns a private copy of its world; nothing it does leaks into another episode.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "tasks/message.hpp"
#include "tasks/task.hpp"

namespace envforge {

class Environment {
public:
    virtual ~Environment() = default;
    // Builds the episode's private world. Throws on setup failure (recorded as env_error).
    virtual boost::asio::awaitable<void> start(const Task& task) = 0;
    // Executes one call whose arguments already passed schema validation. Failures the agent
    // caused (a missing record, a refused operation) are error results, not exceptions.
    virtual boost::asio::awaitable<ToolResult> call(const std::string& name, const Json& args) = 0;
    // Checks the submitted answer (null when the agent never submitted) and the final state.
    virtual boost::asio::awaitable<Verdict> verify(const Json& final_answer) = 0;
    virtual void close() {}
};

struct PolicyRequest {
    const Task* task = nullptr;
    std::vector<Message> prompt;  // rendered by the context policy
    int turn = 0;                 // 0-based assistant turn index
    int rollout = 0;
    uint64_t seed = 0;  // per-episode sampling seed
    // The answer was submitted: this turn is the agent's closing message to the user, so every
    // trajectory ends on an assistant message. Tool calls in it are not executed.
    bool closing = false;
};

class Policy {
public:
    virtual ~Policy() = default;
    virtual std::string name() const = 0;
    // Scripted policies ignore the prompt, so the runner skips rendering it.
    virtual bool needs_prompt() const { return true; }
    // Returns the next assistant message. Throwing ends the episode as policy_error.
    virtual boost::asio::awaitable<Message> next(const PolicyRequest& request) = 0;
};

}  // namespace envforge
