// The DeepSeek-V3.2 weights of a checkpoint, bound by their HF names and checked against the
// configuration: every tensor present with its expected shape, nothing unexpected.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "kernels/dtype.hpp"
#include "model/config.hpp"

namespace envforge::model {

class Checkpoint;

// A row-major [rows, cols] matrix in bf16 or f32, pointing into the mapped checkpoint (or into
// storage owned by ModelWeights when it had to be converted).
struct Matrix {
    const void* data = nullptr;
    kernels::DType type = kernels::DType::BF16;
    int64_t rows = 0, cols = 0;
    // Rows [r0, r0 + n) as a matrix of their own.
    Matrix slice_rows(int64_t r0, int64_t n) const;
};

struct MlpWeights {
    Matrix gate, up, down;  // gate/up [inter, hidden], down [hidden, inter]
};

struct LayerWeights {
    std::vector<float> input_norm, post_attention_norm;
    // MLA
    Matrix q_a;  // [q_lora, hidden]
    std::vector<float> q_a_norm;
    Matrix q_b;   // [heads · (nope + rope), q_lora]
    Matrix kv_a;  // [kv_lora + rope, hidden]
    std::vector<float> kv_a_norm;
    Matrix kv_b;               // [heads · (nope + v), kv_lora]
    Matrix o_proj;             // [hidden, heads · v]
    std::vector<Matrix> uk_t;  // per head W_UKᵀ [kv_lora, nope], for absorbing q_nope
    // Lightning indexer
    Matrix idx_wq_b;  // [index_heads · index_dim, q_lora]
    Matrix idx_wk;    // [index_dim, hidden]
    std::vector<float> idx_k_norm_w, idx_k_norm_b;
    Matrix idx_weights_proj;  // [index_heads, hidden]
    // FFN: dense, or MoE with optional shared experts
    bool moe = false;
    MlpWeights mlp;
    Matrix router;  // [experts, hidden]
    std::vector<float> router_bias;
    std::vector<MlpWeights> experts;
    bool has_shared = false;
    MlpWeights shared;
};

// Name and shape of every tensor the configuration needs, in a fixed order (the loader checks
// against it; make-checkpoint writes it).
struct TensorSpec {
    std::string name;
    std::vector<int64_t> shape;
    bool is_norm_weight = false;  // 1-D scales that initialise to one
};
std::vector<TensorSpec> expected_tensors(const ModelConfig& c);

struct ModelWeights {
    Matrix embed;    // [vocab, hidden]
    Matrix lm_head;  // [vocab, hidden]
    std::vector<float> final_norm;
    std::vector<LayerWeights> layers;
    std::vector<std::unique_ptr<uint8_t[]>> owned;  // converted or transposed tensors
    int64_t n_params = 0;
};

// Throws InvalidInput naming the first missing, unexpected or mis-shaped tensor and its
// expected shape. MTP layers (num_nextn_predict_layers) are recognised and skipped.
ModelWeights bind_weights(const ModelConfig& c, const Checkpoint& ckpt, const std::string& dir);

}  // namespace envforge::model
