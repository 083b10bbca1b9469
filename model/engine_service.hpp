// The embedded model as a service: one thread owns the Transformer and runs continuous batching —
// every loop admits waiting requests (prefill, reusing the longest cached prefix of the caller's
// Sequence) and then takes one decode step for all running requests together, so the weights
// stream once per step however many episodes or HTTP clients wait. Callers hear back through
// callbacks, invoked on the engine thread and never under the engine's lock (a callback may
// submit again); a callback that throws ends its own request with finish_reason "error".
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "model/sampler.hpp"
#include "model/transformer.hpp"

namespace envforge::model {

struct GenerationResult {
    std::vector<int32_t> tokens;  // generated ids, the stop token included when one ended it
    std::string finish_reason;    // "stop" | "length" | "error"
    std::string error;
    int64_t prompt_tokens = 0, cached_tokens = 0;  // cached: reused from the Sequence, not recomputed
};

struct GenerationRequest {
    std::vector<int32_t> prompt;
    Sequence* sequence = nullptr;  // the caller's cache (kept across turns); nullptr = a private one
    SamplingParams sampling;
    uint64_t seed = 0;
    int64_t max_new_tokens = 256;
    std::vector<int32_t> stop_ids;                    // generation ends after emitting one of these
    int64_t vocab_limit = 0;                          // sample only ids below this (the tokenizer's size; 0 = the model's vocabulary)
    std::function<bool(int32_t)> on_token;            // optional: each new id; return false to stop
    std::function<void(GenerationResult&&)> on_done;  // required
};

struct EngineStats {
    int64_t steps = 0, decoded_tokens = 0, prefill_tokens = 0, cached_tokens = 0, max_batch = 0;
};

class EngineService {
public:
    // max_batch bounds the sequences decoded together; more requests wait their turn.
    EngineService(Transformer& model, int max_batch = 32);
    ~EngineService();  // finishes nothing: pending requests end with finish_reason "error"
    EngineService(const EngineService&) = delete;
    EngineService& operator=(const EngineService&) = delete;

    void submit(GenerationRequest req);
    EngineStats stats() const;
    const Transformer& model() const { return model_; }

private:
    struct Active;
    using Running = std::vector<std::unique_ptr<Active>>;
    void loop();
    // The requests to admit next (as many as the batch has room for); false when quitting.
    bool wait_for_work(const Running& running, std::vector<GenerationRequest>& admitted);
    // Prefills what the request's sequence does not already hold and samples its first token.
    void admit(GenerationRequest&& req, Running& running);
    // One decode step for every running request, then their next tokens.
    void decode_step(Running& running);
    // Samples the next token from `logits` (ids a tokenizer cannot decode never come out).
    void sample(Active& a, const float* logits) const;
    // Records the sampled token; false when the request has ended (and was delivered).
    bool take(Active& a);
    void finish(Active& a, const char* reason, std::string error = {});
    // At shutdown: every request still waiting ends with an error.
    void fail_waiting();
    // Calls req.on_done outside any lock; an exception from it is reported, never propagated.
    static void deliver(GenerationRequest& req, GenerationResult&& result);
    Transformer& model_;
    const int max_batch_;
    mutable std::mutex mu_;
    std::condition_variable cv_;
    std::deque<GenerationRequest> waiting_;
    bool quit_ = false;
    EngineStats stats_;
    std::thread thread_;
};

}  // namespace envforge::model
