// JSON (de)serialisation of transcript messages in the OpenAI chat format.
#include "tasks/message.hpp"

#include "common/errors.hpp"

namespace envforge {

const char* role_name(Role r) {
    switch (r) {
        case Role::System: return "system";
        case Role::User: return "user";
        case Role::Assistant: return "assistant";
        case Role::Tool: return "tool";
    }
    return "?";
}

Role parse_role(std::string_view s) {
    if (s == "system") return Role::System;
    if (s == "user") return Role::User;
    if (s == "assistant") return Role::Assistant;
    if (s == "tool") return Role::Tool;
    throw InvalidInput("message role '" + std::string(s) + "': expected system, user, assistant or tool");
}

Json ToolCall::to_json(bool with_extras) const {
    Json j = Json::object({{"id", id}, {"type", "function"}, {"function", Json::object({{"name", name}, {"arguments", arguments}})}});
    if (with_extras && !parse_error.empty()) j.set("parse_error", parse_error);  // envforge's field, kept for replay
    return j;
}

ToolCall ToolCall::from_json(const Json& j) {
    const Json* fn = j.find("function");
    if (!j.is_object() || !fn || !fn->is_object()) throw InvalidInput("tool call: expected an object with a 'function' object");
    ToolCall c;
    c.id = j.get_string("id");
    c.name = fn->get_string("name");
    const Json* args = fn->find("arguments");
    if (args && args->is_string()) c.arguments = args->as_string();
    else if (args && !args->is_null()) c.arguments = args->dump();  // tolerate object arguments
    c.parse_error = j.get_string("parse_error");
    return c;
}

static Json ids_to_json(const std::vector<int32_t>& ids) {
    JsonArray a;
    a.reserve(ids.size());
    for (int32_t t : ids) a.emplace_back(int64_t{t});
    return Json(std::move(a));
}

static std::vector<int32_t> ids_from_json(const Json* j) {
    std::vector<int32_t> ids;
    if (!j || !j->is_array()) return ids;
    for (const auto& e : j->as_array())
        if (e.is_int()) ids.push_back(static_cast<int32_t>(e.as_int()));
    return ids;
}

Message Message::system(std::string text) {
    Message m;
    m.role = Role::System;
    m.content = std::move(text);
    return m;
}
Message Message::user(std::string text) {
    Message m;
    m.role = Role::User;
    m.content = std::move(text);
    return m;
}

Json Message::to_json(bool with_extras) const {
    Json j = Json::object({{"role", role_name(role)}});
    j.set("content", content ? Json(*content) : Json());
    if (role == Role::Assistant) {
        if (reasoning) j.set("reasoning_content", *reasoning);
        if (!tool_calls.empty()) {
            JsonArray calls;
            for (const auto& c : tool_calls) calls.push_back(c.to_json(with_extras));
            j.set("tool_calls", Json(std::move(calls)));
        }
    }
    if (role == Role::Tool) {
        j.set("tool_call_id", tool_call_id);
        if (!name.empty()) j.set("name", name);
        if (with_extras && is_error) j.set("is_error", true);
    }
    if (with_extras) {
        if (!prompt_ids.empty()) j.set("prompt_token_ids", ids_to_json(prompt_ids));
        if (!completion_ids.empty()) j.set("completion_token_ids", ids_to_json(completion_ids));
        if (!raw.empty()) j.set("raw", raw);
    }
    return j;
}

Message Message::from_json(const Json& j) {
    if (!j.is_object()) throw InvalidInput("message: expected a JSON object");
    Message m;
    m.role = parse_role(j.get_string("role"));
    if (const Json* c = j.find("content"); c && c->is_string()) m.content = c->as_string();
    if (const Json* r = j.find("reasoning_content"); r && r->is_string()) m.reasoning = r->as_string();
    if (const Json* calls = j.find("tool_calls"); calls && calls->is_array())
        for (const auto& c : calls->as_array()) m.tool_calls.push_back(ToolCall::from_json(c));
    m.tool_call_id = j.get_string("tool_call_id");
    m.name = j.get_string("name");
    m.is_error = j.get_bool("is_error");
    m.prompt_ids = ids_from_json(j.find("prompt_token_ids"));
    m.completion_ids = ids_from_json(j.find("completion_token_ids"));
    m.raw = j.get_string("raw");
    return m;
}

Json Verdict::to_json() const { return Json::object({{"reward", reward}, {"passed", passed}, {"details", details}}); }

Verdict Verdict::from_json(const Json& j) {
    Verdict v;
    v.reward = j.get_number("reward");
    v.passed = j.get_bool("passed");
    if (const Json* d = j.find("details")) v.details = *d;
    return v;
}

}  // namespace envforge
