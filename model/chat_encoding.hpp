// DeepSeek-V3.2's chat format (the released encoding/encoding_dsv32.py; reference/deepseek-v32.md
// §5.3): the system prompt with the DSML tools block, <｜User｜>/<｜Assistant｜> turns, <think>
// in thinking and chat modes, DSML tool calls, <function_results>, reasoning dropped before the
// last user message; and the parser that turns completion text back into an assistant message.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "tasks/message.hpp"
#include "tasks/task.hpp"

namespace envforge::model {

enum class ThinkingMode { Chat, Thinking };

inline constexpr std::string_view kBos = "<｜begin▁of▁sentence｜>";
inline constexpr std::string_view kEos = "<｜end▁of▁sentence｜>";
inline constexpr std::string_view kThinkOpen = "<think>";
inline constexpr std::string_view kThinkClose = "</think>";
inline constexpr std::string_view kDsml = "｜DSML｜";

struct ChatEncodeOptions {
    ThinkingMode mode = ThinkingMode::Thinking;
    bool add_bos = true;
    bool drop_thinking = true;  // reasoning before the last user message is not rendered
    // A conversation that ends with an assistant turn gets <｜Assistant｜> and the think marker
    // appended, so the model answers next. DeepSeek's encode_messages does not do that; false
    // renders exactly what it renders.
    bool add_generation_prompt = true;
};

// The prompt text for `messages` (system, user, assistant, tool). Tools go into the first system
// message (one is made when there is none). A conversation that ends with a user turn or with the
// last result of a tool-call group ends in generation position (…<｜Assistant｜><think> or
// …</function_results>\n\n<think>); otherwise <｜Assistant｜> and the think marker are appended
// (unless !add_generation_prompt).
// Throws InvalidInput on a tool message that follows no tool call.
std::string encode_chat(const std::vector<Message>& messages, const std::vector<ToolSpec>& tools, const ChatEncodeOptions& o = {});

// DeepSeek-V3.2's encoding renders a `developer` message as a user turn whose content is its own
// tools block and response format (each after "\n\n"), then "\n\n# The user's message is:
// {content}"; it counts as the last user turn for the thinking rules. This is that user message.
Message developer_turn(const std::string& content, const std::vector<ToolSpec>& tools = {}, const Json* response_format = nullptr);

// The "## Tools" block DeepSeek's encoding puts in a system or developer message (the schemas as
// python_json, one per line).
std::string render_tools(const std::vector<ToolSpec>& tools);
// The "## Response Format:" block for a message's `response_format` (a JSON schema).
std::string render_response_format(const Json& schema);

// The JSON text of `v` exactly as Python's json.dumps(v, ensure_ascii=False) writes it
// (", " and ": " separators): the encoding embeds tool schemas and non-string arguments so.
std::string python_json(const Json& v);
// A float as Python's repr (and so json.dumps) writes it: 100000.0, 1e+16, 1e-05, 0.0001.
std::string python_float_repr(double d);

struct ParsedCompletion {
    Message message;        // role assistant: reasoning, content, tool calls with JSON arguments
    std::string error;      // "" when the text followed the format
    bool finished = false;  // the completion ended with <｜end▁of▁sentence｜>
};

// Parses generated text (what follows the prompt). In thinking mode the text starts with the
// reasoning and `</think>`. Never throws: malformed DSML becomes one tool call carrying the raw
// text and a parse_error (the runner answers it with a tool error that says what was wrong).
// Tool call ids are `call_<id_prefix>_<n>`.
ParsedCompletion parse_completion(std::string_view text, ThinkingMode mode, const std::string& id_prefix = "0");

}  // namespace envforge::model
