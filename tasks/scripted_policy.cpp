#include "tasks/scripted_policy.hpp"

#include "tasks/json_schema.hpp"

namespace envforge {

namespace {

// What a scripted agent tells the user once it has submitted: the answer it submitted when
// there is one, else that the work is done.
std::string closing_message(const std::vector<Message>& transcript) {
    for (auto it = transcript.rbegin(); it != transcript.rend(); ++it) {
        if (it->role != Role::Assistant) continue;
        for (const auto& call : it->tool_calls) {
            if (call.name.rfind("submit", 0) != 0) continue;
            Json args;
            try {
                args = Json::parse(call.arguments, "arguments");
            } catch (const std::exception&) {
                break;
            }
            if (const Json* a = args.find("answer"); a && a->is_string() && !a->as_string().empty())
                return "The answer is " + a->as_string() + ".";
            if (const Json* a = args.find("answer"); a && (a->is_int() || a->is_number())) return "The answer is " + a->dump() + ".";
            return "I have submitted the result.";
        }
    }
    return "I have submitted the result.";
}

}  // namespace

boost::asio::awaitable<Message> ScriptedPolicy::next(const PolicyRequest& request) {
    // Scripts are cheap to derive, so the policy stays stateless across episodes.
    std::vector<ScriptTurn> script = script_for_(*request.task, request.rollout);
    Message m;
    m.role = Role::Assistant;
    if (request.closing) {
        // Thinking-mode turns carry reasoning; the closing one says why the agent stops.
        m.reasoning = "The submission is in; I tell the user the result.";
        m.content = closing_message(request.prompt);
        co_return m;
    }
    if (request.turn >= static_cast<int>(script.size())) {
        m.content = "";
        co_return m;
    }
    const ScriptTurn& turn = script[static_cast<size_t>(request.turn)];
    if (!turn.reasoning.empty()) m.reasoning = turn.reasoning;
    // A script may answer with what a tool printed: "{{last_output}}" stands for the last line
    // of the latest tool result, as an agent would read it.
    std::string last_output;
    for (auto it = request.prompt.rbegin(); it != request.prompt.rend(); ++it)
        if (it->role == Role::Tool) {
            std::string text = it->content.value_or("");
            while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
            last_output = text.substr(text.rfind('\n') == std::string::npos ? 0 : text.rfind('\n') + 1);
            break;
        }
    int k = 0;
    for (const auto& c : turn.calls) {
        Json args = c.arguments;
        if (args.is_object())
            for (auto& member : args.as_object())
                if (member.value.is_string() && member.value.as_string() == kLastOutput) member.value = Json(last_output);
        m.tool_calls.push_back({"call_" + std::to_string(request.turn) + "_" + std::to_string(k++), c.name, args.dump(), ""});
    }
    co_return m;
}

const ToolSpec* find_submit_tool(const Task& task) {
    for (const auto& t : task.tools)
        if (t.impl.get_bool("submit")) return &t;
    for (const auto& t : task.tools)
        if (t.name.rfind("submit", 0) == 0) return &t;
    return nullptr;
}

std::unique_ptr<Policy> make_reference_policy() {
    return std::make_unique<ScriptedPolicy>("reference", [](const Task& t, int) { return t.reference_turns(); });
}

std::unique_ptr<Policy> make_null_policy() {
    return std::make_unique<ScriptedPolicy>("null", [](const Task& t, int) {
        std::vector<ScriptTurn> script;
        if (const ToolSpec* submit = find_submit_tool(t))
            script.push_back({"", {{submit->name, minimal_value_for_schema(submit->parameters)}}});
        return script;
    });
}

}  // namespace envforge
