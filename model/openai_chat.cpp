#include "model/openai_chat.hpp"

#include "model/chat_encoding.hpp"

namespace envforge::model {

namespace {

ChatRequestError bad_field(const std::string& field, const std::string& what) { return {field, "'" + field + "' " + what}; }

std::string content_text(const Json& c, size_t index) {
    if (c.is_null()) return "";
    if (c.is_string()) return c.as_string();
    if (c.is_array()) {
        std::string s;
        for (const Json& part : c.as_array()) {
            if (part.get_string("type") != "text")
                throw ChatRequestError("messages", "messages[" + std::to_string(index) + "]: only text content parts are supported");
            s += part.get_string("text");
        }
        return s;
    }
    throw ChatRequestError("messages", "messages[" + std::to_string(index) + "].content must be a string or an array of text parts");
}

// [{"type": "function", "function": {"name", "description", "parameters"}}, ...]
std::vector<ToolSpec> tools_from_openai(const Json& tools, const std::string& field) {
    if (!tools.is_array()) throw bad_field(field, "must be an array");
    std::vector<ToolSpec> out;
    for (const Json& t : tools.as_array()) {
        const Json* fn = t.find("function");
        if (!fn || !fn->is_object() || fn->get_string("name").empty())
            throw ChatRequestError(field, "each tool needs {\"type\": \"function\", \"function\": {\"name\": ...}}");
        ToolSpec s;
        s.name = fn->get_string("name");
        s.description = fn->get_string("description");
        if (const Json* p = fn->find("parameters")) s.parameters = *p;
        out.push_back(std::move(s));
    }
    return out;
}

// Only the OpenAI fields of a client's message: envforge's own (token ids, is_error, raw) are
// for stored transcripts and never taken from a request.
Message message_from_openai(const Json& m, size_t i) {
    const std::string role = m.get_string("role");
    const std::string where = "messages[" + std::to_string(i) + "]";
    const Json* c = m.find("content");
    std::string content = c ? content_text(*c, i) : "";
    std::vector<ToolSpec> own_tools;
    if (const Json* t = m.find_present("tools")) {
        if (role != "system" && role != "developer")
            throw ChatRequestError("messages", where + ": only system and developer messages carry tools");
        own_tools = tools_from_openai(*t, "messages");
    }
    const Json* format = m.find_present("response_format");
    if (format && role != "system" && role != "developer")
        throw ChatRequestError("messages", where + ": only system and developer messages carry a response_format");
    if (role == "developer") {
        if (content.empty()) throw bad_field("messages", "[" + std::to_string(i) + "] is a developer message with no content");
        return developer_turn(content, own_tools, format);
    }
    if (role == "system") {
        if (!own_tools.empty()) content += "\n\n" + render_tools(own_tools);
        if (format) content += "\n\n" + render_response_format(*format);
    }
    Json openai = Json::object({{"role", role}, {"content", content}});
    for (const char* key : {"reasoning_content", "tool_calls", "tool_call_id", "name"})
        if (const Json* v = m.find_present(key)) openai.set(key, *v);
    try {
        return Message::from_json(openai);
    } catch (const std::exception& e) {
        throw ChatRequestError("messages", where + ": " + e.what());
    }
}

// A tool message answers a call of the assistant message before it (others may answer its other
// calls in between); one with nothing to answer cannot be encoded.
void check_tool_messages(const std::vector<Message>& messages) {
    size_t open_calls = 0;
    for (size_t i = 0; i < messages.size(); ++i) {
        const Message& m = messages[i];
        if (m.role == Role::Assistant) {
            open_calls = m.tool_calls.size();
        } else if (m.role == Role::Tool) {
            if (open_calls == 0)
                throw bad_field("messages", "[" + std::to_string(i) + "] is a tool message with no tool call before it to answer");
            --open_calls;
        } else {
            open_calls = 0;
        }
    }
}

}  // namespace

OpenAiChat openai_chat_from_request(const Json& j) {
    OpenAiChat r;
    const Json* msgs = j.find("messages");
    if (!msgs || !msgs->is_array() || msgs->as_array().empty()) throw ChatRequestError("messages", "'messages' must be a non-empty array");
    size_t i = 0;
    for (const Json& m : msgs->as_array()) {
        if (!m.is_object()) throw ChatRequestError("messages", "messages[" + std::to_string(i) + "] must be an object");
        r.messages.push_back(message_from_openai(m, i));
        ++i;
    }
    check_tool_messages(r.messages);
    const Json* choice = j.find_present("tool_choice");
    if (choice && !choice->is_string() && !choice->is_object()) throw bad_field("tool_choice", "must be a string or an object");
    const bool no_tools = choice && choice->is_string() && choice->as_string() == "none";
    const Json* tools = j.find_present("tools");
    if (tools) {
        std::vector<ToolSpec> specs = tools_from_openai(*tools, "tools");
        if (!no_tools) r.tools = std::move(specs);
    }
    return r;
}

}  // namespace envforge::model
