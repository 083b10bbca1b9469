// Policy `openai`: any OpenAI-compatible chat-completions server (the DeepSeek API, vLLM, SGLang,
// `envforge serve`) drives episodes. Many requests are in flight at once on one libcurl thread;
// 429, 5xx, timeouts and connection errors are retried with exponential backoff (Retry-After
// honoured); the API key comes from an environment variable and is never stored; each assistant
// message keeps the raw request and response for audit.
#pragma once

#include <memory>
#include <string>

#include "common/errors.hpp"
#include "tasks/environment.hpp"

namespace envforge::model {

struct OpenAiOptions {
    std::string base_url;  // e.g. http://127.0.0.1:8000/v1 (…/chat/completions is appended)
    std::string model;
    std::string api_key_env = "OPENAI_API_KEY";
    double temperature = 1.0, top_p = 0.95;
    int64_t max_tokens = 1024;
    double request_timeout = 600;
    int max_retries = 5;
    double backoff_seconds = 0.5;  // first retry delay; doubles each time (capped at 60 s)
};

std::unique_ptr<Policy> make_openai_policy(const OpenAiOptions& options);

// A 200 answer whose body is not a chat completion: what the server sent is kept for audit.
struct MalformedReply : InvalidInput {
    MalformedReply(const std::string& what, std::string raw_record) : InvalidInput(what), raw(std::move(raw_record)) {}
    std::string raw;  // JSON: {"request": body sent, "response": the body as text, "attempts", "seconds"}
};

// The request body for one turn (exposed for tests): model, messages in the OpenAI format with
// reasoning_content where the context kept it, tools, sampling parameters.
Json openai_request_body(const OpenAiOptions& o, const PolicyRequest& req);
// The assistant message of a chat-completions response body; throws InvalidInput on a body
// that is not one.
Message openai_parse_response(const std::string& body);

}  // namespace envforge::model
