// The model configuration of an HF `config.json` with DeepSeek-V3.2's keys (model_type
// "deepseek_v32"), checked for consistency when read.
#pragma once

#include <cstdint>
#include <string>

#include "kernels/rope.hpp"

namespace envforge {
class Json;
}

namespace envforge::model {

struct ModelConfig {
    int64_t vocab_size = 0;
    int64_t hidden_size = 0;
    int64_t intermediate_size = 0;      // dense FFN
    int64_t moe_intermediate_size = 0;  // per expert
    int64_t num_hidden_layers = 0;
    int64_t num_attention_heads = 0;
    int64_t q_lora_rank = 0;
    int64_t kv_lora_rank = 0;
    int64_t qk_nope_head_dim = 0;
    int64_t qk_rope_head_dim = 0;
    int64_t v_head_dim = 0;
    // Lightning indexer (DSA)
    int64_t index_n_heads = 0;
    int64_t index_head_dim = 0;
    int64_t index_topk = 0;
    // MoE; layers [first_k_dense_replace, L) are MoE when n_routed_experts > 0
    int64_t n_routed_experts = 0;
    int64_t n_shared_experts = 0;
    int64_t num_experts_per_tok = 0;
    int64_t n_group = 1;
    int64_t topk_group = 1;
    int64_t first_k_dense_replace = 0;
    int64_t moe_layer_freq = 1;
    double routed_scaling_factor = 1;
    bool norm_topk_prob = true;
    int64_t num_nextn_predict_layers = 0;  // MTP layers in the checkpoint, not run here
    double rms_norm_eps = 1e-6;
    int64_t max_position_embeddings = 4096;
    bool tie_word_embeddings = false;
    kernels::YarnParams rope;  // rope_theta and YaRN rope_scaling
    std::string torch_dtype = "bfloat16";
    // FP8 checkpoints (quantization_config.weight_block_size): one weight_scale_inv per block.
    int64_t fp8_block_rows = 128, fp8_block_cols = 128;

    bool is_moe_layer(int64_t layer) const { return n_routed_experts > 0 && layer >= first_k_dense_replace && layer % moe_layer_freq == 0; }
    int64_t qk_head_dim() const { return qk_nope_head_dim + qk_rope_head_dim; }
    // MLA softmax scale: qk_head_dim^-0.5, times mscale² under YaRN with mscale_all_dim (HF).
    double softmax_scale() const;
};

// Throws InvalidInput naming the key and what was expected ("config.json: 'hidden_size' must be
// a positive integer").
ModelConfig parse_config(const Json& j);
ModelConfig load_config(const std::string& dir);  // reads DIR/config.json
Json config_to_json(const ModelConfig& c);

}  // namespace envforge::model
