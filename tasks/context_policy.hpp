// Context policies: which parts of the transcript the model sees on its next turn.
//   v32      DeepSeek-V3.2: reasoning is kept across a tool-call chain and dropped only for
//            assistant turns before the last user message; tool calls and results always stay.
//   keep-all every reasoning_content stays.
//   drop-all R1-style: no earlier reasoning_content is shown.
#pragma once

#include <string_view>
#include <vector>

#include "tasks/message.hpp"

namespace envforge {

enum class ContextPolicy : uint8_t { V32, KeepAll, DropAll };

ContextPolicy parse_context_policy(std::string_view name);  // throws InvalidInput
const char* context_policy_name(ContextPolicy p);

// The prompt for the next assistant turn. Token ids are never part of a prompt.
std::vector<Message> render_context(const std::vector<Message>& transcript, ContextPolicy policy);

}  // namespace envforge
