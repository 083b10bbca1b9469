// Plain model calls (no environment) for the model-written synthesis steps: many in flight on one
// io_context, each ending in a reply, a malformed reply, or a server failure, and a raw record of
// what was sent and received for the store.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "tasks/environment.hpp"
#include "tools/cli/progress.hpp"

namespace envforge::cli {

struct ModelReply {
    std::optional<Message> message;
    std::string error;
    bool infra = false;  // the server failed (down, 5xx after retries), not the model's output
    std::string raw;     // what a malformed reply's server sent, when the policy kept it
};

// One reply per request, `jobs` in flight; `progress` (may be null) ticks per reply.
std::vector<ModelReply> ask_all(Policy& policy, const std::vector<PolicyRequest>& requests, int jobs, Progress* progress);

// The raw record of a call: the openai policy's own (request and response as sent and
// received); for other policies, the prompt and the reply.
std::string raw_record(const PolicyRequest& req, const ModelReply& r);

}  // namespace envforge::cli
