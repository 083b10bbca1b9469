// An OpenAI chat-completions request's conversation, as the chat encoding takes it. The server and
// `envforge model prompt` share it, so the prompt a user inspects is the one the server feeds the
// model.
#pragma once

#include <string>
#include <vector>

#include "common/errors.hpp"
#include "tasks/message.hpp"
#include "tasks/task.hpp"

namespace envforge::model {

struct OpenAiChat {
    std::vector<Message> messages;  // developer messages already the user turn DeepSeek renders
    std::vector<ToolSpec> tools;    // the request's tools (none when tool_choice is "none")
};

// A request that cannot be encoded. `param` names the request field (the server's 400 names it).
struct ChatRequestError : InvalidInput {
    std::string param;
    ChatRequestError(std::string field, const std::string& message) : InvalidInput(message), param(std::move(field)) {}
};

// Reads `messages`, `tools` and `tool_choice` of a request object:
// - content is a string or an array of text parts (joined);
// - a tool message must answer a call of the assistant message before it;
// - DeepSeek's own per-message fields are honoured as its encoding renders them: `tools` and
//   `response_format` on a system message (appended to it) or a developer message (inlined).
//   Its fixtures put a conversation's tools there, so they render unchanged.
// Throws ChatRequestError naming the field.
OpenAiChat openai_chat_from_request(const Json& request);

}  // namespace envforge::model
