// Policies that need no model: `reference` replays the task's gold solution through the real
// tools; `null` submits a schema-valid empty answer (validation's negative); a ScriptedPolicy
// plays any fixed script (validation probes, replays).
#pragma once

#include <functional>
#include <memory>

#include "tasks/environment.hpp"

namespace envforge {

// In a script's arguments, stands for the last line of the latest tool result.
inline constexpr const char* kLastOutput = "{{last_output}}";

// Plays the turns returned by `script_for(task, rollout)`; afterwards answers with no tool calls.
class ScriptedPolicy : public Policy {
public:
    // Maps (task, rollout) to the script to play; validation uses the rollout index as the probe.
    using ScriptFn = std::function<std::vector<ScriptTurn>(const Task&, int rollout)>;
    ScriptedPolicy(std::string name, ScriptFn script_for) : name_(std::move(name)), script_for_(std::move(script_for)) {}
    std::string name() const override { return name_; }
    bool needs_prompt() const override { return true; }  // for {{last_output}}
    boost::asio::awaitable<Message> next(const PolicyRequest& request) override;

private:
    std::string name_;
    ScriptFn script_for_;
};

std::unique_ptr<Policy> make_reference_policy();
std::unique_ptr<Policy> make_null_policy();

// The tool that submits an answer: impl {"submit": true}, else the first tool named submit*.
const ToolSpec* find_submit_tool(const Task& task);

}  // namespace envforge
