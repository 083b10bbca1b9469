#include "model/engine_service.hpp"

#include <algorithm>
#include <cstdio>

#include "kernels/parallel.hpp"
#include "common/errors.hpp"

namespace envforge::model {

struct EngineService::Active {
    GenerationRequest req;
    std::unique_ptr<Sequence> own;  // when the caller gave no Sequence
    Sequence* seq = nullptr;
    Sampler sampler{0};
    GenerationResult result;
    int32_t next = -1;  // sampled, not yet fed to the model
};

EngineService::EngineService(Transformer& model, int max_batch) : model_(model), max_batch_(std::max(1, max_batch)) {
    thread_ = std::thread([this] { loop(); });
}

EngineService::~EngineService() {
    {
        std::lock_guard lock(mu_);
        quit_ = true;
    }
    cv_.notify_all();
    thread_.join();
}

void EngineService::submit(GenerationRequest req) {
    {
        std::lock_guard lock(mu_);
        waiting_.push_back(std::move(req));
    }
    cv_.notify_one();
}

EngineStats EngineService::stats() const {
    std::lock_guard lock(mu_);
    return stats_;
}

void EngineService::finish(Active& a, const char* reason, std::string error) {
    a.result.finish_reason = reason;
    a.result.error = std::move(error);
    deliver(a.req, std::move(a.result));
}

void EngineService::sample(Active& a, const float* logits) const {
    const int64_t vocab = model_.config().vocab_size;
    const int64_t n = a.req.vocab_limit > 0 ? std::min(a.req.vocab_limit, vocab) : vocab;
    a.next = a.sampler.sample(std::span<const float>(logits, static_cast<size_t>(n)), a.req.sampling);
}

bool EngineService::take(Active& a) {
    const int32_t tok = a.next;
    a.result.tokens.push_back(tok);
    const bool stop = std::find(a.req.stop_ids.begin(), a.req.stop_ids.end(), tok) != a.req.stop_ids.end();
    // A caller's callback that throws ends its own request, never the engine thread.
    bool keep_going = true;
    try {
        keep_going = !a.req.on_token || a.req.on_token(tok);
    } catch (const std::exception& e) {
        return finish(a, "error", std::string("on_token: ") + e.what()), false;
    } catch (...) {
        return finish(a, "error", "on_token threw"), false;
    }
    if (stop || !keep_going) return finish(a, "stop"), false;
    if (static_cast<int64_t>(a.result.tokens.size()) >= a.req.max_new_tokens) return finish(a, "length"), false;
    return true;
}

bool EngineService::wait_for_work(const Running& running, std::vector<GenerationRequest>& admitted) {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return quit_ || !waiting_.empty() || !running.empty(); });
    if (quit_) return false;
    while (!waiting_.empty() && static_cast<int>(running.size() + admitted.size()) < max_batch_) {
        admitted.push_back(std::move(waiting_.front()));
        waiting_.pop_front();
    }
    return true;
}

void EngineService::admit(GenerationRequest&& req, Running& running) {
    auto a = std::make_unique<Active>();
    a->req = std::move(req);
    a->sampler = Sampler(a->req.seed);
    if (a->req.sequence) a->seq = a->req.sequence;
    else {
        a->own = std::make_unique<Sequence>();
        a->seq = a->own.get();
    }
    a->result.prompt_tokens = static_cast<int64_t>(a->req.prompt.size());
    try {
        if (a->req.prompt.empty()) throw InvalidInput("empty prompt");
        const auto& have = a->seq->tokens();
        size_t common = 0;
        while (common < have.size() && common < a->req.prompt.size() && have[common] == a->req.prompt[common]) ++common;
        // At least the last prompt token is run, for its logits.
        common = std::min(common, a->req.prompt.size() - 1);
        a->seq->truncate(static_cast<int64_t>(common));
        a->result.cached_tokens = static_cast<int64_t>(common);
        const auto logits = model_.prefill(*a->seq, std::span<const int32_t>(a->req.prompt).subspan(common));
        {
            std::lock_guard lock(mu_);
            stats_.prefill_tokens += static_cast<int64_t>(a->req.prompt.size() - common);
            stats_.cached_tokens += static_cast<int64_t>(common);
        }
        if (a->req.max_new_tokens <= 0) finish(*a, "length");
        else {
            sample(*a, logits.data());
            if (take(*a)) running.push_back(std::move(a));
        }
    } catch (const std::exception& e) {
        finish(*a, "error", e.what());
    }
}

void EngineService::decode_step(Running& running) {
    std::vector<Sequence*> seqs;
    std::vector<int32_t> toks;
    for (auto& a : running) {
        seqs.push_back(a->seq);
        toks.push_back(a->next);
    }
    std::vector<float> logits;
    try {
        logits = model_.decode(seqs, toks);
    } catch (const std::exception& e) {
        for (auto& a : running) finish(*a, "error", e.what());
        running.clear();
        return;
    }
    {
        std::lock_guard lock(mu_);
        ++stats_.steps;
        stats_.decoded_tokens += static_cast<int64_t>(running.size());
        stats_.max_batch = std::max<int64_t>(stats_.max_batch, static_cast<int64_t>(running.size()));
    }
    // Sampling a large vocabulary is a pass of exponentials per sequence: spread it over the
    // cores (each request has its own generator, so the result does not change).
    const int64_t vocab = model_.config().vocab_size;
    kernels::parallel_for(static_cast<int64_t>(running.size()), 1, [&](int64_t b, int64_t e) {
        for (int64_t i = b; i < e; ++i) sample(*running[static_cast<size_t>(i)], logits.data() + i * vocab);
    });
    Running still;
    for (auto& a : running)
        if (take(*a)) still.push_back(std::move(a));
    running.swap(still);
}

void EngineService::fail_waiting() {
    // Callbacks run without the lock: one that submits again must not deadlock.
    for (;;) {
        std::deque<GenerationRequest> left;
        {
            std::lock_guard lock(mu_);
            left.swap(waiting_);
        }
        if (left.empty()) break;
        for (auto& req : left) {
            GenerationResult r;
            r.finish_reason = "error";
            r.error = "the engine is shutting down";
            deliver(req, std::move(r));  // may submit again: the next round ends that one too
        }
    }
}

void EngineService::loop() {
    Running running;
    for (;;) {
        std::vector<GenerationRequest> admitted;
        if (!wait_for_work(running, admitted)) break;
        for (auto& req : admitted) admit(std::move(req), running);
        if (!running.empty()) decode_step(running);
    }
    for (auto& a : running) finish(*a, "error", "the engine is shutting down");
    fail_waiting();
}

void EngineService::deliver(GenerationRequest& req, GenerationResult&& result) {
    if (!req.on_done) return;
    try {
        req.on_done(std::move(result));
    } catch (const std::exception& e) {
        // Nothing is left to hand the error to: the request has ended. Said once per failure.
        std::fprintf(stderr, "envforge: engine: a completion callback failed: %s\n", e.what());
    } catch (...) {
        std::fprintf(stderr, "envforge: engine: a completion callback failed\n");
    }
}

}  // namespace envforge::model
