#include "model/chat_encoding.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cstdio>

#include "common/errors.hpp"

namespace envforge::model {

namespace {

const std::string kDsmlS(kDsml);

}  // namespace

std::string render_tools(const std::vector<ToolSpec>& tools) {
    // DeepSeek's TOOLS_SYSTEM_TEMPLATE. Its blank lines (after "## Tools", between paragraphs,
    // around the example's <function_results>) are the ones in DeepSeek's own golden output,
    // huggingface.co/deepseek-ai/DeepSeek-V3.2 encoding/test_output.txt (tests/model/data/
    // deepseek-v3.2); the copies vendored in vLLM and sglang drop them.
    std::string schemas;
    for (size_t i = 0; i < tools.size(); ++i) {
        Json fn = Json::object({{"name", tools[i].name}, {"description", tools[i].description}, {"parameters", tools[i].parameters}});
        schemas += (i ? "\n" : "") + python_json(fn);
    }
    const std::string d = kDsmlS;
    return "## Tools\n\nYou have access to a set of tools you can use to answer the user's question.\n"
           "You can invoke functions by writing a \"<" +
           d +
           "function_calls>\" block like the following as part of your reply to the user:\n"
           "<" +
           d + "function_calls>\n<" + d + "invoke name=\"$FUNCTION_NAME\">\n<" + d +
           "parameter name=\"$PARAMETER_NAME\" string=\"true|false\">$PARAMETER_VALUE</" + d + "parameter>\n...\n</" + d + "invoke>\n<" +
           d + "invoke name=\"$FUNCTION_NAME2\">\n...\n</" + d + "invoke>\n</" + d +
           "function_calls>\n\n"
           "String and scalar parameters should be specified as is without any escaping or quotes, while lists and objects should use JSON "
           "format. The \"string\" attribute should be set to \"true\" for string type parameters and \"false\" for other types (numbers, "
           "booleans, arrays, objects).\n\n"
           "If the thinking_mode is enabled, then after function results you should strongly consider outputting a thinking block. Here is "
           "an "
           "example:\n\n<" +
           d + "function_calls>\n...\n</" + d +
           "function_calls>\n\n<function_results>\n...\n</function_results>\n\n"
           "<think>...thinking about results</think>\n\nHere are the functions available in JSONSchema format:\n<functions>\n" +
           schemas + "\n</functions>\n";
}

std::string render_response_format(const Json& schema) {
    return "## Response Format:\n\nYou MUST strictly adhere to the following schema to reply:\n" + python_json(schema);
}

namespace {

std::string dsml_arguments(const ToolCall& call) {
    Json args;
    bool ok = true;
    try {
        args = Json::parse(call.arguments.empty() ? "{}" : call.arguments, "arguments");
    } catch (const std::exception&) {
        ok = false;
    }
    std::string out;
    if (!ok || !args.is_object()) {
        // Arguments that are not a JSON object (a model's malformed call) are shown as they were.
        return "<" + kDsmlS + "parameter name=\"arguments\" string=\"true\">" + call.arguments + "</" + kDsmlS + "parameter>";
    }
    bool first = true;
    for (const auto& m : args.as_object()) {
        if (!first) out += "\n";
        first = false;
        const bool is_str = m.value.is_string();
        out += "<" + kDsmlS + "parameter name=\"" + m.key + "\" string=\"" + (is_str ? "true" : "false") + "\">" +
               (is_str ? m.value.as_string() : python_json(m.value)) + "</" + kDsmlS + "parameter>";
    }
    return out;
}

std::string dsml_calls(const std::vector<ToolCall>& calls) {
    std::string inner;
    for (size_t i = 0; i < calls.size(); ++i)
        inner += (i ? "\n" : "") +
                 ("<" + kDsmlS + "invoke name=\"" + calls[i].name + "\">\n" + dsml_arguments(calls[i]) + "\n</" + kDsmlS + "invoke>");
    return "\n\n<" + kDsmlS + "function_calls>\n" + inner + "\n</" + kDsmlS + "function_calls>";
}

}  // namespace

std::string python_float_repr(double d) {
    if (std::isnan(d)) return "NaN";  // json.dumps writes these (allow_nan=True)
    if (std::isinf(d)) return d > 0 ? "Infinity" : "-Infinity";
    // The shortest digits that round-trip (what repr uses), then Python's layout: positional
    // for decimal exponents -4..15 (100000.0, 0.0001), else d.ddde±XX (1e+16, 1e-05).
    char buf[64];
    const auto res = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::scientific);
    std::string_view sci(buf, static_cast<size_t>(res.ptr - buf));
    std::string out;
    if (sci.front() == '-') {
        out += '-';
        sci.remove_prefix(1);
    }
    const size_t e = sci.find('e');
    std::string digits(1, sci[0]);
    if (e > 1) digits.append(sci.substr(2, e - 2));
    int exp = 0;
    std::from_chars(sci.data() + e + (sci[e + 1] == '+' ? 2 : 1), sci.data() + sci.size(), exp);
    const int n = static_cast<int>(digits.size());
    if (exp >= -4 && exp < 16) {
        if (exp < 0) out += "0." + std::string(static_cast<size_t>(-exp - 1), '0') + digits;
        else if (n <= exp + 1) out += digits + std::string(static_cast<size_t>(exp + 1 - n), '0') + ".0";
        else out += digits.substr(0, static_cast<size_t>(exp + 1)) + "." + digits.substr(static_cast<size_t>(exp + 1));
    } else {
        out += digits.substr(0, 1);
        if (n > 1) out += "." + digits.substr(1);
        out += exp < 0 ? "e-" : "e+";
        if (std::abs(exp) < 10) out += '0';
        out += std::to_string(std::abs(exp));
    }
    return out;
}

namespace {

// Python's json.dumps escapes exactly what envforge's JSON writer does (", \\, control
// characters, lower-case \\u00xx) and leaves other UTF-8 as it is under ensure_ascii=False.
void python_string(std::string& out, const std::string& s) { json_append_string(out, s); }

void python_json_to(std::string& out, const Json& v) {
    switch (v.type()) {
        case JsonType::Null: out += "null"; return;
        case JsonType::Bool: out += v.as_bool() ? "true" : "false"; return;
        case JsonType::Int: out += std::to_string(v.as_int()); return;
        case JsonType::Double: out += python_float_repr(v.as_number()); return;
        case JsonType::BigInt: out += v.big_int_digits(); return;
        case JsonType::String: python_string(out, v.as_string()); return;
        case JsonType::Array: {
            out += '[';
            bool first = true;
            for (const Json& e : v.as_array()) {
                if (!first) out += ", ";
                first = false;
                python_json_to(out, e);
            }
            out += ']';
            return;
        }
        case JsonType::Object: {
            out += '{';
            bool first = true;
            for (const auto& m : v.as_object()) {
                if (!first) out += ", ";
                first = false;
                python_string(out, m.key);
                out += ": ";
                python_json_to(out, m.value);
            }
            out += '}';
            return;
        }
    }
}

}  // namespace

Message developer_turn(const std::string& content, const std::vector<ToolSpec>& tools, const Json* response_format) {
    std::string text;
    if (!tools.empty()) text += "\n\n" + render_tools(tools);
    if (response_format) text += "\n\n" + render_response_format(*response_format);
    return Message::user(text + "\n\n# The user's message is: " + content);
}

std::string python_json(const Json& v) {
    std::string out;
    python_json_to(out, v);
    return out;
}

std::string encode_chat(const std::vector<Message>& in, const std::vector<ToolSpec>& tools, const ChatEncodeOptions& o) {
    std::vector<Message> msgs = in;
    if (!tools.empty() && (msgs.empty() || msgs.front().role != Role::System)) msgs.insert(msgs.begin(), Message::system(""));
    int last_user = -1;
    for (int i = static_cast<int>(msgs.size()) - 1; i >= 0; --i)
        if (msgs[i].role == Role::User) {
            last_user = i;
            break;
        }
    const bool thinking = o.mode == ThinkingMode::Thinking;
    std::string p = o.add_bos ? std::string(kBos) : "";
    bool tools_done = false;
    bool generation_position = false;
    for (int i = 0; i < static_cast<int>(msgs.size()); ++i) {
        const Message& m = msgs[i];
        generation_position = false;
        switch (m.role) {
            case Role::System:
                p += m.content.value_or("");
                if (!tools.empty() && !tools_done) {
                    p += "\n\n" + render_tools(tools);
                    tools_done = true;
                }
                break;
            case Role::User:
                p += "<｜User｜>" + m.content.value_or("") + "<｜Assistant｜>";
                p += i == last_user && thinking ? kThinkOpen : kThinkClose;
                generation_position = true;
                break;
            case Role::Assistant: {
                std::string reasoning;
                // Reasoning is rendered only after the last user message (and then always closed):
                // drop_thinking's rule, which is also what the template does without it.
                if (thinking && i > last_user) reasoning = m.reasoning.value_or("") + std::string(kThinkClose);
                (void)o.drop_thinking;
                p += reasoning + m.content.value_or("") + (m.tool_calls.empty() ? "" : dsml_calls(m.tool_calls)) + std::string(kEos);
                break;
            }
            case Role::Tool: {
                int a = i - 1;
                while (a >= 0 && msgs[a].role == Role::Tool) --a;
                if (a < 0 || msgs[a].role != Role::Assistant || msgs[a].tool_calls.empty())
                    throw InvalidInput("chat encoding: tool message " + std::to_string(i) + " follows no assistant tool call");
                const size_t order = static_cast<size_t>(i - a);
                if (order > msgs[a].tool_calls.size())
                    throw InvalidInput("chat encoding: more tool results than tool calls at message " + std::to_string(i));
                if (order == 1) p += "\n\n<function_results>";
                p += "\n<result>" + m.content.value_or("") + "</result>";
                if (order == msgs[a].tool_calls.size()) {
                    p += "\n</function_results>\n\n";
                    p += i >= last_user && thinking ? kThinkOpen : kThinkClose;
                    generation_position = true;
                }
                break;
            }
        }
    }
    if (!generation_position && o.add_generation_prompt) p += "<｜Assistant｜>" + std::string(thinking ? kThinkOpen : kThinkClose);
    return p;
}

namespace {

// Reads `name="value"` at s[i] (after optional spaces); returns false when it is not there.
bool read_attr(std::string_view s, size_t& i, std::string_view name, std::string& value) {
    while (i < s.size() && s[i] == ' ') ++i;
    if (s.substr(i, name.size()) != name || s.substr(i + name.size(), 2) != "=\"") return false;
    i += name.size() + 2;
    const size_t end = s.find('"', i);
    if (end == std::string_view::npos) return false;
    value = std::string(s.substr(i, end - i));
    i = end + 1;
    return true;
}

// The function_calls block body: invokes with parameters. Returns "" or what is wrong.
std::string parse_calls(std::string_view body, std::vector<ToolCall>& calls, const std::string& id_prefix) {
    const std::string inv_open = "<" + kDsmlS + "invoke", inv_close = "</" + kDsmlS + "invoke>";
    const std::string par_open = "<" + kDsmlS + "parameter", par_close = "</" + kDsmlS + "parameter>";
    size_t i = 0;
    auto skip_ws = [&] {
        while (i < body.size() && (body[i] == '\n' || body[i] == ' ' || body[i] == '\r' || body[i] == '\t')) ++i;
    };
    for (skip_ws(); i < body.size(); skip_ws()) {
        if (body.substr(i, inv_open.size()) != inv_open)
            return "expected <" + kDsmlS + "invoke name=\"...\"> at offset " + std::to_string(i);
        i += inv_open.size();
        std::string name;
        if (!read_attr(body, i, "name", name) || i >= body.size() || body[i] != '>') return "an invoke needs name=\"...\">";
        ++i;
        const size_t end = body.find(inv_close, i);
        if (end == std::string_view::npos) return "invoke '" + name + "' is not closed";
        std::string_view inner = body.substr(i, end - i);
        i = end + inv_close.size();
        // The arguments text as DeepSeek's decoder writes it: {"key": value, ...} with string
        // values JSON-quoted and the others verbatim (checked to be JSON).
        std::string args = "{";
        std::vector<std::string> seen;
        size_t k = 0;
        while (true) {
            while (k < inner.size() && (inner[k] == '\n' || inner[k] == ' ' || inner[k] == '\r' || inner[k] == '\t')) ++k;
            if (k >= inner.size()) break;
            if (inner.substr(k, par_open.size()) != par_open) return "invoke '" + name + "': expected a parameter";
            k += par_open.size();
            std::string pname, is_str;
            if (!read_attr(inner, k, "name", pname) || !read_attr(inner, k, "string", is_str) || k >= inner.size() || inner[k] != '>')
                return "invoke '" + name + "': a parameter needs name=\"...\" string=\"true|false\">";
            ++k;
            const size_t pend = inner.find(par_close, k);
            if (pend == std::string_view::npos) return "parameter '" + pname + "' is not closed";
            const std::string raw(inner.substr(k, pend - k));
            k = pend + par_close.size();
            if (std::find(seen.begin(), seen.end(), pname) != seen.end()) return "parameter '" + pname + "' is given twice";
            seen.push_back(pname);
            if (args.size() > 1) args += ", ";
            args += python_json(Json(pname)) + ": ";
            if (is_str == "true") {
                args += python_json(Json(raw));
            } else if (is_str == "false") {
                try {
                    Json::parse(raw, "parameter");
                } catch (const std::exception&) {
                    return "parameter '" + pname + "' has string=\"false\" but '" + raw.substr(0, 80) + "' is not JSON";
                }
                args += raw;
            } else {
                return "parameter '" + pname + "': string must be \"true\" or \"false\", not \"" + is_str + "\"";
            }
        }
        args += "}";
        calls.push_back({"call_" + id_prefix + "_" + std::to_string(calls.size()), name, args, ""});
    }
    return calls.empty() ? "function_calls block without an invoke" : "";
}

}  // namespace

ParsedCompletion parse_completion(std::string_view text, ThinkingMode mode, const std::string& id_prefix) {
    ParsedCompletion r;
    r.message.role = Role::Assistant;
    if (const size_t e = text.find(kEos); e != std::string_view::npos) {
        r.finished = true;
        text = text.substr(0, e);
    }
    if (mode == ThinkingMode::Thinking) {
        const size_t close = text.find(kThinkClose);
        if (close == std::string_view::npos) {
            r.message.reasoning = std::string(text);
            r.error = "the reasoning was never closed with </think>";
            return r;
        }
        r.message.reasoning = std::string(text.substr(0, close));
        text = text.substr(close + kThinkClose.size());
    }
    const std::string open = "<" + kDsmlS + "function_calls>", close = "</" + kDsmlS + "function_calls>";
    const size_t at = text.find(open);
    std::string_view content = text.substr(0, at == std::string_view::npos ? text.size() : at);
    if (at != std::string_view::npos && content.size() >= 2 && content.substr(content.size() - 2) == "\n\n") content.remove_suffix(2);
    r.message.content = std::string(content);
    if (at == std::string_view::npos) return r;
    const size_t body_begin = at + open.size();
    const size_t end = text.find(close, body_begin);
    std::string_view body = text.substr(body_begin, end == std::string_view::npos ? std::string_view::npos : end - body_begin);
    std::vector<ToolCall> calls;
    std::string err = end == std::string_view::npos ? "the function_calls block is not closed" : parse_calls(body, calls, id_prefix);
    if (err.empty() && end + close.size() < text.size()) {
        const std::string_view trailing = text.substr(end + close.size());
        if (trailing.find_first_not_of(" \n\r\t") != std::string_view::npos) err = "text after the function_calls block";
    }
    if (!err.empty()) {
        // Keep what the model wrote, as a call the runner will reject with a tool error.
        r.error = err;
        r.message.tool_calls = {{"call_" + id_prefix + "_0", "invalid_tool_call", std::string(text.substr(at)), err}};
        return r;
    }
    r.message.tool_calls = std::move(calls);
    return r;
}

}  // namespace envforge::model
