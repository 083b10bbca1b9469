// The transcript vocabulary: OpenAI-style chat messages, tool calls, tool results and verdicts,
// with exact JSON round trips.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/json.hpp"

namespace envforge {

enum class Role : uint8_t { System, User, Assistant, Tool };

const char* role_name(Role r);
Role parse_role(std::string_view s);  // throws InvalidInput

struct ToolCall {
    std::string id;
    std::string name;
    std::string arguments;         // JSON text exactly as the model produced it (may be malformed)
    std::string parse_error = {};  // the model's output could not be parsed as a call (answered as a tool error)

    // {"id","type":"function","function":{"name","arguments"}}; with_extras adds parse_error.
    Json to_json(bool with_extras = true) const;
    static ToolCall from_json(const Json& j);
    friend bool operator==(const ToolCall&, const ToolCall&) = default;
};

struct Message {
    Role role = Role::User;
    std::optional<std::string> content;
    std::optional<std::string> reasoning;  // `reasoning_content` in the OpenAI wire format
    std::vector<ToolCall> tool_calls;      // assistant only
    std::string tool_call_id;              // tool only
    std::string name;                      // tool only: which tool produced it
    bool is_error = false;                 // tool only: the call failed (bad arguments, tool error)
    std::vector<int32_t> prompt_ids;       // embedded model only: exact prompt tokens
    std::vector<int32_t> completion_ids;   // embedded model only: exact completion tokens
    std::string raw;                       // openai policy only: the request and response (JSON), for audit

    static Message system(std::string text);
    static Message user(std::string text);

    // OpenAI chat message JSON. `with_extras` adds envforge's fields (is_error, token ids).
    Json to_json(bool with_extras = true) const;
    static Message from_json(const Json& j);  // throws InvalidInput
    friend bool operator==(const Message&, const Message&) = default;
};

struct ToolResult {
    std::string content;
    bool is_error = false;
    bool final = false;  // the call submitted the episode's answer
    Json answer;         // with final: the submitted answer

    static ToolResult error(std::string msg) { return {std::move(msg), true, false, Json()}; }
};

struct Verdict {
    double reward = 0;
    bool passed = false;
    Json details = Json::object();

    Json to_json() const;
    static Verdict from_json(const Json& j);
    friend bool operator==(const Verdict&, const Verdict&) = default;
};

}  // namespace envforge
