// The forward pass on an NVIDIA GPU: transformer.cpp's steps in the same order, each an op of
// kernels/cuda/device_ops.hpp over device-resident weights, caches and activations. Only what the
// host must decide comes back: the router logits of MoE layers (routing runs on the CPU, then
// each chosen expert runs on the device over its rows), the selections when recorded, and the
// logits. Weights are uploaded on the first forward pass, as bf16 or f32 as the checkpoint holds
// them (FP8 checkpoints arrive here already dequantized to bf16).
#include <algorithm>
#include <cmath>
#include <map>
#include <unordered_map>

#include "common/errors.hpp"
#include "kernels/cuda/device_ops.hpp"
#include "kernels/cuda/dsa_cuda.hpp"
#include "kernels/dsa/lightning_indexer.hpp"
#include "kernels/moe_routing.hpp"
#include "model/transformer.hpp"
#include "model/weights.hpp"

namespace envforge::model {

namespace cu = kernels::cuda;
using kernels::dtype_size;

struct Transformer::DeviceState {
    std::unordered_map<const void*, cu::DeviceBuffer> tensors;  // by the host tensor's address
    cu::DeviceBuffer cos, sin;
    int64_t rope_positions = 0;
    std::map<std::string, cu::DeviceBuffer> scratch;
    int64_t max_ffn_width = 1;  // the widest gate/up of any FFN (dense, shared or expert)

    // The device copy of a host tensor, uploaded on first use.
    const void* resident(const void* host, size_t bytes) {
        auto [it, fresh] = tensors.try_emplace(host);
        if (fresh) {
            it->second = cu::DeviceBuffer(bytes);
            it->second.upload(host, bytes);
        }
        return it->second.get();
    }
    const void* matrix(const Matrix& m) { return resident(m.data, static_cast<size_t>(m.rows * m.cols * dtype_size(m.type))); }
    // Rows from r0 on of a matrix, on the device.
    const void* rows(const Matrix& m, int64_t r0) { return static_cast<const char*>(matrix(m)) + r0 * m.cols * dtype_size(m.type); }
    const float* vec(const std::vector<float>& v) { return static_cast<const float*>(resident(v.data(), v.size() * 4)); }
    // A scratch array of at least n elements. Each name is asked for once per forward pass (a
    // larger request reallocates, which would pull it from under queued kernels).
    template <class T>
    T* buf(const std::string& name, int64_t n) {
        cu::DeviceBuffer& b = scratch[name];
        b.reserve(static_cast<size_t>(std::max<int64_t>(n, 1)) * sizeof(T));
        return b.as<T>();
    }
    template <class T>
    T* upload(const std::string& name, const std::vector<T>& host) {
        T* p = buf<T>(name, static_cast<int64_t>(host.size()));
        scratch[name].upload(host.data(), host.size() * sizeof(T));
        return p;
    }
};

void Transformer::DeviceStateDeleter::operator()(DeviceState* d) const { delete d; }

void Transformer::check_cuda() {
    if (!options_.cuda || dev_) return;
    if (!cu::available()) throw InvalidInput("the GPU engine needs a CUDA device: " + cu::describe_device());
    dev_.reset(new DeviceState);
    for (const LayerWeights& lw : w_->layers) {
        dev_->max_ffn_width = std::max({dev_->max_ffn_width, lw.mlp.gate.rows, lw.shared.gate.rows});
        for (const MlpWeights& e : lw.experts) dev_->max_ffn_width = std::max(dev_->max_ffn_width, e.gate.rows);
    }
}

std::vector<float> Transformer::forward_cuda(const std::vector<Row>& rows, const std::vector<int64_t>& logit_rows) {
    const ModelConfig& c = config_;
    DeviceState& d = *dev_;
    const int64_t R = static_cast<int64_t>(rows.size()), L = c.num_hidden_layers;
    const int64_t D = c.hidden_size, H = c.num_attention_heads, nope = c.qk_nope_head_dim, rope = c.qk_rope_head_dim;
    const int64_t dqk = c.kv_lora_rank + rope, kvr = c.kv_lora_rank, dv = c.v_head_dim, qhd = c.qk_head_dim(), ql = c.q_lora_rank;
    const int64_t Hi = c.index_n_heads, di = c.index_head_dim;
    const float eps = static_cast<float>(c.rms_norm_eps);
    const float scale = static_cast<float>(c.softmax_scale());
    const float idx_scale = static_cast<float>(1.0 / std::sqrt(static_cast<double>(Hi)) / std::sqrt(static_cast<double>(di)));
    const int64_t topk = options_.index_topk > 0 ? options_.index_topk : c.index_topk;

    if (d.rope_positions < rope_.max_pos()) {
        d.cos = cu::DeviceBuffer(rope_.cos.size() * 4);
        d.cos.upload(rope_.cos.data(), rope_.cos.size() * 4);
        d.sin = cu::DeviceBuffer(rope_.sin.size() * 4);
        d.sin.upload(rope_.sin.data(), rope_.sin.size() * 4);
        d.rope_positions = rope_.max_pos();
    }
    const float* cos = d.cos.as<float>();
    const float* sin = d.sin.as<float>();

    // Grow every touched sequence's device caches to hold the new positions, then take their
    // addresses (growing may move them), per layer and row, for the append kernel.
    int64_t max_attended = 1, max_kv = 1;
    for (const Row& r : rows) {
        Sequence& s = *r.seq;
        s.device_layers_.resize(static_cast<size_t>(L));
        for (auto& l : s.device_layers_) {
            l.kv.reserve(static_cast<size_t>((r.pos + 1) * dqk * 4));
            l.index_k.reserve(static_cast<size_t>(kernels::indexer_cache_size(r.pos + 1, di) * 2));
        }
        const bool dense = options_.dense || r.pos + 1 <= topk;
        max_attended = std::max(max_attended, dense ? r.pos + 1 : topk);
        max_kv = std::max(max_kv, r.pos + 1);
    }
    std::vector<float*> kv_ptr(static_cast<size_t>(L * R));
    std::vector<uint16_t*> key_ptr(kv_ptr.size());
    std::vector<int32_t> tokens(static_cast<size_t>(R));
    std::vector<int64_t> pos(static_cast<size_t>(R));
    for (int64_t r = 0; r < R; ++r) {
        tokens[r] = rows[r].token;
        pos[r] = rows[r].pos;
        for (int64_t l = 0; l < L; ++l) {
            kv_ptr[l * R + r] = rows[r].seq->device_layers_[l].kv.as<float>();
            key_ptr[l * R + r] = rows[r].seq->device_layers_[l].index_k.as<uint16_t>();
        }
    }
    float* const* kv_dev = d.upload("kv_ptr", kv_ptr);
    uint16_t* const* key_dev = d.upload("key_ptr", key_ptr);
    const int64_t* pos_dev = d.upload("pos", pos);
    if (record_selection) last_selection.assign(static_cast<size_t>(R), std::vector<std::vector<int32_t>>(static_cast<size_t>(L)));

    // The scratch of transformer.cpp's forward, on the device, same shapes.
    float* x = d.buf<float>("x", R * D);
    float *xn = d.buf<float>("xn", R * D), *attn = d.buf<float>("attn", R * D), *ffn = d.buf<float>("ffn", R * D);
    float *qa = d.buf<float>("qa", R * ql), *q = d.buf<float>("q", R * H * qhd), *kva = d.buf<float>("kva", R * dqk);
    float *qfull = d.buf<float>("qfull", R * H * dqk), *o = d.buf<float>("o", R * H * kvr), *ov = d.buf<float>("ov", R * H * dv);
    float *qi = d.buf<float>("qi", R * Hi * di), *ki = d.buf<float>("ki", R * di), *wi = d.buf<float>("wi", R * Hi);
    float* scores = d.buf<float>("scores", max_kv);
    int32_t* sel = d.buf<int32_t>("sel", topk);
    float* att_scratch = d.buf<float>("att_scratch", H * max_attended);
    float *g = d.buf<float>("g", R * d.max_ffn_width), *u = d.buf<float>("u", R * d.max_ffn_width);
    float *xin = d.buf<float>("xin", R * D), *xout = d.buf<float>("xout", R * D);
    float* router = d.buf<float>("router", R * std::max<int64_t>(c.n_routed_experts, 1));
    int32_t* members_dev = d.buf<int32_t>("members", R);
    float* weights_dev = d.buf<float>("member_weights", R);

    // down(silu(gate(x)) · up(x)) for n rows, through g and u.
    auto mlp = [&](const MlpWeights& m, const float* in, float* out, int64_t n) {
        const int64_t width = m.gate.rows;
        cu::matmul(in, D, d.matrix(m.gate), m.gate.type, g, width, n, width, D);
        cu::matmul(in, D, d.matrix(m.up), m.up.type, u, width, n, width, D);
        cu::silu_mul(g, u, n * width);
        cu::matmul(g, width, d.matrix(m.down), m.down.type, out, D, n, D, width);
    };

    cu::embed(d.matrix(w_->embed), w_->embed.type, d.upload("tokens", tokens), x, R, D);
    for (int64_t l = 0; l < L; ++l) {
        const LayerWeights& W = w_->layers[l];
        auto mm = [&](const float* in, int64_t in_stride, const Matrix& m, float* out, int64_t out_stride, int64_t n) {
            cu::matmul(in, in_stride, d.matrix(m), m.type, out, out_stride, n, m.rows, m.cols);
        };
        cu::rms_norm(x, d.vec(W.input_norm), xn, R, D, D, eps);
        // ---- shared query latent, MLA query, latent KV row ----
        mm(xn, D, W.q_a, qa, ql, R);
        cu::rms_norm(qa, d.vec(W.q_a_norm), qa, R, ql, ql, eps);
        mm(qa, ql, W.q_b, q, H * qhd, R);
        mm(xn, D, W.kv_a, kva, dqk, R);
        cu::rms_norm(kva, d.vec(W.kv_a_norm), kva, R, kvr, dqk, eps);  // latent only
        // ---- indexer query, key and head weights; the new cache rows ----
        mm(qa, ql, W.idx_wq_b, qi, Hi * di, R);
        mm(xn, D, W.idx_wk, ki, di, R);
        cu::layer_norm(ki, d.vec(W.idx_k_norm_w), d.vec(W.idx_k_norm_b), R, di, 1e-6f);
        mm(xn, D, W.idx_weights_proj, wi, Hi, R);
        cu::rope(qi, R * Hi, di, Hi, pos_dev, cos, sin, rope, false);
        cu::rope(ki, R, di, 1, pos_dev, cos, sin, rope, false);
        cu::scale(wi, idx_scale, R * Hi);
        cu::rope(kva + kvr, R, dqk, 1, pos_dev, cos, sin, rope, true);
        cu::append_cache(kv_dev + l * R, key_dev + l * R, pos_dev, kva, dqk, ki, di, R);
        // ---- absorb q_nope into the latent space: qA[h] = W_UK[h]ᵀ q_nope[h]; then the rope part ----
        for (int64_t h = 0; h < H; ++h) mm(q + h * qhd, H * qhd, W.uk_t[h], qfull + h * dqk, H * dqk, R);
        cu::copy_rows(qfull + kvr, dqk, q + nope, qhd, R * H, rope);
        cu::rope(qfull + kvr, R * H, dqk, H, pos_dev, cos, sin, rope, true);
        // ---- DSA per row: indexer scores, top-k, sparse attention over the selected latents ----
        for (int64_t r = 0; r < R; ++r) {
            const int64_t n_kv = rows[r].pos + 1;
            const bool dense = options_.dense || n_kv <= topk;
            if (!dense) {
                cu::lightning_indexer_device(qi + r * Hi * di, wi + r * Hi, key_ptr[l * R + r], scores, n_kv, Hi, di);
                cu::topk_device(scores, n_kv, topk, sel);
            }
            cu::mla_attention_device(qfull + r * H * dqk, kv_ptr[l * R + r], dense ? nullptr : sel, o + r * H * kvr, att_scratch,
                                     dense ? n_kv : topk, H, dqk, kvr, scale);
            if (record_selection && !dense) {
                auto& out = last_selection[r][l];
                out.resize(static_cast<size_t>(topk));
                d.scratch["sel"].download(out.data(), out.size() * 4);
            }
        }
        // ---- values and output projection: u = W_O · concat_h(W_UV[h] o[h]) ----
        for (int64_t h = 0; h < H; ++h)
            cu::matmul(o + h * kvr, H * kvr, d.rows(W.kv_b, h * (nope + dv) + nope), W.kv_b.type, ov + h * dv, H * dv, R, dv, kvr);
        mm(ov, H * dv, W.o_proj, attn, D, R);
        cu::add(x, attn, R * D);
        // ---- FFN ----
        cu::rms_norm(x, d.vec(W.post_attention_norm), xn, R, D, D, eps);
        if (!W.moe) {
            mlp(W.mlp, xn, ffn, R);
        } else {
            cu::zero(ffn, R * D);
            if (W.has_shared) mlp(W.shared, xn, ffn, R);
            mm(xn, D, W.router, router, c.n_routed_experts, R);
            std::vector<float> logits(static_cast<size_t>(R * c.n_routed_experts));
            d.scratch["router"].download(logits.data(), logits.size() * 4);
            const kernels::MoeRoutingParams mp{c.n_routed_experts,    c.n_group,        c.topk_group,
                                               c.num_experts_per_tok, c.norm_topk_prob, static_cast<float>(c.routed_scaling_factor)};
            std::map<int32_t, std::pair<std::vector<int32_t>, std::vector<float>>> by_expert;
            for (int64_t r = 0; r < R; ++r)
                for (const auto& ch : kernels::moe_route_cpu(logits.data() + r * c.n_routed_experts, W.router_bias.data(), mp)) {
                    by_expert[ch.expert].first.push_back(static_cast<int32_t>(r));
                    by_expert[ch.expert].second.push_back(ch.weight);
                }
            // Uploads are ordered after the previous expert's kernels on the default stream, so
            // one pair of index and weight arrays serves every expert.
            for (const auto& [e, members] : by_expert) {
                const int64_t n = static_cast<int64_t>(members.first.size());
                d.scratch["members"].upload(members.first.data(), static_cast<size_t>(n) * 4);
                d.scratch["member_weights"].upload(members.second.data(), static_cast<size_t>(n) * 4);
                cu::gather_rows(xin, xn, members_dev, n, D);
                mlp(W.experts[e], xin, xout, n);
                cu::scatter_add_rows(ffn, xout, members_dev, weights_dev, n, D);
            }
        }
        cu::add(x, ffn, R * D);
    }
    record_tokens(rows);

    const int64_t n_out = static_cast<int64_t>(logit_rows.size());
    std::vector<int32_t> want(logit_rows.begin(), logit_rows.end());
    float* sel_x = d.buf<float>("sel_x", n_out * D);
    float* logits_dev = d.buf<float>("logits", n_out * c.vocab_size);
    cu::gather_rows(sel_x, x, d.upload("logit_rows", want), n_out, D);
    cu::rms_norm(sel_x, d.vec(w_->final_norm), sel_x, n_out, D, D, eps);
    cu::matmul(sel_x, D, d.matrix(w_->lm_head), w_->lm_head.type, logits_dev, c.vocab_size, n_out, c.vocab_size, D);
    std::vector<float> logits(static_cast<size_t>(n_out * c.vocab_size));
    d.scratch["logits"].download(logits.data(), logits.size() * 4);  // waits for the whole pass
    return logits;
}

}  // namespace envforge::model
