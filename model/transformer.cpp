#include "model/transformer.hpp"

#include <algorithm>
#include <cmath>
#include <map>

#include "kernels/dsa/lightning_indexer.hpp"
#include "kernels/dsa/mla_attention.hpp"
#include "kernels/dsa/topk.hpp"
#include "kernels/matmul.hpp"
#include "kernels/moe_routing.hpp"
#include "kernels/norm.hpp"
#include "kernels/parallel.hpp"
#include "kernels/rope.hpp"
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
    check_cuda();
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

namespace {

// The kernels of one forward pass: the fast paths, or the oracles for reference runs.
struct Ops {
    bool ref;
    void matmul(const float* x, const Matrix& w, float* y, int64_t n_tok) const {
        MatmulParams p{x, w.data, w.type, y, n_tok, w.rows, w.cols};
        ref ? matmul_cpu(p) : matmul_fast(p);
    }
    void rms(const float* x, const std::vector<float>& w, float* out, int64_t n_row, int64_t d, float eps) const {
        NormParams p{x, w.data(), nullptr, out, n_row, d, eps};
        ref ? rms_norm_cpu(p) : rms_norm_fast(p);
    }
    void layer_norm(float* x, const std::vector<float>& w, const std::vector<float>& b, int64_t n_row, int64_t d) const {
        NormParams p{x, w.data(), b.data(), x, n_row, d, 1e-6f};
        ref ? layer_norm_cpu(p) : layer_norm_fast(p);
    }
    void indexer(const IndexerParams& p) const { ref ? lightning_indexer_cpu(p) : lightning_indexer_fast(p); }
    void attention(const MlaAttentionParams& p) const { ref ? mla_attention_cpu(p) : mla_attention_fast(p); }
    std::vector<int32_t> topk(const float* s, int64_t n, int64_t k) const {
        return ref ? topk_indices_cpu(s, n, k) : topk_indices_fast(s, n, k);
    }
    // Runs fn(r) for every row; rows in parallel when there are several, else the kernels
    // parallelise inside.
    template <class F>
    void rows(int64_t n, F&& fn) const {
        if (n == 1 || ref) {
            for (int64_t r = 0; r < n; ++r) fn(r);
            return;
        }
        parallel_for(n, 1, [&](int64_t b, int64_t e) {
            for (int64_t r = b; r < e; ++r) fn(r);
        });
    }
};

float silu(float x) { return x / (1.0f + std::exp(-x)); }

// down(silu(gate(x)) * up(x)) for n rows.
void mlp(const Ops& ops, const MlpWeights& m, const float* x, float* out, int64_t n) {
    const int64_t inter = m.gate.rows;
    std::vector<float> g(static_cast<size_t>(n * inter)), u(g.size());
    ops.matmul(x, m.gate, g.data(), n);
    ops.matmul(x, m.up, u.data(), n);
    for (size_t i = 0; i < g.size(); ++i) g[i] = silu(g[i]) * u[i];
    ops.matmul(g.data(), m.down, out, n);
}

}  // namespace

std::vector<float> Transformer::forward(const std::vector<Row>& rows, const std::vector<int64_t>& logit_rows) {
    const ModelConfig& c = config_;
    const Ops ops{options_.reference};
    const int64_t R = static_cast<int64_t>(rows.size());
    const int64_t D = c.hidden_size, H = c.num_attention_heads, nope = c.qk_nope_head_dim, rope = c.qk_rope_head_dim;
    const int64_t dqk = c.kv_lora_rank + rope, kvr = c.kv_lora_rank, dv = c.v_head_dim, qhd = c.qk_head_dim();
    const int64_t Hi = c.index_n_heads, di = c.index_head_dim;
    const float eps = static_cast<float>(c.rms_norm_eps);
    const float scale = static_cast<float>(c.softmax_scale());
    const float idx_scale = static_cast<float>(1.0 / std::sqrt(static_cast<double>(Hi)) / std::sqrt(static_cast<double>(di)));
    const int64_t topk = options_.index_topk > 0 ? options_.index_topk : c.index_topk;
    const RopeTable& rt = rope_;

    int64_t max_pos = 0;
    for (const Row& r : rows) {
        if (r.token < 0 || r.token >= c.vocab_size)
            throw InvalidInput("token id " + std::to_string(r.token) + " is outside the vocabulary [0, " + std::to_string(c.vocab_size) +
                               ")");
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
    if (options_.cuda) {
        check_cuda();
        return forward_cuda(rows, logit_rows);
    }
    // Grow every touched sequence's caches to hold the new positions.
    for (const Row& r : rows) {
        Sequence& s = *r.seq;
        if (s.layers_.empty()) s.layers_.resize(static_cast<size_t>(c.num_hidden_layers));
        for (auto& l : s.layers_) {
            const size_t need = static_cast<size_t>(r.pos + 1);
            if (l.kv.size() >= need * dqk) continue;
            if (l.kv.capacity() < need * dqk) {  // double, so appending a token is amortised O(1)
                const size_t cap = std::max(need, l.kv.capacity() / static_cast<size_t>(dqk) * 2);
                l.kv.reserve(cap * dqk);
                l.index_k.reserve(static_cast<size_t>(indexer_cache_size(static_cast<int64_t>(cap), di)));
            }
            l.kv.resize(need * dqk);
            l.index_k.resize(static_cast<size_t>(indexer_cache_size(static_cast<int64_t>(need), di)));
        }
    }
    if (record_selection)
        last_selection.assign(static_cast<size_t>(R), std::vector<std::vector<int32_t>>(static_cast<size_t>(c.num_hidden_layers)));

    std::vector<float> x(static_cast<size_t>(R * D));
    for (int64_t r = 0; r < R; ++r)
        for (int64_t i = 0; i < D; ++i) x[r * D + i] = load_as_f32(w_->embed.data, w_->embed.type, rows[r].token * D + i);

    // Scratch, reused by every layer; R rows (tokens of any sequences), row-major:
    //   x, xn, attn, ffn [R, D]        residual stream, its norm, the attention and FFN outputs
    //   qa   [R, q_lora_rank]          shared query latent (also feeds the indexer's query)
    //   q    [R, H, qhd]               per-head query: nope (qk_nope_head_dim) then rope dims
    //   kva  [R, dqk]                  the row appended to the latent cache: kv latent | rope key
    //   qfull[R, H, dqk]               query absorbed into latent space (W_UKᵀ q_nope) | rotated rope
    //   o    [R, H, kvr]               attention output in latent space, before W_UV
    //   ov   [R, H, dv]                per-head values after W_UV, the input of o_proj
    //   qi   [R, Hi, di], ki [R, di]   indexer queries and key; wi [R, Hi] its per-head weights
    // Per-head and per-expert temporaries live inside the parallel loops that own them.
    std::vector<float> xn(x.size()), qa(static_cast<size_t>(R * c.q_lora_rank)), q(static_cast<size_t>(R * H * qhd));
    std::vector<float> kva(static_cast<size_t>(R * dqk)), qfull(static_cast<size_t>(R * H * dqk)), o(static_cast<size_t>(R * H * kvr));
    std::vector<float> ov(static_cast<size_t>(R * H * dv)), attn(x.size()), ffn(x.size());
    std::vector<float> qi(static_cast<size_t>(R * Hi * di)), ki(static_cast<size_t>(R * di)), wi(static_cast<size_t>(R * Hi));

    for (int64_t l = 0; l < c.num_hidden_layers; ++l) {
        const LayerWeights& L = w_->layers[l];
        ops.rms(x.data(), L.input_norm, xn.data(), R, D, eps);
        // ---- shared query latent, MLA query, latent KV row ----
        ops.matmul(xn.data(), L.q_a, qa.data(), R);
        ops.rms(qa.data(), L.q_a_norm, qa.data(), R, c.q_lora_rank, eps);
        ops.matmul(qa.data(), L.q_b, q.data(), R);
        ops.matmul(xn.data(), L.kv_a, kva.data(), R);
        for (int64_t r = 0; r < R; ++r) ops.rms(kva.data() + r * dqk, L.kv_a_norm, kva.data() + r * dqk, 1, kvr, eps);  // latent only
        // ---- indexer query, key and head weights ----
        ops.matmul(qa.data(), L.idx_wq_b, qi.data(), R);
        ops.matmul(xn.data(), L.idx_wk, ki.data(), R);
        ops.layer_norm(ki.data(), L.idx_k_norm_w, L.idx_k_norm_b, R, di);
        ops.matmul(xn.data(), L.idx_weights_proj, wi.data(), R);
        for (int64_t r = 0; r < R; ++r) {
            const int64_t pos = rows[r].pos;
            for (int64_t h = 0; h < Hi; ++h) rope_half(qi.data() + (r * Hi + h) * di, rt, pos);
            rope_half(ki.data() + r * di, rt, pos);
            for (int64_t h = 0; h < Hi; ++h) wi[r * Hi + h] *= idx_scale;
            auto& cache = rows[r].seq->layers_[l];
            float* kvrow = cache.kv.data() + pos * dqk;
            std::copy(kva.begin() + r * dqk, kva.begin() + (r + 1) * dqk, kvrow);
            rope_interleaved(kvrow + kvr, rt, pos);
            for (int64_t i = 0; i < di; ++i) cache.index_k[indexer_key_offset(pos, i, di)] = f32_to_bf16(ki[r * di + i]);
        }
        // ---- absorb q_nope into the latent space: qA[h] = W_UK[h]ᵀ q_nope[h] ----
        ops.rows(H, [&](int64_t h) {
            std::vector<float> qn(static_cast<size_t>(R * nope)), qA(static_cast<size_t>(R * kvr));
            for (int64_t r = 0; r < R; ++r) std::copy_n(q.begin() + (r * H + h) * qhd, nope, qn.begin() + r * nope);
            ops.matmul(qn.data(), L.uk_t[h], qA.data(), R);
            for (int64_t r = 0; r < R; ++r) {
                float* dst = qfull.data() + (r * H + h) * dqk;
                std::copy_n(qA.begin() + r * kvr, kvr, dst);
                std::copy_n(q.begin() + (r * H + h) * qhd + nope, rope, dst + kvr);
                rope_interleaved(dst + kvr, rt, rows[r].pos);
            }
        });
        // ---- DSA: indexer scores, top-k, sparse attention over the selected latents ----
        ops.rows(R, [&](int64_t r) {
            const int64_t pos = rows[r].pos, n_kv = pos + 1;
            auto& cache = rows[r].seq->layers_[l];
            std::vector<int32_t> sel;
            const bool dense = options_.dense || n_kv <= topk;
            if (!dense) {
                std::vector<float> scores(static_cast<size_t>(n_kv));
                ops.indexer({qi.data() + r * Hi * di, wi.data() + r * Hi, cache.index_k.data(), scores.data(), n_kv, Hi, di});
                sel = ops.topk(scores.data(), n_kv, topk);
            }
            MlaAttentionParams p{qfull.data() + r * H * dqk,
                                 cache.kv.data(),
                                 dense ? nullptr : sel.data(),
                                 o.data() + r * H * kvr,
                                 static_cast<int64_t>(sel.size()),
                                 n_kv,
                                 H,
                                 dqk,
                                 kvr,
                                 scale};
            ops.attention(p);
            if (record_selection) last_selection[r][l] = std::move(sel);
        });
        // ---- values and output projection: u = W_O · concat_h(W_UV[h] o[h]) ----
        ops.rows(H, [&](int64_t h) {
            std::vector<float> oh(static_cast<size_t>(R * kvr)), vh(static_cast<size_t>(R * dv));
            for (int64_t r = 0; r < R; ++r) std::copy_n(o.begin() + (r * H + h) * kvr, kvr, oh.begin() + r * kvr);
            ops.matmul(oh.data(), L.kv_b.slice_rows(h * (nope + dv) + nope, dv), vh.data(), R);
            for (int64_t r = 0; r < R; ++r) std::copy_n(vh.begin() + r * dv, dv, ov.begin() + (r * H + h) * dv);
        });
        ops.matmul(ov.data(), L.o_proj, attn.data(), R);
        for (size_t i = 0; i < x.size(); ++i) x[i] += attn[i];
        // ---- FFN ----
        ops.rms(x.data(), L.post_attention_norm, xn.data(), R, D, eps);
        if (!L.moe) {
            mlp(ops, L.mlp, xn.data(), ffn.data(), R);
        } else {
            std::fill(ffn.begin(), ffn.end(), 0.0f);
            if (L.has_shared) mlp(ops, L.shared, xn.data(), ffn.data(), R);
            std::vector<float> logits(static_cast<size_t>(R * c.n_routed_experts));
            ops.matmul(xn.data(), L.router, logits.data(), R);
            const MoeRoutingParams mp{c.n_routed_experts,    c.n_group,        c.topk_group,
                                      c.num_experts_per_tok, c.norm_topk_prob, static_cast<float>(c.routed_scaling_factor)};
            // Rows grouped by expert, so each expert's weights stream once per step.
            std::map<int32_t, std::vector<std::pair<int64_t, float>>> by_expert;
            for (int64_t r = 0; r < R; ++r)
                for (const auto& ch : moe_route_cpu(logits.data() + r * c.n_routed_experts, L.router_bias.data(), mp))
                    by_expert[ch.expert].push_back({r, ch.weight});
            for (const auto& [e, members] : by_expert) {
                const int64_t n = static_cast<int64_t>(members.size());
                std::vector<float> xin(static_cast<size_t>(n * D)), out(static_cast<size_t>(n * D));
                for (int64_t i = 0; i < n; ++i) std::copy_n(xn.begin() + members[i].first * D, D, xin.begin() + i * D);
                mlp(ops, L.experts[e], xin.data(), out.data(), n);
                for (int64_t i = 0; i < n; ++i)
                    for (int64_t j = 0; j < D; ++j) ffn[members[i].first * D + j] += members[i].second * out[i * D + j];
            }
        }
        for (size_t i = 0; i < x.size(); ++i) x[i] += ffn[i];
    }
    record_tokens(rows);

    const int64_t n_out = static_cast<int64_t>(logit_rows.size());
    std::vector<float> sel_x(static_cast<size_t>(n_out * D)), logits(static_cast<size_t>(n_out * c.vocab_size));
    for (int64_t i = 0; i < n_out; ++i) std::copy_n(x.begin() + logit_rows[i] * D, D, sel_x.begin() + i * D);
    ops.rms(sel_x.data(), w_->final_norm, sel_x.data(), n_out, D, eps);
    ops.matmul(sel_x.data(), w_->lm_head, logits.data(), n_out);
    return logits;
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
        check_cuda();
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
