#include "model/transformer.hpp"

#include <algorithm>
#include <cmath>
#include <map>

#include "kernels/dsa/lightning_indexer.hpp"
#include "kernels/moe_routing.hpp"
#include "kernels/rope.hpp"
#include "model/forward_backend.hpp"
#include "model/safetensors.hpp"
#include "model/weights.hpp"
#include "common/errors.hpp"

namespace envforge::model {

using namespace envforge::kernels;

int64_t Sequence::cache_bytes() const {
    int64_t n = 0;
    for (const auto& l : layers_) n += static_cast<int64_t>(l.kv.capacity() * 4 + l.index_k.capacity() * 2);
    for (const auto& l : device_layers_) n += static_cast<int64_t>(l.kv.bytes() + l.index_k.bytes());
    return n;
}

void Sequence::truncate(int64_t n) {
    if (n >= len_) return;
    // Cache rows stay allocated and are overwritten when the sequence grows again: attention
    // reads positions below the query's own, so the logical length is all that matters.
    len_ = std::max<int64_t>(n, 0);
    tokens_.resize(static_cast<size_t>(len_));
}

Transformer::Transformer(const std::string& dir, EngineOptions options)
    : config_(load_config(dir)), options_(options), ckpt_(std::make_unique<Checkpoint>(dir)) {
    w_ = std::make_unique<ModelWeights>(bind_weights(config_, *ckpt_, dir));
    ensure_rope(4096);
    if (options_.cuda) backend();  // fails here, with the reason, when no device is usable
}

Transformer::~Transformer() = default;

int64_t Transformer::n_params() const { return w_->n_params; }
int64_t Transformer::weight_bytes() const { return ckpt_->bytes(); }

void Transformer::ensure_rope(int64_t max_pos) {
    if (rope_.max_pos() >= max_pos) return;
    int64_t cap = std::max<int64_t>(rope_.max_pos(), 4096);
    while (cap < max_pos) cap *= 2;
    rope_ = make_rope_table(config_.qk_rope_head_dim, cap, config_.rope);
}

void Transformer::check_rows(const std::vector<Row>& rows) {
    int64_t max_pos = 0;
    for (const Row& r : rows) {
        if (r.token < 0 || r.token >= config_.vocab_size)
            throw InvalidInput("token id " + std::to_string(r.token) + " is outside the vocabulary [0, " +
                               std::to_string(config_.vocab_size) + ")");
        max_pos = std::max(max_pos, r.pos + 1);
    }
    ensure_rope(max_pos);
    for (const Row& r : rows) {
        Sequence& s = *r.seq;
        if (s.len_ > 0 && s.on_device_ != options_.cuda)
            throw InvalidInput(std::string("a sequence whose cache is on the ") + (s.on_device_ ? "GPU" : "CPU") +
                               " cannot continue on the " + (options_.cuda ? "GPU" : "CPU"));
        s.on_device_ = options_.cuda;
    }
}

ForwardBackend& Transformer::backend() {
    if (!options_.cuda) {
        if (!cpu_) cpu_ = make_cpu_backend(config_);
        return *cpu_;
    }
    if (!cuda_) cuda_ = make_cuda_backend(config_, *w_);
    return *cuda_;
}

std::vector<float> Transformer::forward(const std::vector<Row>& rows, const std::vector<int64_t>& logit_rows) {
    const ModelConfig& c = config_;
    check_rows(rows);
    ForwardBackend& b = backend();
    PassSettings s;
    s.dense = options_.dense;
    s.reference = options_.reference;
    s.topk = options_.index_topk > 0 ? options_.index_topk : c.index_topk;
    s.eps = static_cast<float>(c.rms_norm_eps);
    s.scale = static_cast<float>(c.softmax_scale());
    s.idx_scale = static_cast<float>(1.0 / std::sqrt(static_cast<double>(c.index_n_heads)) /
                                     std::sqrt(static_cast<double>(c.index_head_dim)));
    b.begin(rows, s, rope_);
    if (record_selection) last_selection.assign(rows.size(), std::vector<std::vector<int32_t>>(static_cast<size_t>(c.num_hidden_layers)));
    b.embed(w_->embed);
    for (int64_t l = 0; l < c.num_hidden_layers; ++l) {
        attention_block(b, l);
        ffn_block(b, l);
    }
    record_tokens(rows);
    return b.logits(logit_rows, w_->final_norm, w_->lm_head);
}

// x += o_proj(MLA with DSA's selection(norm(x))).
void Transformer::attention_block(ForwardBackend& b, int64_t l) {
    const LayerWeights& W = w_->layers[l];
    b.rms_norm(Act::x, W.input_norm, Act::xn, config_.hidden_size);
    // ---- shared query latent, MLA query, latent KV row ----
    b.matmul(Act::xn, W.q_a, Act::qa);
    b.rms_norm(Act::qa, W.q_a_norm, Act::qa, config_.q_lora_rank);
    b.matmul(Act::qa, W.q_b, Act::q);
    b.matmul(Act::xn, W.kv_a, Act::kva);
    b.rms_norm(Act::kva, W.kv_a_norm, Act::kva, config_.kv_lora_rank);  // the latent only
    // ---- indexer query, key and head weights; the new cache rows ----
    b.matmul(Act::qa, W.idx_wq_b, Act::qi);
    b.matmul(Act::xn, W.idx_wk, Act::ki);
    b.layer_norm(Act::ki, W.idx_k_norm_w, W.idx_k_norm_b);
    b.matmul(Act::xn, W.idx_weights_proj, Act::wi);
    b.append_to_caches(l);
    // ---- absorb q_nope into the latent space, then DSA: indexer, top-k, sparse attention ----
    b.absorb_queries(W);
    b.sparse_attention(l, record_selection ? &last_selection : nullptr);
    // ---- values and output projection: u = W_O · concat_h(W_UV[h] o[h]) ----
    b.project_values(W);
    b.matmul(Act::ov, W.o_proj, Act::attn);
    b.add(Act::x, Act::attn);
}

// x += FFN(norm(x)): dense, or the shared expert plus the routed ones. Routing runs on the host,
// and rows are grouped by expert, so each expert's weights stream once per step.
void Transformer::ffn_block(ForwardBackend& b, int64_t l) {
    const ModelConfig& c = config_;
    const LayerWeights& W = w_->layers[l];
    b.rms_norm(Act::x, W.post_attention_norm, Act::xn, c.hidden_size);
    if (!W.moe) {
        b.mlp(W.mlp, Act::xn, Act::ffn);
    } else {
        b.zero(Act::ffn);
        if (W.has_shared) b.mlp(W.shared, Act::xn, Act::ffn);
        const std::vector<float> logits = b.router_logits(Act::xn, W.router);
        const MoeRoutingParams mp{c.n_routed_experts,    c.n_group,        c.topk_group,
                                  c.num_experts_per_tok, c.norm_topk_prob, static_cast<float>(c.routed_scaling_factor)};
        std::map<int32_t, ExpertRows> by_expert;
        const int64_t R = static_cast<int64_t>(logits.size()) / c.n_routed_experts;
        for (int64_t r = 0; r < R; ++r)
            for (const auto& ch : moe_route_cpu(logits.data() + r * c.n_routed_experts, W.router_bias.data(), mp)) {
                by_expert[ch.expert].rows.push_back(static_cast<int32_t>(r));
                by_expert[ch.expert].weights.push_back(ch.weight);
            }
        for (const auto& [e, members] : by_expert) b.add_expert(W.experts[e], Act::xn, Act::ffn, members);
    }
    b.add(Act::x, Act::ffn);
}

void Transformer::record_tokens(const std::vector<Row>& rows) {
    for (const Row& r : rows) {
        Sequence& s = *r.seq;
        s.len_ = std::max(s.len_, r.pos + 1);
        if (s.tokens_.size() < static_cast<size_t>(r.pos + 1)) s.tokens_.resize(static_cast<size_t>(r.pos + 1), -1);
        s.tokens_[r.pos] = r.token;
    }
}

std::vector<float> Transformer::prefill(Sequence& seq, std::span<const int32_t> tokens, bool all_logits, int64_t chunk) {
    if (tokens.empty()) throw InvalidInput("prefill: no tokens");
    std::vector<float> out;
    for (size_t b = 0; b < tokens.size(); b += static_cast<size_t>(chunk)) {
        const size_t e = std::min(tokens.size(), b + static_cast<size_t>(chunk));
        std::vector<Row> rows;
        for (size_t i = b; i < e; ++i) rows.push_back({&seq, tokens[i], seq.len_ + static_cast<int64_t>(i - b)});
        std::vector<int64_t> want;
        if (all_logits)
            for (int64_t i = 0; i < static_cast<int64_t>(rows.size()); ++i) want.push_back(i);
        else if (e == tokens.size()) want.push_back(static_cast<int64_t>(rows.size()) - 1);
        auto logits = forward(rows, want);
        out.insert(out.end(), logits.begin(), logits.end());
    }
    return out;
}

std::vector<float> Transformer::decode(std::span<Sequence* const> seqs, std::span<const int32_t> tokens) {
    if (seqs.size() != tokens.size()) throw InvalidInput("decode: one token per sequence");
    std::vector<Row> rows;
    std::vector<int64_t> want;
    for (size_t i = 0; i < seqs.size(); ++i) {
        for (size_t j = 0; j < i; ++j)
            if (seqs[j] == seqs[i]) throw InvalidInput("decode: a sequence appears twice in one step");
        rows.push_back({seqs[i], tokens[i], seqs[i]->len_});
        want.push_back(static_cast<int64_t>(i));
    }
    return forward(rows, want);
}

void Transformer::fill_synthetic_cache(Sequence& seq, int64_t len, uint64_t seed) {
    const ModelConfig& c = config_;
    const int64_t dqk = c.kv_lora_rank + c.qk_rope_head_dim, di = c.index_head_dim;
    // Uniform in ±sqrt(3): unit variance like real normalised latents, and cheap to draw for
    // the billion entries of a long context.
    uint64_t state = seed * 0x9e3779b97f4a7c15ull + 1;
    auto draw = [&state] {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        return (static_cast<float>(state >> 40) * 0x1.0p-24f * 2.0f - 1.0f) * 1.7320508f;
    };
    if (seq.layers_.empty()) seq.layers_.resize(static_cast<size_t>(c.num_hidden_layers));
    for (auto& l : seq.layers_) {
        const int64_t from = static_cast<int64_t>(l.kv.size()) / dqk;
        l.kv.resize(static_cast<size_t>(len * dqk));
        l.index_k.resize(static_cast<size_t>(indexer_cache_size(len, di)));
        for (size_t i = static_cast<size_t>(from * dqk); i < l.kv.size(); ++i) l.kv[i] = draw();
        for (int64_t s = from; s < len; ++s)
            for (int64_t i = 0; i < di; ++i) l.index_k[indexer_key_offset(s, i, di)] = f32_to_bf16(draw());
    }
    seq.len_ = len;
    seq.tokens_.resize(static_cast<size_t>(len), -1);
    ensure_rope(len + 1);
    if (options_.cuda) {  // the GPU engine reads the device copies; the host ones are dropped
        backend();
        seq.device_layers_.resize(seq.layers_.size());
        for (size_t l = 0; l < seq.layers_.size(); ++l) {
            auto& h = seq.layers_[l];
            auto& d = seq.device_layers_[l];
            d.kv.reserve(h.kv.size() * 4);
            d.kv.upload(h.kv.data(), h.kv.size() * 4);
            d.index_k.reserve(h.index_k.size() * 2);
            d.index_k.upload(h.index_k.data(), h.index_k.size() * 2);
            h = {};
        }
        seq.on_device_ = true;
    }
}

}  // namespace envforge::model
