#include "model/config.hpp"

#include <cmath>
#include <fstream>
#include <sstream>

#include "common/errors.hpp"
#include "common/json.hpp"

namespace envforge::model {
namespace {

[[noreturn]] void bad(const std::string& key, const std::string& expected) { throw InvalidInput("config.json: '" + key + "' " + expected); }

int64_t req_int(const Json& j, const char* key, int64_t min = 1) {
    const Json* v = j.find(key);
    if (!v || !v->is_int()) bad(key, "must be an integer" + std::string(v ? "" : " (missing)"));
    if (v->as_int() < min) bad(key, "must be at least " + std::to_string(min) + ", got " + std::to_string(v->as_int()));
    return v->as_int();
}

int64_t opt_int(const Json& j, const char* key, int64_t fallback, int64_t min = 0) {
    const Json* v = j.find(key);
    if (!v || v->is_null()) return fallback;
    if (!v->is_int()) bad(key, "must be an integer");
    if (v->as_int() < min) bad(key, "must be at least " + std::to_string(min));
    return v->as_int();
}

double opt_num(const Json& j, const char* key, double fallback) {
    const Json* v = j.find(key);
    if (!v || v->is_null()) return fallback;
    if (!v->is_number()) bad(key, "must be a number");
    return v->as_number();
}

bool opt_bool(const Json& j, const char* key, bool fallback) {
    const Json* v = j.find(key);
    if (!v || v->is_null()) return fallback;
    if (!v->is_bool()) bad(key, "must be true or false");
    return v->as_bool();
}

}  // namespace

// 1/sqrt(head dim), times YaRN's mscale squared when the context is stretched: DeepSeek's
// reference inference scales the attention logits so, since the rotated query and key are each
// scaled by mscale there, and this engine leaves them unscaled.
double ModelConfig::softmax_scale() const {
    double s = 1.0 / std::sqrt(static_cast<double>(qk_head_dim()));
    if (rope.factor > 1 && rope.mscale_all_dim != 0) {
        const double m = kernels::yarn_mscale(rope.factor, rope.mscale_all_dim);
        s *= m * m;
    }
    return s;
}

ModelConfig parse_config(const Json& j) {
    if (!j.is_object()) throw InvalidInput("config.json: expected a JSON object");
    const std::string type = j.get_string("model_type");
    if (type != "deepseek_v32" && type != "deepseek_v3") bad("model_type", "must be \"deepseek_v32\", got \"" + type + "\"");
    ModelConfig c;
    c.vocab_size = req_int(j, "vocab_size");
    c.hidden_size = req_int(j, "hidden_size");
    c.intermediate_size = req_int(j, "intermediate_size");
    c.num_hidden_layers = req_int(j, "num_hidden_layers");
    c.num_attention_heads = req_int(j, "num_attention_heads");
    c.q_lora_rank = req_int(j, "q_lora_rank");  // the indexer reuses MLA's query latent
    c.kv_lora_rank = req_int(j, "kv_lora_rank");
    c.qk_nope_head_dim = req_int(j, "qk_nope_head_dim");
    c.qk_rope_head_dim = req_int(j, "qk_rope_head_dim", 2);
    c.v_head_dim = req_int(j, "v_head_dim");
    c.index_n_heads = req_int(j, "index_n_heads");
    c.index_head_dim = req_int(j, "index_head_dim");
    c.index_topk = req_int(j, "index_topk");
    c.n_routed_experts = opt_int(j, "n_routed_experts", 0);
    c.moe_intermediate_size = opt_int(j, "moe_intermediate_size", 0);
    c.n_shared_experts = opt_int(j, "n_shared_experts", 0);
    c.num_experts_per_tok = opt_int(j, "num_experts_per_tok", 0);
    c.n_group = opt_int(j, "n_group", 1, 1);
    c.topk_group = opt_int(j, "topk_group", 1, 1);
    c.first_k_dense_replace = opt_int(j, "first_k_dense_replace", 0);
    c.moe_layer_freq = opt_int(j, "moe_layer_freq", 1, 1);
    c.routed_scaling_factor = opt_num(j, "routed_scaling_factor", 1.0);
    c.norm_topk_prob = opt_bool(j, "norm_topk_prob", true);
    c.num_nextn_predict_layers = opt_int(j, "num_nextn_predict_layers", 0);
    c.rms_norm_eps = opt_num(j, "rms_norm_eps", 1e-6);
    c.max_position_embeddings = opt_int(j, "max_position_embeddings", 4096, 1);
    c.tie_word_embeddings = opt_bool(j, "tie_word_embeddings", false);
    c.torch_dtype = j.get_string("torch_dtype", "bfloat16");
    c.rope.theta = opt_num(j, "rope_theta", 10000.0);
    if (const Json* q = j.find("quantization_config"); q && !q->is_null()) {
        if (!q->is_object()) bad("quantization_config", "must be an object or null");
        const std::string method = q->get_string("quant_method", "fp8");
        if (method != "fp8") bad("quantization_config", "quant_method \"" + method + "\" is not supported (expected \"fp8\")");
        if (const Json* b = q->find("weight_block_size")) {
            if (!b->is_array() || b->size() != 2 || !b->as_array()[0].is_int() || !b->as_array()[1].is_int() ||
                b->as_array()[0].as_int() < 1 || b->as_array()[1].as_int() < 1)
                bad("quantization_config", "weight_block_size must be two positive integers");
            c.fp8_block_rows = b->as_array()[0].as_int();
            c.fp8_block_cols = b->as_array()[1].as_int();
        }
    }
    if (const Json* rs = j.find("rope_scaling"); rs && !rs->is_null()) {
        if (!rs->is_object()) bad("rope_scaling", "must be an object or null");
        // HF writes "type"; newer configs write "rope_type" (reference/deepseek-v32.md §1.8).
        const std::string kind = rs->find("type") ? rs->get_string("type") : rs->get_string("rope_type");
        if (kind != "yarn") bad("rope_scaling", "must have type \"yarn\", got \"" + kind + "\"");
        c.rope.factor = opt_num(*rs, "factor", 1.0);
        c.rope.original_max_pos = opt_num(*rs, "original_max_position_embeddings", 4096);
        c.rope.beta_fast = opt_num(*rs, "beta_fast", 32);
        c.rope.beta_slow = opt_num(*rs, "beta_slow", 1);
        c.rope.mscale = opt_num(*rs, "mscale", 1);
        c.rope.mscale_all_dim = opt_num(*rs, "mscale_all_dim", 0);
    }
    if (c.qk_rope_head_dim % 2) bad("qk_rope_head_dim", "must be even");
    if (c.index_head_dim < c.qk_rope_head_dim) bad("index_head_dim", "must be at least qk_rope_head_dim (its first dims are rotated)");
    if (c.n_routed_experts > 0) {
        if (c.moe_intermediate_size < 1) bad("moe_intermediate_size", "must be positive when n_routed_experts > 0");
        if (c.num_experts_per_tok < 1 || c.num_experts_per_tok > c.n_routed_experts)
            bad("num_experts_per_tok", "must be in [1, n_routed_experts]");
        if (c.n_routed_experts % c.n_group) bad("n_group", "must divide n_routed_experts");
        if (c.topk_group > c.n_group) bad("topk_group", "must be at most n_group");
        else if (c.n_routed_experts % c.n_group == 0 && c.num_experts_per_tok > c.topk_group * (c.n_routed_experts / c.n_group))
            bad("num_experts_per_tok", "must fit in the topk_group groups that compete (topk_group * n_routed_experts / n_group)");
    }
    return c;
}

ModelConfig load_config(const std::string& dir) {
    std::ifstream f(dir + "/config.json", std::ios::binary);
    if (!f) throw IoError("checkpoint '" + dir + "': cannot read config.json");
    std::stringstream ss;
    ss << f.rdbuf();
    return parse_config(Json::parse(ss.str(), dir + "/config.json"));
}

Json config_to_json(const ModelConfig& c) {
    Json j = Json::object({{"architectures", Json(JsonArray{Json("DeepseekV32ForCausalLM")})},
                           {"model_type", "deepseek_v32"},
                           {"vocab_size", c.vocab_size},
                           {"hidden_size", c.hidden_size},
                           {"intermediate_size", c.intermediate_size},
                           {"moe_intermediate_size", c.moe_intermediate_size},
                           {"num_hidden_layers", c.num_hidden_layers},
                           {"num_attention_heads", c.num_attention_heads},
                           {"num_key_value_heads", c.num_attention_heads},
                           {"q_lora_rank", c.q_lora_rank},
                           {"kv_lora_rank", c.kv_lora_rank},
                           {"qk_nope_head_dim", c.qk_nope_head_dim},
                           {"qk_rope_head_dim", c.qk_rope_head_dim},
                           {"v_head_dim", c.v_head_dim},
                           {"index_n_heads", c.index_n_heads},
                           {"index_head_dim", c.index_head_dim},
                           {"index_topk", c.index_topk},
                           {"n_routed_experts", c.n_routed_experts},
                           {"n_shared_experts", c.n_shared_experts},
                           {"num_experts_per_tok", c.num_experts_per_tok},
                           {"n_group", c.n_group},
                           {"topk_group", c.topk_group},
                           {"first_k_dense_replace", c.first_k_dense_replace},
                           {"moe_layer_freq", c.moe_layer_freq},
                           {"routed_scaling_factor", c.routed_scaling_factor},
                           {"norm_topk_prob", c.norm_topk_prob},
                           {"scoring_func", "sigmoid"},
                           {"topk_method", "noaux_tc"},
                           {"num_nextn_predict_layers", c.num_nextn_predict_layers},
                           {"rms_norm_eps", c.rms_norm_eps},
                           {"max_position_embeddings", c.max_position_embeddings},
                           {"tie_word_embeddings", c.tie_word_embeddings},
                           {"rope_theta", c.rope.theta},
                           {"torch_dtype", c.torch_dtype},
                           {"bos_token_id", 0},
                           {"eos_token_id", 1}});
    if (c.rope.factor > 1)
        j.set("rope_scaling", Json::object({{"type", "yarn"},
                                            {"factor", c.rope.factor},
                                            {"original_max_position_embeddings", static_cast<int64_t>(c.rope.original_max_pos)},
                                            {"beta_fast", c.rope.beta_fast},
                                            {"beta_slow", c.rope.beta_slow},
                                            {"mscale", c.rope.mscale},
                                            {"mscale_all_dim", c.rope.mscale_all_dim}}));
    else j.set("rope_scaling", Json());
    return j;
}

}  // namespace envforge::model
