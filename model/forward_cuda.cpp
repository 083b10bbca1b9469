// The GPU backend of the forward pass: each step an op of kernels/cuda/device_ops.hpp over
// device-resident weights, caches and activations, on the default stream in issue order. Only
// what the host must decide comes back: the router logits of MoE layers (routing runs on the
// CPU, then each chosen expert runs on the device over its rows), the selections when recorded,
// and the logits. Weights are uploaded on first use, as bf16 or f32 as the checkpoint holds them
// (FP8 checkpoints arrive here already dequantized to bf16).
#include <algorithm>
#include <array>
#include <map>
#include <unordered_map>

#include "common/errors.hpp"
#include "kernels/cuda/device_ops.hpp"
#include "kernels/cuda/dsa_cuda.hpp"
#include "kernels/dsa/lightning_indexer.hpp"
#include "model/forward_backend.hpp"

namespace envforge::model {

namespace cu = kernels::cuda;
using kernels::dtype_size;

namespace {

// Scratch names, one per activation.
const char* act_name(Act a) {
    static const char* const names[kActCount] = {"x", "xn", "qa", "q", "kva", "qfull", "o", "ov", "qi", "ki", "wi", "attn", "ffn"};
    return names[static_cast<int>(a)];
}

}  // namespace

class CudaForward final : public ForwardBackend {
public:
    CudaForward(const ModelConfig& c, const ModelWeights& w) : c_(c) {
        if (!cu::available()) throw InvalidInput("the GPU engine needs a CUDA device: " + cu::describe_device());
        for (const LayerWeights& lw : w.layers) {
            max_ffn_width_ = std::max({max_ffn_width_, lw.mlp.gate.rows, lw.shared.gate.rows});
            for (const MlpWeights& e : lw.experts) max_ffn_width_ = std::max(max_ffn_width_, e.gate.rows);
        }
    }

    void begin(const std::vector<ForwardRow>& rows, const PassSettings& s, const kernels::RopeTable& rope) override;

    void embed(const Matrix& table) override {
        cu::embed(matrix(table), table.type, upload("tokens", tokens_), at(Act::x), R_, c_.hidden_size);
    }

    void matmul(Act in, const Matrix& w, Act out) override {
        cu::matmul(at(in), act_width(c_, in), matrix(w), w.type, at(out), act_width(c_, out), R_, w.rows, w.cols);
    }

    void add(Act x, Act y) override { cu::add(at(x), at(y), R_ * act_width(c_, x)); }
    void zero(Act x) override { cu::zero(at(x), R_ * act_width(c_, x)); }

    void rms_norm(Act in, const std::vector<float>& w, Act out, int64_t d) override {
        cu::rms_norm(at(in), vec(w), at(out), R_, d, act_width(c_, in), s_.eps);
    }

    void layer_norm(Act x, const std::vector<float>& w, const std::vector<float>& b) override {
        cu::layer_norm(at(x), vec(w), vec(b), R_, act_width(c_, x), 1e-6f);
    }

    void append_to_caches(int64_t layer) override;
    void absorb_queries(const LayerWeights& w) override;
    void sparse_attention(int64_t layer, Selections* record) override;
    void project_values(const LayerWeights& w) override;

    void mlp(const MlpWeights& m, Act in, Act out) override { run_mlp(m, at(in), at(out), R_); }

    std::vector<float> router_logits(Act in, const Matrix& router) override {
        cu::matmul(at(in), act_width(c_, in), matrix(router), router.type, router_, router.rows, R_, router.rows, router.cols);
        std::vector<float> logits(static_cast<size_t>(R_ * router.rows));
        scratch_["router"].download(logits.data(), logits.size() * 4);
        return logits;
    }

    // Uploads are ordered after the previous expert's kernels on the default stream, so one pair
    // of index and weight arrays serves every expert.
    void add_expert(const MlpWeights& m, Act in, Act out, const ExpertRows& e) override {
        const int64_t n = static_cast<int64_t>(e.rows.size()), D = c_.hidden_size;
        scratch_["members"].upload(e.rows.data(), static_cast<size_t>(n) * 4);
        scratch_["member_weights"].upload(e.weights.data(), static_cast<size_t>(n) * 4);
        cu::gather_rows(xin_, at(in), members_, n, D);
        run_mlp(m, xin_, xout_, n);
        cu::scatter_add_rows(at(out), xout_, members_, member_weights_, n, D);
    }

    std::vector<float> logits(const std::vector<int64_t>& rows, const std::vector<float>& norm, const Matrix& head) override;

private:
    // The device copy of a host tensor, uploaded on first use.
    const void* resident(const void* host, size_t bytes) {
        auto [it, fresh] = tensors_.try_emplace(host);
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
        cu::DeviceBuffer& b = scratch_[name];
        b.reserve(static_cast<size_t>(std::max<int64_t>(n, 1)) * sizeof(T));
        return b.as<T>();
    }
    template <class T>
    T* upload(const std::string& name, const std::vector<T>& host) {
        T* p = buf<T>(name, static_cast<int64_t>(host.size()));
        scratch_[name].upload(host.data(), host.size() * sizeof(T));
        return p;
    }
    float* at(Act a) const { return act_[static_cast<int>(a)]; }
    // down(silu(gate(x)) · up(x)) for n rows, through g and u.
    void run_mlp(const MlpWeights& m, const float* in, float* out, int64_t n) {
        const int64_t width = m.gate.rows, D = c_.hidden_size;
        cu::matmul(in, D, matrix(m.gate), m.gate.type, g_, width, n, width, D);
        cu::matmul(in, D, matrix(m.up), m.up.type, u_, width, n, width, D);
        cu::silu_mul(g_, u_, n * width);
        cu::matmul(g_, width, matrix(m.down), m.down.type, out, D, n, D, width);
    }
    void upload_rope(const kernels::RopeTable& rope);
    void place_rows(const std::vector<ForwardRow>& rows);
    void allocate_scratch();

    const ModelConfig& c_;
    std::unordered_map<const void*, cu::DeviceBuffer> tensors_;  // by the host tensor's address
    cu::DeviceBuffer cos_, sin_;
    int64_t rope_positions_ = 0;
    std::map<std::string, cu::DeviceBuffer> scratch_;
    int64_t max_ffn_width_ = 1;  // the widest gate/up of any FFN (dense, shared or expert)

    // The pass in progress: its rows, their caches' device addresses per layer and row, and the
    // scratch arrays.
    const std::vector<ForwardRow>* rows_ = nullptr;
    PassSettings s_;
    int64_t R_ = 0, max_attended_ = 1, max_kv_ = 1;
    std::vector<float*> kv_ptr_;
    std::vector<uint16_t*> key_ptr_;
    std::vector<int32_t> tokens_;
    float* const* kv_dev_ = nullptr;
    uint16_t* const* key_dev_ = nullptr;
    const int64_t* pos_dev_ = nullptr;
    std::array<float*, kActCount> act_{};
    float *scores_ = nullptr, *att_scratch_ = nullptr, *g_ = nullptr, *u_ = nullptr, *xin_ = nullptr, *xout_ = nullptr;
    float *router_ = nullptr, *member_weights_ = nullptr;
    int32_t *sel_ = nullptr, *members_ = nullptr;
};

void CudaForward::begin(const std::vector<ForwardRow>& rows, const PassSettings& s, const kernels::RopeTable& rope) {
    rows_ = &rows;
    s_ = s;
    R_ = static_cast<int64_t>(rows.size());
    upload_rope(rope);
    place_rows(rows);
    allocate_scratch();
}

void CudaForward::upload_rope(const kernels::RopeTable& rope) {
    if (rope_positions_ >= rope.max_pos()) return;
    cos_ = cu::DeviceBuffer(rope.cos.size() * 4);
    cos_.upload(rope.cos.data(), rope.cos.size() * 4);
    sin_ = cu::DeviceBuffer(rope.sin.size() * 4);
    sin_.upload(rope.sin.data(), rope.sin.size() * 4);
    rope_positions_ = rope.max_pos();
}

// Grows every touched sequence's device caches to hold the new positions, then takes their
// addresses (growing may move them), per layer and row, for the append kernel.
void CudaForward::place_rows(const std::vector<ForwardRow>& rows) {
    const int64_t L = c_.num_hidden_layers, dqk = c_.kv_lora_rank + c_.qk_rope_head_dim, di = c_.index_head_dim;
    max_attended_ = max_kv_ = 1;
    for (const ForwardRow& r : rows) {
        Sequence& s = *r.seq;
        s.device_layers_.resize(static_cast<size_t>(L));
        for (auto& l : s.device_layers_) {
            l.kv.reserve(static_cast<size_t>((r.pos + 1) * dqk * 4));
            l.index_k.reserve(static_cast<size_t>(kernels::indexer_cache_size(r.pos + 1, di) * 2));
        }
        const bool dense = s_.dense || r.pos + 1 <= s_.topk;
        max_attended_ = std::max(max_attended_, dense ? r.pos + 1 : s_.topk);
        max_kv_ = std::max(max_kv_, r.pos + 1);
    }
    kv_ptr_.assign(static_cast<size_t>(L * R_), nullptr);
    key_ptr_.assign(kv_ptr_.size(), nullptr);
    tokens_.resize(static_cast<size_t>(R_));
    std::vector<int64_t> pos(static_cast<size_t>(R_));
    for (int64_t r = 0; r < R_; ++r) {
        tokens_[r] = rows[r].token;
        pos[r] = rows[r].pos;
        for (int64_t l = 0; l < L; ++l) {
            kv_ptr_[l * R_ + r] = rows[r].seq->device_layers_[l].kv.as<float>();
            key_ptr_[l * R_ + r] = rows[r].seq->device_layers_[l].index_k.as<uint16_t>();
        }
    }
    kv_dev_ = upload("kv_ptr", kv_ptr_);
    key_dev_ = upload("key_ptr", key_ptr_);
    pos_dev_ = upload("pos", pos);
}

void CudaForward::allocate_scratch() {
    const int64_t H = c_.num_attention_heads;
    auto act = [&](Act a) { act_[static_cast<int>(a)] = buf<float>(std::string(act_name(a)), R_ * act_width(c_, a)); };
    for (Act a : {Act::x, Act::xn, Act::attn, Act::ffn, Act::qa, Act::q, Act::kva, Act::qfull, Act::o, Act::ov, Act::qi, Act::ki, Act::wi})
        act(a);
    scores_ = buf<float>("scores", max_kv_);
    sel_ = buf<int32_t>("sel", s_.topk);
    att_scratch_ = buf<float>("att_scratch", H * max_attended_);
    g_ = buf<float>("g", R_ * max_ffn_width_);
    u_ = buf<float>("u", R_ * max_ffn_width_);
    xin_ = buf<float>("xin", R_ * c_.hidden_size);
    xout_ = buf<float>("xout", R_ * c_.hidden_size);
    router_ = buf<float>("router", R_ * std::max<int64_t>(c_.n_routed_experts, 1));
    members_ = buf<int32_t>("members", R_);
    member_weights_ = buf<float>("member_weights", R_);
}

void CudaForward::append_to_caches(int64_t layer) {
    const int64_t Hi = c_.index_n_heads, di = c_.index_head_dim, rope = c_.qk_rope_head_dim, kvr = c_.kv_lora_rank;
    const int64_t dqk = kvr + rope;
    const float *cos = cos_.as<float>(), *sin = sin_.as<float>();
    cu::rope(at(Act::qi), R_ * Hi, di, Hi, pos_dev_, cos, sin, rope, false);
    cu::rope(at(Act::ki), R_, di, 1, pos_dev_, cos, sin, rope, false);
    cu::scale(at(Act::wi), s_.idx_scale, R_ * Hi);
    cu::rope(at(Act::kva) + kvr, R_, dqk, 1, pos_dev_, cos, sin, rope, true);
    cu::append_cache(kv_dev_ + layer * R_, key_dev_ + layer * R_, pos_dev_, at(Act::kva), dqk, at(Act::ki), di, R_);
}

void CudaForward::absorb_queries(const LayerWeights& w) {
    const int64_t H = c_.num_attention_heads, nope = c_.qk_nope_head_dim, rope = c_.qk_rope_head_dim, qhd = c_.qk_head_dim();
    const int64_t kvr = c_.kv_lora_rank, dqk = kvr + rope;
    float *q = at(Act::q), *qfull = at(Act::qfull);
    for (int64_t h = 0; h < H; ++h)
        cu::matmul(q + h * qhd, H * qhd, matrix(w.uk_t[h]), w.uk_t[h].type, qfull + h * dqk, H * dqk, R_, w.uk_t[h].rows, w.uk_t[h].cols);
    cu::copy_rows(qfull + kvr, dqk, q + nope, qhd, R_ * H, rope);
    cu::rope(qfull + kvr, R_ * H, dqk, H, pos_dev_, cos_.as<float>(), sin_.as<float>(), rope, true);
}

// Per row: indexer scores, top-k, sparse attention over the selected latents.
void CudaForward::sparse_attention(int64_t layer, Selections* record) {
    const int64_t H = c_.num_attention_heads, kvr = c_.kv_lora_rank, dqk = kvr + c_.qk_rope_head_dim;
    const int64_t Hi = c_.index_n_heads, di = c_.index_head_dim;
    for (int64_t r = 0; r < R_; ++r) {
        const int64_t n_kv = (*rows_)[r].pos + 1;
        const bool dense = s_.dense || n_kv <= s_.topk;
        if (!dense) {
            cu::lightning_indexer_device(at(Act::qi) + r * Hi * di, at(Act::wi) + r * Hi, key_ptr_[layer * R_ + r], scores_, n_kv, Hi, di);
            cu::topk_device(scores_, n_kv, s_.topk, sel_);
        }
        cu::mla_attention_device(at(Act::qfull) + r * H * dqk, kv_ptr_[layer * R_ + r], dense ? nullptr : sel_, at(Act::o) + r * H * kvr,
                                 att_scratch_, dense ? n_kv : s_.topk, H, dqk, kvr, s_.scale);
        if (record && !dense) {
            auto& out = (*record)[r][layer];
            out.resize(static_cast<size_t>(s_.topk));
            scratch_["sel"].download(out.data(), out.size() * 4);
        }
    }
}

void CudaForward::project_values(const LayerWeights& w) {
    const int64_t H = c_.num_attention_heads, nope = c_.qk_nope_head_dim, kvr = c_.kv_lora_rank, dv = c_.v_head_dim;
    for (int64_t h = 0; h < H; ++h)
        cu::matmul(at(Act::o) + h * kvr, H * kvr, rows(w.kv_b, h * (nope + dv) + nope), w.kv_b.type, at(Act::ov) + h * dv, H * dv, R_, dv,
                   kvr);
}

std::vector<float> CudaForward::logits(const std::vector<int64_t>& rows, const std::vector<float>& norm, const Matrix& head) {
    const int64_t n_out = static_cast<int64_t>(rows.size()), D = c_.hidden_size;
    std::vector<int32_t> want(rows.begin(), rows.end());
    float* sel_x = buf<float>("sel_x", n_out * D);
    float* logits_dev = buf<float>("logits", n_out * head.rows);
    cu::gather_rows(sel_x, at(Act::x), upload("logit_rows", want), n_out, D);
    cu::rms_norm(sel_x, vec(norm), sel_x, n_out, D, D, s_.eps);
    cu::matmul(sel_x, D, matrix(head), head.type, logits_dev, head.rows, n_out, head.rows, D);
    std::vector<float> out(static_cast<size_t>(n_out * head.rows));
    scratch_["logits"].download(out.data(), out.size() * 4);  // waits for the whole pass
    return out;
}

std::unique_ptr<ForwardBackend> make_cuda_backend(const ModelConfig& c, const ModelWeights& w) {
    return std::make_unique<CudaForward>(c, w);
}

}  // namespace envforge::model
