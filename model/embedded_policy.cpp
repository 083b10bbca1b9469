#include "model/embedded_policy.hpp"

#include <map>

#include <boost/asio/use_awaitable.hpp>

#include "model/async_generate.hpp"
#include "model/engine_service.hpp"
#include "model/tokenizer.hpp"
#include "common/errors.hpp"

namespace envforge::model {

namespace {

class EmbeddedPolicy final : public Policy {
public:
    explicit EmbeddedPolicy(const EmbeddedOptions& o)
        : options_(o), model_(o.model_dir, o.engine), tokenizer_(load_deepseek_v32_tokenizer(o.tokenizer)), engine_(model_, o.max_batch) {
        if (model_.config().vocab_size < tokenizer_.size())
            throw InvalidInput("checkpoint '" + o.model_dir + "' has a vocabulary of " + std::to_string(model_.config().vocab_size) +
                               " tokens, smaller than the tokenizer's " + std::to_string(tokenizer_.size()) +
                               "; make one with tools/make-checkpoint --vocab 129280");
        eos_ = tokenizer_.token_to_id(kEos);
    }

    std::string name() const override { return "embedded"; }

    boost::asio::awaitable<Message> next(const PolicyRequest& req) override {
        // A plain call (no task: synthesis asks the model to rewrite or to write something) has no
        // episode to continue; each gets a cache of its own, evicted like any other.
        const std::string key = req.task ? req.task->id + "#" + std::to_string(req.rollout) : "call#" + std::to_string(++plain_calls_);
        Cached& cached = cache_for(key, req.turn == 0 || !req.task);
        cached.busy = true;
        struct Release {
            Cached& c;
            ~Release() { c.busy = false; }
        } release{cached};
        static const std::vector<ToolSpec> kNoTools;
        const std::string prompt = encode_chat(req.prompt, req.task ? req.task->tools : kNoTools, {.mode = options_.mode});
        GenerationRequest g;
        // Token in, token out: when the new prompt text extends what the model read and wrote on
        // the previous turn, its ids are those exact ids plus the new text's, so the episode is
        // one token sequence a trainer can use without re-tokenising (the completion's ids are
        // what was sampled, which a re-encoding of their text need not reproduce).
        if (req.turn > 0 && !cached.text.empty() && prompt.size() > cached.text.size() &&
            prompt.compare(0, cached.text.size(), cached.text) == 0) {
            g.prompt = cached.ids;
            const std::vector<int32_t> delta = tokenizer_.encode(std::string_view(prompt).substr(cached.text.size()));
            g.prompt.insert(g.prompt.end(), delta.begin(), delta.end());
        } else {
            g.prompt = tokenizer_.encode(prompt);
        }
        g.sequence = cached.seq.get();
        g.sampling = options_.sampling;
        g.seed = req.seed * 1000003 + static_cast<uint64_t>(req.turn);
        g.max_new_tokens = options_.max_new_tokens;
        g.stop_ids = {eos_};
        g.vocab_limit = tokenizer_.size();
        const std::vector<int32_t> prompt_ids = g.prompt;
        GenerationResult r = co_await async_generate(engine_, std::move(g), boost::asio::use_awaitable);
        if (r.finish_reason == "error") throw std::runtime_error("embedded model: " + r.error);
        const std::string completion_text = tokenizer_.decode(r.tokens);
        cached.text = prompt + completion_text;
        cached.ids = prompt_ids;
        cached.ids.insert(cached.ids.end(), r.tokens.begin(), r.tokens.end());
        ParsedCompletion parsed = parse_completion(completion_text, options_.mode, std::to_string(req.turn));
        Message m = std::move(parsed.message);
        m.prompt_ids = prompt_ids;
        m.completion_ids = std::move(r.tokens);
        co_return m;
    }

private:
    struct Cached {
        std::unique_ptr<Sequence> seq = std::make_unique<Sequence>();
        std::string text;          // the last turn's prompt text and completion text
        std::vector<int32_t> ids;  // their ids: the prompt as given, the completion as sampled
        uint64_t used = 0;
        bool busy = false;
    };

    // The episode's cache; a new episode (turn 0) starts empty. Idle caches beyond the limit go.
    Cached& cache_for(const std::string& key, bool fresh) {
        Cached& c = caches_[key];
        if (fresh && !c.busy) {
            c.seq = std::make_unique<Sequence>();
            c.text.clear();
            c.ids.clear();
        }
        c.used = ++tick_;
        while (caches_.size() > options_.max_cached_episodes) {
            auto victim = caches_.end();
            for (auto it = caches_.begin(); it != caches_.end(); ++it)
                if (!it->second.busy && it->first != key && (victim == caches_.end() || it->second.used < victim->second.used)) victim = it;
            if (victim == caches_.end()) break;
            caches_.erase(victim);
        }
        return c;
    }

    EmbeddedOptions options_;
    Transformer model_;
    Tokenizer tokenizer_;
    EngineService engine_;
    int32_t eos_ = 1;
    std::map<std::string, Cached> caches_;
    uint64_t tick_ = 0;
    uint64_t plain_calls_ = 0;
};

}  // namespace

std::unique_ptr<Policy> make_embedded_policy(const EmbeddedOptions& options) { return std::make_unique<EmbeddedPolicy>(options); }

}  // namespace envforge::model
