// `envforge serve`: an OpenAI-compatible HTTP server for the embedded model — GET /v1/models,
// POST /v1/chat/completions with tools, tool_calls, reasoning_content, streaming (SSE) and usage.
// Requests become generations on the shared engine (batched together); bad requests get
// OpenAI-style error JSON with the right status; body size and concurrency are bounded.
#pragma once

#include <atomic>
#include <functional>
#include <string>

#include "model/chat_encoding.hpp"

namespace envforge::model {

class EngineService;
class Tokenizer;

struct ServeOptions {
    std::string host = "127.0.0.1";
    int port = 8000;  // 0 = any free port (reported through on_listening)
    std::string model_name = "envforge-dsa";
    ThinkingMode default_mode = ThinkingMode::Thinking;  // a request may set "thinking": {"type": "enabled"|"disabled"}
    int max_concurrency = 64;                            // requests being generated at once; more get 429
    size_t max_body_bytes = 8u << 20;                    // larger requests get 413
    int64_t default_max_tokens = 1024;
    int64_t max_context = 0;  // prompt + completion bound (0: the model's max_position_embeddings)
};

// The assistant message of a chat-completions response for parsed model output: content,
// reasoning_content (thinking mode) and tool_calls; DSML that failed to parse stays in content.
Json openai_message_json(const ParsedCompletion& p, ThinkingMode mode);

// Serves until `stop` becomes true (checked every 100 ms). Throws IoError when the address
// cannot be bound.
void run_chat_server(EngineService& engine, const Tokenizer& tokenizer, const ServeOptions& options,
                     const std::function<void(int port)>& on_listening, const std::atomic<bool>& stop);

}  // namespace envforge::model
