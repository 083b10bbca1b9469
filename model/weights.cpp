#include "model/weights.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <cstdlib>
#include <cstring>
#include <set>

#include "model/safetensors.hpp"
#include "common/errors.hpp"

namespace envforge::model {

using kernels::DType;

Matrix Matrix::slice_rows(int64_t r0, int64_t n) const {
    Matrix m = *this;
    m.data = static_cast<const char*>(data) + r0 * cols * kernels::dtype_size(type);
    m.rows = n;
    return m;
}

std::vector<TensorSpec> expected_tensors(const ModelConfig& c) {
    std::vector<TensorSpec> out;
    const int64_t D = c.hidden_size, H = c.num_attention_heads;
    auto add = [&](std::string name, std::vector<int64_t> shape, bool norm = false) {
        out.push_back({std::move(name), std::move(shape), norm});
    };
    auto mlp = [&](const std::string& p, int64_t inter) {
        add(p + ".gate_proj.weight", {inter, D});
        add(p + ".up_proj.weight", {inter, D});
        add(p + ".down_proj.weight", {D, inter});
    };
    add("model.embed_tokens.weight", {c.vocab_size, D});
    for (int64_t l = 0; l < c.num_hidden_layers; ++l) {
        const std::string p = "model.layers." + std::to_string(l);
        add(p + ".input_layernorm.weight", {D}, true);
        add(p + ".post_attention_layernorm.weight", {D}, true);
        const std::string a = p + ".self_attn";
        add(a + ".q_a_proj.weight", {c.q_lora_rank, D});
        add(a + ".q_a_layernorm.weight", {c.q_lora_rank}, true);
        add(a + ".q_b_proj.weight", {H * c.qk_head_dim(), c.q_lora_rank});
        add(a + ".kv_a_proj_with_mqa.weight", {c.kv_lora_rank + c.qk_rope_head_dim, D});
        add(a + ".kv_a_layernorm.weight", {c.kv_lora_rank}, true);
        add(a + ".kv_b_proj.weight", {H * (c.qk_nope_head_dim + c.v_head_dim), c.kv_lora_rank});
        add(a + ".o_proj.weight", {D, H * c.v_head_dim});
        add(a + ".indexer.wq_b.weight", {c.index_n_heads * c.index_head_dim, c.q_lora_rank});
        add(a + ".indexer.wk.weight", {c.index_head_dim, D});
        add(a + ".indexer.k_norm.weight", {c.index_head_dim}, true);
        add(a + ".indexer.k_norm.bias", {c.index_head_dim});
        add(a + ".indexer.weights_proj.weight", {c.index_n_heads, D});
        if (c.is_moe_layer(l)) {
            add(p + ".mlp.gate.weight", {c.n_routed_experts, D});
            add(p + ".mlp.gate.e_score_correction_bias", {c.n_routed_experts});
            for (int64_t e = 0; e < c.n_routed_experts; ++e) mlp(p + ".mlp.experts." + std::to_string(e), c.moe_intermediate_size);
            if (c.n_shared_experts > 0) mlp(p + ".mlp.shared_experts", c.n_shared_experts * c.moe_intermediate_size);
        } else {
            mlp(p + ".mlp", c.intermediate_size);
        }
    }
    add("model.norm.weight", {D}, true);
    if (!c.tie_word_embeddings) add("lm_head.weight", {c.vocab_size, D});
    return out;
}

namespace {

// e4m3fn (the "fn" variant: no infinities, S.1111.111 is NaN): 1 sign, 4 exponent bits with
// bias 7, 3 mantissa bits; exponent 0 is subnormal. All 256 values, built once.
const std::array<float, 256>& e4m3_values() {
    static const std::array<float, 256> table = [] {
        std::array<float, 256> t{};
        for (int b = 0; b < 256; ++b) {
            const int e = (b >> 3) & 15, m = b & 7;
            float v = e == 0 ? std::ldexp(static_cast<float>(m) / 8.0f, -6) : std::ldexp(1.0f + static_cast<float>(m) / 8.0f, e - 7);
            if (e == 15 && m == 7) v = std::numeric_limits<float>::quiet_NaN();
            t[static_cast<size_t>(b)] = (b & 0x80) ? -v : v;
        }
        return t;
    }();
    return table;
}

struct Binder {
    const Checkpoint& ckpt;
    const std::string& dir;
    ModelWeights& w;
    int64_t block_rows = 128, block_cols = 128;  // FP8 scale blocks

    const TensorRef& get(const std::string& name, const std::vector<int64_t>& shape) {
        const TensorRef* t = ckpt.find(name);
        if (!t)
            throw InvalidInput("checkpoint '" + dir + "': tensor '" + name + "' is missing (expected shape " + shape_string(shape) + ")");
        if (t->shape != shape)
            throw InvalidInput("checkpoint '" + dir + "': tensor '" + name + "' has shape " + shape_string(t->shape) + ", expected " +
                               shape_string(shape));
        w.n_params += t->numel();
        return *t;
    }

    uint8_t* own(size_t bytes) {
        w.owned.push_back(std::make_unique<uint8_t[]>(bytes));
        return w.owned.back().get();
    }

    // An FP8 weight times its block's scale (`<name>_scale_inv`, F32, one per block_rows x
    // block_cols block, the last ones partial), rounded to bf16 once at load: the CPU kernels
    // stream bf16, and a bf16 holds every e4m3 value times a power-of-two-ish scale closely.
    uint8_t* dequantize_fp8(const std::string& name, const TensorRef& t, int64_t rows, int64_t cols) {
        const int64_t br = (rows + block_rows - 1) / block_rows, bc = (cols + block_cols - 1) / block_cols;
        const std::string scale_name = name + "_scale_inv";
        const TensorRef* s = ckpt.find(scale_name);
        if (!s)
            throw InvalidInput("checkpoint '" + dir + "': FP8 tensor '" + name + "' has no '" + scale_name + "' (expected F32 " +
                               shape_string({br, bc}) + ")");
        if (s->dtype != TensorDType::F32 || s->shape != std::vector<int64_t>{br, bc})
            throw InvalidInput("checkpoint '" + dir + "': '" + scale_name + "' is " + tensor_dtype_name(s->dtype) + " " +
                               shape_string(s->shape) + ", expected F32 " + shape_string({br, bc}) + " (blocks of " +
                               std::to_string(block_rows) + " x " + std::to_string(block_cols) + ")");
        const auto& value = e4m3_values();
        const auto* q = static_cast<const uint8_t*>(t.data);
        const auto* scale_bytes = static_cast<const uint8_t*>(s->data);
        auto* out = reinterpret_cast<uint16_t*>(own(static_cast<size_t>(rows * cols * 2)));
        // One scale per block: read once per row segment, not per element (a release checkpoint
        // has hundreds of billions of them).
        for (int64_t r = 0; r < rows; ++r)
            for (int64_t jb = 0; jb < bc; ++jb) {
                float scale;
                std::memcpy(&scale, scale_bytes + ((r / block_rows) * bc + jb) * 4, 4);
                const int64_t c_end = std::min(cols, (jb + 1) * block_cols);
                for (int64_t c = jb * block_cols; c < c_end; ++c) out[r * cols + c] = kernels::f32_to_bf16(value[q[r * cols + c]] * scale);
            }
        return reinterpret_cast<uint8_t*>(out);
    }

    // bf16 and f32 are used in place when aligned; f16 is widened to f32 once at load; FP8 is
    // dequantized to bf16.
    Matrix matrix(const std::string& name, int64_t rows, int64_t cols) {
        const TensorRef& t = get(name, {rows, cols});
        Matrix m{t.data, DType::F32, rows, cols};
        if (t.dtype == TensorDType::F8_E4M3) {
            m.type = DType::BF16;
            m.data = dequantize_fp8(name, t, rows, cols);
            return m;
        }
        const auto addr = reinterpret_cast<uintptr_t>(t.data);
        if (t.dtype == TensorDType::BF16) {
            m.type = DType::BF16;
            if (addr % 2) {
                uint8_t* p = own(static_cast<size_t>(t.numel() * 2));
                std::memcpy(p, t.data, static_cast<size_t>(t.numel() * 2));
                m.data = p;
            }
        } else if (t.dtype == TensorDType::F16 || addr % 4) {
            std::vector<float> f = vector_of(t);
            uint8_t* p = own(f.size() * 4);
            std::memcpy(p, f.data(), f.size() * 4);
            m.data = p;
        }
        return m;
    }

    static float half_to_float(uint16_t h) {
        const uint32_t sign = static_cast<uint32_t>(h & 0x8000) << 16;
        int32_t exp = (h >> 10) & 0x1f;
        uint32_t mant = h & 0x3ff;
        uint32_t bits;
        if (exp == 0x1f) bits = sign | 0x7f800000u | (mant << 13);
        else if (exp == 0) {
            if (mant == 0) bits = sign;
            else {
                exp = 1;
                while (!(mant & 0x400)) mant <<= 1, --exp;
                bits = sign | static_cast<uint32_t>(exp + 112) << 23 | ((mant & 0x3ff) << 13);
            }
        } else bits = sign | static_cast<uint32_t>(exp + 112) << 23 | (mant << 13);
        float f;
        std::memcpy(&f, &bits, 4);
        return f;
    }

    std::vector<float> vector_of(const TensorRef& t) const {
        if (t.dtype == TensorDType::F8_E4M3)
            throw InvalidInput("checkpoint '" + dir + "': tensor '" + t.name + "' is F8_E4M3; only 2-D linear weights may be FP8");
        std::vector<float> out(static_cast<size_t>(t.numel()));
        const auto* b = static_cast<const uint8_t*>(t.data);
        for (size_t i = 0; i < out.size(); ++i) {
            if (t.dtype == TensorDType::F32) std::memcpy(&out[i], b + i * 4, 4);
            else {
                uint16_t h;
                std::memcpy(&h, b + i * 2, 2);
                out[i] = t.dtype == TensorDType::BF16 ? kernels::bf16_to_f32(h) : half_to_float(h);
            }
        }
        return out;
    }

    std::vector<float> vec(const std::string& name, int64_t n) { return vector_of(get(name, {n})); }

    MlpWeights mlp(const std::string& p, int64_t inter, int64_t D) {
        return {matrix(p + ".gate_proj.weight", inter, D), matrix(p + ".up_proj.weight", inter, D),
                matrix(p + ".down_proj.weight", D, inter)};
    }
};

// W_UK[h] is rows [h·(nope+v), h·(nope+v)+nope) of kv_b: [nope, kv_lora]. Absorbing q_nope needs
// its transpose, [kv_lora, nope], as a matrix the matmul kernel streams row by row.
std::vector<Matrix> transpose_uk(Binder& b, const Matrix& kv_b, const ModelConfig& c) {
    std::vector<Matrix> out;
    const int64_t nope = c.qk_nope_head_dim, r = c.kv_lora_rank, esz = kernels::dtype_size(kv_b.type);
    for (int64_t h = 0; h < c.num_attention_heads; ++h) {
        uint8_t* dst = b.own(static_cast<size_t>(r * nope * esz));
        const auto* src = static_cast<const uint8_t*>(kv_b.data) + h * (nope + c.v_head_dim) * r * esz;
        for (int64_t i = 0; i < nope; ++i)
            for (int64_t j = 0; j < r; ++j) std::memcpy(dst + (j * nope + i) * esz, src + (i * r + j) * esz, static_cast<size_t>(esz));
        out.push_back(Matrix{dst, kv_b.type, r, nope});
    }
    return out;
}

}  // namespace

namespace {

// The config's counts, bounded by the tensors the checkpoint holds, before anything is sized by
// them: a config.json claiming 10^6 layers or experts must fail at once with the count it has,
// not build ten million expected names (minutes and gigabytes) to report the first missing one.
void check_counts_against_tensors(const ModelConfig& c, const Checkpoint& ckpt, const std::string& dir) {
    int64_t layers = 0, experts = 0;
    for (const auto& [name, t] : ckpt.tensors()) {
        if (name.rfind("model.layers.", 0) != 0) continue;
        const int64_t layer = std::atoll(name.c_str() + 13);
        layers = std::max(layers, layer + 1);
        if (const size_t e = name.find(".mlp.experts."); e != std::string::npos)
            experts = std::max(experts, static_cast<int64_t>(std::atoll(name.c_str() + e + 13)) + 1);
    }
    auto bad = [&](const char* key, int64_t claimed, int64_t present, const char* what) {
        throw InvalidInput("checkpoint '" + dir + "': config.json " + key + " is " + std::to_string(claimed) + " but the tensors hold " +
                           std::to_string(present) + " " + what);
    };
    if (c.num_hidden_layers > layers) bad("num_hidden_layers", c.num_hidden_layers, layers, "layers (model.layers.N)");
    if (c.n_routed_experts > experts && experts > 0) bad("n_routed_experts", c.n_routed_experts, experts, "experts (mlp.experts.N)");
    if (c.n_routed_experts > 0 && experts == 0 && c.num_hidden_layers > c.first_k_dense_replace)
        bad("n_routed_experts", c.n_routed_experts, 0, "experts (mlp.experts.N)");
    // Every other size is a dimension of some tensor, checked against its shape when bound; one
    // bound here keeps those checks from multiplying a wild value into an allocation first.
    const TensorRef* embed = ckpt.find("model.embed_tokens.weight");
    if (embed && embed->shape.size() == 2 && (embed->shape[0] != c.vocab_size || embed->shape[1] != c.hidden_size))
        throw InvalidInput("checkpoint '" + dir + "': config.json vocab_size x hidden_size is " + std::to_string(c.vocab_size) + " x " +
                           std::to_string(c.hidden_size) + " but model.embed_tokens.weight is " + shape_string(embed->shape));
}

}  // namespace

ModelWeights bind_weights(const ModelConfig& c, const Checkpoint& ckpt, const std::string& dir) {
    check_counts_against_tensors(c, ckpt, dir);
    ModelWeights w;
    Binder b{ckpt, dir, w, c.fp8_block_rows, c.fp8_block_cols};
    const int64_t D = c.hidden_size, H = c.num_attention_heads;
    std::set<std::string> expected;
    for (const auto& spec : expected_tensors(c)) expected.insert(spec.name);
    for (const auto& [name, t] : ckpt.tensors()) {
        if (expected.count(name)) continue;
        // The block scales of an FP8 weight (checked when the weight is bound).
        if (const size_t k = name.rfind("_scale_inv"); k != std::string::npos && k + 10 == name.size() && expected.count(name.substr(0, k)))
            continue;
        // Multi-token-prediction layers follow the last layer; the engine does not run them.
        if (name.rfind("model.layers.", 0) == 0) {
            const int64_t layer = std::atoll(name.c_str() + 13);
            if (layer >= c.num_hidden_layers && layer < c.num_hidden_layers + c.num_nextn_predict_layers) continue;
        }
        throw InvalidInput("checkpoint '" + dir + "': unexpected tensor '" + name + "' " + shape_string(t.shape) +
                           " (not part of a deepseek_v32 model with this config.json)");
    }
    w.embed = b.matrix("model.embed_tokens.weight", c.vocab_size, D);
    for (int64_t l = 0; l < c.num_hidden_layers; ++l) {
        const std::string p = "model.layers." + std::to_string(l);
        const std::string a = p + ".self_attn";
        LayerWeights L;
        L.input_norm = b.vec(p + ".input_layernorm.weight", D);
        L.post_attention_norm = b.vec(p + ".post_attention_layernorm.weight", D);
        L.q_a = b.matrix(a + ".q_a_proj.weight", c.q_lora_rank, D);
        L.q_a_norm = b.vec(a + ".q_a_layernorm.weight", c.q_lora_rank);
        L.q_b = b.matrix(a + ".q_b_proj.weight", H * c.qk_head_dim(), c.q_lora_rank);
        L.kv_a = b.matrix(a + ".kv_a_proj_with_mqa.weight", c.kv_lora_rank + c.qk_rope_head_dim, D);
        L.kv_a_norm = b.vec(a + ".kv_a_layernorm.weight", c.kv_lora_rank);
        L.kv_b = b.matrix(a + ".kv_b_proj.weight", H * (c.qk_nope_head_dim + c.v_head_dim), c.kv_lora_rank);
        L.o_proj = b.matrix(a + ".o_proj.weight", D, H * c.v_head_dim);
        L.uk_t = transpose_uk(b, L.kv_b, c);
        L.idx_wq_b = b.matrix(a + ".indexer.wq_b.weight", c.index_n_heads * c.index_head_dim, c.q_lora_rank);
        L.idx_wk = b.matrix(a + ".indexer.wk.weight", c.index_head_dim, D);
        L.idx_k_norm_w = b.vec(a + ".indexer.k_norm.weight", c.index_head_dim);
        L.idx_k_norm_b = b.vec(a + ".indexer.k_norm.bias", c.index_head_dim);
        L.idx_weights_proj = b.matrix(a + ".indexer.weights_proj.weight", c.index_n_heads, D);
        L.moe = c.is_moe_layer(l);
        if (L.moe) {
            L.router = b.matrix(p + ".mlp.gate.weight", c.n_routed_experts, D);
            L.router_bias = b.vec(p + ".mlp.gate.e_score_correction_bias", c.n_routed_experts);
            for (int64_t e = 0; e < c.n_routed_experts; ++e)
                L.experts.push_back(b.mlp(p + ".mlp.experts." + std::to_string(e), c.moe_intermediate_size, D));
            L.has_shared = c.n_shared_experts > 0;
            if (L.has_shared) L.shared = b.mlp(p + ".mlp.shared_experts", c.n_shared_experts * c.moe_intermediate_size, D);
        } else {
            L.mlp = b.mlp(p + ".mlp", c.intermediate_size, D);
        }
        w.layers.push_back(std::move(L));
    }
    w.final_norm = b.vec("model.norm.weight", D);
    w.lm_head = c.tie_word_embeddings ? w.embed : b.matrix("lm_head.weight", c.vocab_size, D);
    return w;
}

}  // namespace envforge::model
