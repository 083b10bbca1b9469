#include "model/checkpoint_writer.hpp"

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "kernels/dtype.hpp"
#include "model/weights.hpp"
#include "common/errors.hpp"
#include "common/json.hpp"
#include "common/rng.hpp"

namespace envforge::model {

ModelConfig preset_config(const std::string& name) {
    ModelConfig c;
    c.rope.theta = 10000;
    if (name == "tiny" || name == "moe-tiny") {
        c.vocab_size = 1000;
        c.hidden_size = 96;
        c.intermediate_size = 160;
        c.num_hidden_layers = 2;
        c.num_attention_heads = 4;
        c.q_lora_rank = 48;
        c.kv_lora_rank = 32;
        c.qk_nope_head_dim = 16;
        c.qk_rope_head_dim = 8;
        c.v_head_dim = 16;
        c.index_n_heads = 4;
        c.index_head_dim = 16;
        c.index_topk = 8;  // DSA selects from the ninth token on
        c.max_position_embeddings = 4096;
        // YaRN on, so tests cover the scaled frequencies and the softmax mscale.
        c.rope.factor = 4;
        c.rope.original_max_pos = 1024;
        c.rope.mscale = 1;
        c.rope.mscale_all_dim = 1;
        if (name == "moe-tiny") {
            c.num_hidden_layers = 3;
            c.first_k_dense_replace = 1;
            c.n_routed_experts = 8;
            c.n_shared_experts = 1;
            c.num_experts_per_tok = 2;
            c.n_group = 4;
            c.topk_group = 2;
            c.moe_intermediate_size = 32;
            c.routed_scaling_factor = 2.5;
        }
        return c;
    }
    if (name == "small") {
        c.vocab_size = 32000;
        c.hidden_size = 1024;
        c.intermediate_size = 2816;
        c.num_hidden_layers = 12;
        c.num_attention_heads = 32;
        c.q_lora_rank = 384;
        c.kv_lora_rank = 256;
        c.qk_nope_head_dim = 64;
        c.qk_rope_head_dim = 32;
        c.v_head_dim = 64;
        c.index_n_heads = 8;
        c.index_head_dim = 64;
        c.index_topk = 2048;
        c.max_position_embeddings = 131072;
        c.rope.factor = 32;
        c.rope.original_max_pos = 4096;
        c.rope.mscale = 1;
        c.rope.mscale_all_dim = 1;
        return c;
    }
    throw InvalidInput("unknown preset '" + name + "' (expected tiny, small or moe-tiny)");
}

namespace {

// Standard normal draws (Box-Muller) from the project's portable generator, so a seed gives
// the same checkpoint on every machine.
struct Normal {
    Rng rng;
    bool have = false;
    double spare = 0;
    double next() {
        if (have) {
            have = false;
            return spare;
        }
        const double r = std::sqrt(-2 * std::log(1.0 - rng.uniform())), t = 2 * 3.14159265358979323846 * rng.uniform();
        spare = r * std::sin(t);
        have = true;
        return r * std::cos(t);
    }
};

void put(std::vector<uint8_t>& bytes, size_t i, float v, TensorDType t) {
    if (t == TensorDType::F32) std::memcpy(bytes.data() + i * 4, &v, 4);
    else {
        const uint16_t h = kernels::f32_to_bf16(v);
        std::memcpy(bytes.data() + i * 2, &h, 2);
    }
}

}  // namespace

int64_t write_random_checkpoint(const ModelConfig& c, const std::string& dir, const WriteOptions& o) {
    namespace fs = std::filesystem;
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) throw IoError("cannot create '" + dir + "': " + ec.message());
    const TensorDType dtype = o.dtype == TensorDType::F16 ? TensorDType::F32 : o.dtype;
    Normal rng{Rng(mix_seed(o.seed, "checkpoint"))};
    std::vector<TensorData> tensors;
    int64_t params = 0;
    for (const TensorSpec& s : expected_tensors(c)) {
        TensorData t{s.name, dtype, s.shape, {}};
        int64_t n = 1;
        for (int64_t d : s.shape) n *= d;
        params += n;
        t.bytes.resize(static_cast<size_t>(n * tensor_dtype_size(dtype)));
        const bool embed = s.name == "model.embed_tokens.weight";
        const double sd = s.shape.size() == 2 && !embed ? 1.0 / std::sqrt(static_cast<double>(s.shape[1])) : embed ? 1.0 : 0.1;
        for (int64_t i = 0; i < n; ++i) {
            const double v = rng.next() * sd + (s.is_norm_weight ? 1.0 : 0.0);
            put(t.bytes, static_cast<size_t>(i), static_cast<float>(v), dtype);
        }
        tensors.push_back(std::move(t));
    }
    // Shards in tensor order, each under max_shard_bytes (a tensor larger than that gets its own).
    std::vector<std::vector<const TensorData*>> shards(1);
    int64_t in_shard = 0;
    for (const auto& t : tensors) {
        const int64_t n = static_cast<int64_t>(t.bytes.size());
        if (o.max_shard_bytes > 0 && in_shard > 0 && in_shard + n > o.max_shard_bytes) {
            shards.emplace_back();
            in_shard = 0;
        }
        shards.back().push_back(&t);
        in_shard += n;
    }
    for (const auto& e : fs::directory_iterator(dir))
        if (e.path().extension() == ".safetensors" || e.path().filename() == "model.safetensors.index.json") fs::remove(e.path());
    if (shards.size() == 1) {
        write_safetensors(dir + "/model.safetensors", shards[0]);
    } else {
        Json map = Json::object();
        int64_t total = 0;
        for (size_t i = 0; i < shards.size(); ++i) {
            char name[64];
            std::snprintf(name, sizeof name, "model-%05zu-of-%05zu.safetensors", i + 1, shards.size());
            write_safetensors(dir + "/" + name, shards[i]);
            for (const TensorData* t : shards[i]) {
                map.set(t->name, name);
                total += static_cast<int64_t>(t->bytes.size());
            }
        }
        Json index = Json::object({{"metadata", Json::object({{"total_size", total}})}, {"weight_map", std::move(map)}});
        std::ofstream(dir + "/model.safetensors.index.json") << index.dump() << "\n";
    }
    ModelConfig written = c;
    written.torch_dtype = dtype == TensorDType::BF16 ? "bfloat16" : "float32";
    std::ofstream f(dir + "/config.json");
    f << config_to_json(written).dump() << "\n";
    if (!f.flush()) throw IoError("cannot write '" + dir + "/config.json'");
    return params;
}

}  // namespace envforge::model
