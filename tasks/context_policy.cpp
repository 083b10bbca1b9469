#include "tasks/context_policy.hpp"

#include "common/errors.hpp"

namespace envforge {

ContextPolicy parse_context_policy(std::string_view name) {
    if (name == "v32") return ContextPolicy::V32;
    if (name == "keep-all") return ContextPolicy::KeepAll;
    if (name == "drop-all") return ContextPolicy::DropAll;
    throw InvalidInput("context policy '" + std::string(name) + "': expected v32, keep-all or drop-all");
}

const char* context_policy_name(ContextPolicy p) {
    switch (p) {
        case ContextPolicy::V32: return "v32";
        case ContextPolicy::KeepAll: return "keep-all";
        case ContextPolicy::DropAll: return "drop-all";
    }
    return "?";
}

std::vector<Message> render_context(const std::vector<Message>& transcript, ContextPolicy policy) {
    size_t last_user = 0;
    bool have_user = false;
    for (size_t i = 0; i < transcript.size(); ++i)
        if (transcript[i].role == Role::User) {
            last_user = i;
            have_user = true;
        }
    std::vector<Message> out;
    out.reserve(transcript.size());
    for (size_t i = 0; i < transcript.size(); ++i) {
        Message m = transcript[i];
        m.prompt_ids.clear();
        m.completion_ids.clear();
        if (m.role == Role::Assistant) {
            bool drop = policy == ContextPolicy::DropAll || (policy == ContextPolicy::V32 && have_user && i < last_user);
            if (drop) m.reasoning.reset();
        }
        out.push_back(std::move(m));
    }
    return out;
}

}  // namespace envforge
