// The CPU backend of the forward pass: activations and caches in host memory, the fast kernels
// (or their plain-loop oracles for reference runs). Several rows run in parallel where each is
// independent (attention); a single row parallelises inside the kernels.
#include <algorithm>
#include <array>
#include <cmath>

#include "kernels/dsa/lightning_indexer.hpp"
#include "kernels/dsa/mla_attention.hpp"
#include "kernels/dsa/topk.hpp"
#include "kernels/matmul.hpp"
#include "kernels/norm.hpp"
#include "kernels/parallel.hpp"
#include "model/forward_backend.hpp"

namespace envforge::model {

using namespace envforge::kernels;

int64_t act_width(const ModelConfig& c, Act a) {
    const int64_t H = c.num_attention_heads, dqk = c.kv_lora_rank + c.qk_rope_head_dim;
    switch (a) {
        case Act::x:
        case Act::xn:
        case Act::attn:
        case Act::ffn: return c.hidden_size;
        case Act::qa: return c.q_lora_rank;
        case Act::q: return H * c.qk_head_dim();
        case Act::kva: return dqk;
        case Act::qfull: return H * dqk;
        case Act::o: return H * c.kv_lora_rank;
        case Act::ov: return H * c.v_head_dim;
        case Act::qi: return c.index_n_heads * c.index_head_dim;
        case Act::ki: return c.index_head_dim;
        case Act::wi: return c.index_n_heads;
    }
    return 0;
}

namespace {

float silu(float x) { return x / (1.0f + std::exp(-x)); }

}  // namespace

class CpuForward final : public ForwardBackend {
public:
    explicit CpuForward(const ModelConfig& c) : c_(c) {}

    void begin(const std::vector<ForwardRow>& rows, const PassSettings& s, const RopeTable& rope) override {
        rows_ = &rows;
        s_ = s;
        rope_ = &rope;
        R_ = static_cast<int64_t>(rows.size());
        for (const ForwardRow& r : rows) grow_caches(*r.seq, r.pos + 1);
        for (int a = 0; a < kActCount; ++a) act_[a].resize(static_cast<size_t>(R_ * act_width(c_, static_cast<Act>(a))));
    }

    void embed(const Matrix& table) override {
        const int64_t D = c_.hidden_size;
        float* x = at(Act::x);
        for (int64_t r = 0; r < R_; ++r)
            for (int64_t i = 0; i < D; ++i) x[r * D + i] = load_as_f32(table.data, table.type, (*rows_)[r].token * D + i);
    }

    void matmul(Act in, const Matrix& w, Act out) override { mm(at(in), w, at(out), R_); }

    void add(Act x, Act y) override {
        float* a = at(x);
        const float* b = at(y);
        const size_t n = act_[static_cast<int>(x)].size();
        for (size_t i = 0; i < n; ++i) a[i] += b[i];
    }

    void zero(Act x) override { std::fill(act_[static_cast<int>(x)].begin(), act_[static_cast<int>(x)].end(), 0.0f); }

    void rms_norm(Act in, const std::vector<float>& w, Act out, int64_t d) override {
        const int64_t width = act_width(c_, in);
        if (d == width) return rms(at(in), w, at(out), R_, d);
        for (int64_t r = 0; r < R_; ++r) rms(at(in) + r * width, w, at(out) + r * width, 1, d);
    }

    void layer_norm(Act x, const std::vector<float>& w, const std::vector<float>& b) override {
        NormParams p{at(x), w.data(), b.data(), at(x), R_, act_width(c_, x), 1e-6f};
        s_.reference ? layer_norm_cpu(p) : layer_norm_fast(p);
    }

    void append_to_caches(int64_t layer) override;
    void absorb_queries(const LayerWeights& w) override;
    void sparse_attention(int64_t layer, Selections* record) override;
    void project_values(const LayerWeights& w) override;

    void mlp(const MlpWeights& m, Act in, Act out) override { run_mlp(m, at(in), at(out), R_); }

    std::vector<float> router_logits(Act in, const Matrix& router) override {
        std::vector<float> logits(static_cast<size_t>(R_ * router.rows));
        mm(at(in), router, logits.data(), R_);
        return logits;
    }

    void add_expert(const MlpWeights& m, Act in, Act out, const ExpertRows& e) override {
        const int64_t D = c_.hidden_size, n = static_cast<int64_t>(e.rows.size());
        std::vector<float> xin(static_cast<size_t>(n * D)), y(static_cast<size_t>(n * D));
        for (int64_t i = 0; i < n; ++i) std::copy_n(at(in) + e.rows[i] * D, D, xin.begin() + i * D);
        run_mlp(m, xin.data(), y.data(), n);
        float* o = at(out);
        for (int64_t i = 0; i < n; ++i)
            for (int64_t j = 0; j < D; ++j) o[e.rows[i] * D + j] += e.weights[i] * y[i * D + j];
    }

    std::vector<float> logits(const std::vector<int64_t>& rows, const std::vector<float>& norm, const Matrix& head) override {
        const int64_t D = c_.hidden_size, n = static_cast<int64_t>(rows.size());
        std::vector<float> x(static_cast<size_t>(n * D)), out(static_cast<size_t>(n * head.rows));
        for (int64_t i = 0; i < n; ++i) std::copy_n(at(Act::x) + rows[i] * D, D, x.begin() + i * D);
        rms(x.data(), norm, x.data(), n, D);
        mm(x.data(), head, out.data(), n);
        return out;
    }

private:
    float* at(Act a) { return act_[static_cast<int>(a)].data(); }
    void mm(const float* x, const Matrix& w, float* y, int64_t n) const {
        MatmulParams p{x, w.data, w.type, y, n, w.rows, w.cols};
        s_.reference ? matmul_cpu(p) : matmul_fast(p);
    }
    void rms(const float* x, const std::vector<float>& w, float* out, int64_t n, int64_t d) const {
        NormParams p{x, w.data(), nullptr, out, n, d, s_.eps};
        s_.reference ? rms_norm_cpu(p) : rms_norm_fast(p);
    }
    // down(silu(gate(x)) * up(x)) for n rows.
    void run_mlp(const MlpWeights& m, const float* x, float* out, int64_t n) const {
        std::vector<float> g(static_cast<size_t>(n * m.gate.rows)), u(g.size());
        mm(x, m.gate, g.data(), n);
        mm(x, m.up, u.data(), n);
        for (size_t i = 0; i < g.size(); ++i) g[i] = silu(g[i]) * u[i];
        mm(g.data(), m.down, out, n);
    }
    // Runs fn(r) for every r below n; in parallel when there are several (the kernels then run
    // on one thread each), else the kernels parallelise inside.
    template <class F>
    void each(int64_t n, F&& fn) const {
        if (n == 1 || s_.reference) {
            for (int64_t r = 0; r < n; ++r) fn(r);
            return;
        }
        parallel_for(n, 1, [&](int64_t b, int64_t e) {
            for (int64_t r = b; r < e; ++r) fn(r);
        });
    }
    void grow_caches(Sequence& s, int64_t need_pos);

    const ModelConfig& c_;
    const std::vector<ForwardRow>* rows_ = nullptr;
    PassSettings s_;
    const RopeTable* rope_ = nullptr;
    int64_t R_ = 0;
    std::array<std::vector<float>, kActCount> act_;
};

// Grows a sequence's caches to `need` positions; doubling, so appending a token is amortised O(1).
void CpuForward::grow_caches(Sequence& s, int64_t need_pos) {
    const size_t dqk = static_cast<size_t>(c_.kv_lora_rank + c_.qk_rope_head_dim), need = static_cast<size_t>(need_pos);
    const int64_t di = c_.index_head_dim;
    if (s.layers_.empty()) s.layers_.resize(static_cast<size_t>(c_.num_hidden_layers));
    for (auto& l : s.layers_) {
        if (l.kv.size() >= need * dqk) continue;
        if (l.kv.capacity() < need * dqk) {
            const size_t cap = std::max(need, l.kv.capacity() / dqk * 2);
            l.kv.reserve(cap * dqk);
            l.index_k.reserve(static_cast<size_t>(indexer_cache_size(static_cast<int64_t>(cap), di)));
        }
        l.kv.resize(need * dqk);
        l.index_k.resize(static_cast<size_t>(indexer_cache_size(need_pos, di)));
    }
}

void CpuForward::append_to_caches(int64_t layer) {
    const int64_t Hi = c_.index_n_heads, di = c_.index_head_dim, kvr = c_.kv_lora_rank, dqk = kvr + c_.qk_rope_head_dim;
    float *qi = at(Act::qi), *ki = at(Act::ki), *wi = at(Act::wi), *kva = at(Act::kva);
    for (int64_t r = 0; r < R_; ++r) {
        const int64_t pos = (*rows_)[r].pos;
        for (int64_t h = 0; h < Hi; ++h) rope_half(qi + (r * Hi + h) * di, *rope_, pos);
        rope_half(ki + r * di, *rope_, pos);
        for (int64_t h = 0; h < Hi; ++h) wi[r * Hi + h] *= s_.idx_scale;
        auto& cache = (*rows_)[r].seq->layers_[layer];
        float* kvrow = cache.kv.data() + pos * dqk;
        std::copy(kva + r * dqk, kva + (r + 1) * dqk, kvrow);
        rope_interleaved(kvrow + kvr, *rope_, pos);
        for (int64_t i = 0; i < di; ++i) cache.index_k[indexer_key_offset(pos, i, di)] = f32_to_bf16(ki[r * di + i]);
    }
}

void CpuForward::absorb_queries(const LayerWeights& w) {
    const int64_t H = c_.num_attention_heads, nope = c_.qk_nope_head_dim, rope = c_.qk_rope_head_dim, qhd = c_.qk_head_dim();
    const int64_t kvr = c_.kv_lora_rank, dqk = kvr + rope;
    const float* q = at(Act::q);
    float* qfull = at(Act::qfull);
    each(H, [&](int64_t h) {
        std::vector<float> qn(static_cast<size_t>(R_ * nope)), qA(static_cast<size_t>(R_ * kvr));
        for (int64_t r = 0; r < R_; ++r) std::copy_n(q + (r * H + h) * qhd, nope, qn.begin() + r * nope);
        mm(qn.data(), w.uk_t[h], qA.data(), R_);
        for (int64_t r = 0; r < R_; ++r) {
            float* dst = qfull + (r * H + h) * dqk;
            std::copy_n(qA.begin() + r * kvr, kvr, dst);
            std::copy_n(q + (r * H + h) * qhd + nope, rope, dst + kvr);
            rope_interleaved(dst + kvr, *rope_, (*rows_)[r].pos);
        }
    });
}

void CpuForward::sparse_attention(int64_t layer, Selections* record) {
    const int64_t H = c_.num_attention_heads, kvr = c_.kv_lora_rank, dqk = kvr + c_.qk_rope_head_dim;
    const int64_t Hi = c_.index_n_heads, di = c_.index_head_dim;
    each(R_, [&](int64_t r) {
        const int64_t n_kv = (*rows_)[r].pos + 1;
        auto& cache = (*rows_)[r].seq->layers_[layer];
        std::vector<int32_t> sel;
        const bool dense = s_.dense || n_kv <= s_.topk;
        if (!dense) {
            std::vector<float> scores(static_cast<size_t>(n_kv));
            IndexerParams p{at(Act::qi) + r * Hi * di, at(Act::wi) + r * Hi, cache.index_k.data(), scores.data(), n_kv, Hi, di};
            s_.reference ? lightning_indexer_cpu(p) : lightning_indexer_fast(p);
            sel = s_.reference ? topk_indices_cpu(scores.data(), n_kv, s_.topk) : topk_indices_fast(scores.data(), n_kv, s_.topk);
        }
        MlaAttentionParams p{at(Act::qfull) + r * H * dqk,
                             cache.kv.data(),
                             dense ? nullptr : sel.data(),
                             at(Act::o) + r * H * kvr,
                             static_cast<int64_t>(sel.size()),
                             n_kv,
                             H,
                             dqk,
                             kvr,
                             s_.scale};
        s_.reference ? mla_attention_cpu(p) : mla_attention_fast(p);
        if (record) (*record)[r][layer] = std::move(sel);
    });
}

void CpuForward::project_values(const LayerWeights& w) {
    const int64_t H = c_.num_attention_heads, nope = c_.qk_nope_head_dim, kvr = c_.kv_lora_rank, dv = c_.v_head_dim;
    const float* o = at(Act::o);
    float* ov = at(Act::ov);
    each(H, [&](int64_t h) {
        std::vector<float> oh(static_cast<size_t>(R_ * kvr)), vh(static_cast<size_t>(R_ * dv));
        for (int64_t r = 0; r < R_; ++r) std::copy_n(o + (r * H + h) * kvr, kvr, oh.begin() + r * kvr);
        mm(oh.data(), w.kv_b.slice_rows(h * (nope + dv) + nope, dv), vh.data(), R_);
        for (int64_t r = 0; r < R_; ++r) std::copy_n(vh.begin() + r * dv, dv, ov + (r * H + h) * dv);
    });
}

std::unique_ptr<ForwardBackend> make_cpu_backend(const ModelConfig& c) { return std::make_unique<CpuForward>(c); }

}  // namespace envforge::model
