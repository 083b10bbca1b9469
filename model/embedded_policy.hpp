// Policy `embedded`: the in-process DSA model drives episodes. Each turn renders the episode's
// context with DeepSeek-V3.2's chat encoding, tokenizes it, and generates on the shared engine
// thread (continuous batching across all episodes in flight); each episode keeps its own cache,
// so a turn prefills only what the previous turn did not already hold. Every assistant message
// carries its exact prompt and completion token ids.
#pragma once

#include <memory>
#include <string>

#include "model/chat_encoding.hpp"
#include "model/sampler.hpp"
#include "model/transformer.hpp"
#include "tasks/environment.hpp"

namespace envforge::model {

struct EmbeddedOptions {
    std::string model_dir;
    std::string tokenizer;  // "" = the default DeepSeek-V3.2 tokenizer (see tokenizer.hpp)
    ThinkingMode mode = ThinkingMode::Thinking;
    SamplingParams sampling{1.0, 0.95, 0};  // DeepSeek's recommended temperature and top-p
    int64_t max_new_tokens = 1024;
    int max_batch = 32;
    EngineOptions engine;
    size_t max_cached_episodes = 256;  // idle episode caches beyond this are dropped, oldest first
};

// Loads the checkpoint and the tokenizer; throws InvalidInput/IoError (a checkpoint whose
// vocabulary is smaller than the tokenizer's is refused with what to do about it).
std::unique_ptr<Policy> make_embedded_policy(const EmbeddedOptions& options);

}  // namespace envforge::model
