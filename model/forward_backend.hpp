// One forward pass, several backends. Transformer::forward (transformer.cpp) strings the steps of
// a DeepSeek-V3.2 layer together once — which weights feed which step, in which order — and a
// backend supplies each step over its own memory: the CPU (forward_cpu.cpp) or an NVIDIA GPU
// (forward_cuda.cpp, over kernels/cuda/device_ops.hpp; tests build it against a host emulation
// of those ops). As ggml-backend does for llama.cpp, a fix to the model is made once, and a new
// backend implements this interface and nothing else.
//
// A pass works on R rows (token, position, sequence) of named activations, each [R, width]
// row-major in the backend's memory. Only what the host must decide comes back: the router
// logits of MoE layers, the selections when recorded, and the logits.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "kernels/rope.hpp"
#include "model/config.hpp"
#include "model/transformer.hpp"
#include "model/weights.hpp"

namespace envforge::model {

// The activations of a pass:
//   x, xn, attn, ffn [D]     residual stream, its norm, the attention and FFN outputs
//   qa   [q_lora_rank]       shared query latent (also feeds the indexer's query)
//   q    [H, qhd]            per-head query: nope (qk_nope_head_dim) then rope dims
//   kva  [dqk]               the row appended to the latent cache: kv latent | rope key
//   qfull[H, dqk]            query absorbed into latent space (W_UKᵀ q_nope) | rotated rope
//   o    [H, kvr]            attention output in latent space, before W_UV
//   ov   [H, dv]             per-head values after W_UV, the input of o_proj
//   qi   [Hi, di], ki [di]   indexer queries and key; wi [Hi] its per-head weights
enum class Act { x, xn, qa, q, kva, qfull, o, ov, qi, ki, wi, attn, ffn };
constexpr int kActCount = 13;
int64_t act_width(const ModelConfig& c, Act a);

// What a pass needs beyond its rows, decided once by the orchestration.
struct PassSettings {
    bool dense = false;      // full causal attention
    bool reference = false;  // the CPU's plain-loop oracles
    int64_t topk = 0;        // positions each row attends to under DSA
    float eps = 0;           // RMSNorm epsilon
    float scale = 0;         // attention softmax scale
    float idx_scale = 0;     // the indexer's head-weight scale
};

// The rows routed to one expert and their routing weights.
struct ExpertRows {
    std::vector<int32_t> rows;
    std::vector<float> weights;
};

// [row][layer] -> attended positions (empty when the row attended densely).
using Selections = std::vector<std::vector<std::vector<int32_t>>>;

class ForwardBackend {
public:
    virtual ~ForwardBackend() = default;
    // Grows the rows' sequences' caches to hold their positions and sizes the activations.
    virtual void begin(const std::vector<ForwardRow>& rows, const PassSettings& s, const kernels::RopeTable& rope) = 0;
    virtual void embed(const Matrix& table) = 0;                // x = table[token]
    virtual void matmul(Act in, const Matrix& w, Act out) = 0;  // out = w · in, per row
    virtual void add(Act x, Act y) = 0;                         // x += y
    virtual void zero(Act x) = 0;                               // x = 0
    // RMSNorm of the first d columns of each row (all of them, or kva's latent part).
    virtual void rms_norm(Act in, const std::vector<float>& w, Act out, int64_t d) = 0;
    virtual void layer_norm(Act x, const std::vector<float>& w, const std::vector<float>& b) = 0;  // in place
    // Rotates qi, ki and kva's rope key, scales wi, and appends kva and ki at each row's
    // position of layer `layer`'s caches.
    virtual void append_to_caches(int64_t layer) = 0;
    // qfull = [W_UK[h]ᵀ q_nope[h] | rope(q_rope[h])] for every head.
    virtual void absorb_queries(const LayerWeights& w) = 0;
    // o = attention of qfull over each row's cache: dense, or DSA's indexer, top-k and sparse
    // attention; the selections into (*record)[row][layer] when record is given.
    virtual void sparse_attention(int64_t layer, Selections* record) = 0;
    virtual void project_values(const LayerWeights& w) = 0;                      // ov[h] = W_UV[h] o[h]
    virtual void mlp(const MlpWeights& m, Act in, Act out) = 0;                  // out = down(silu(gate(in)) · up(in))
    virtual std::vector<float> router_logits(Act in, const Matrix& router) = 0;  // [R, experts], to the host
    // out[row] += weight · mlp(in[row]) for the expert's rows.
    virtual void add_expert(const MlpWeights& m, Act in, Act out, const ExpertRows& rows) = 0;
    // The final norm and LM head of the chosen rows of x: [rows.size(), vocab], to the host.
    virtual std::vector<float> logits(const std::vector<int64_t>& rows, const std::vector<float>& norm, const Matrix& head) = 0;
};

std::unique_ptr<ForwardBackend> make_cpu_backend(const ModelConfig& c);
// Throws InvalidInput when no CUDA device is usable.
std::unique_ptr<ForwardBackend> make_cuda_backend(const ModelConfig& c, const ModelWeights& w);

}  // namespace envforge::model
