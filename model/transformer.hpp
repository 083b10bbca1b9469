// The DeepSeek-V3.2 transformer: MLA in absorbed MQA form with a latent cache, the lightning
// indexer with its key cache and top-k selection (DSA), dense and MoE FFNs. Prefill and batched
// decode share one forward pass over "rows" (token, position, sequence), so a decode step over
// many sequences streams the weights once. The pass is written once (transformer.cpp) over a
// backend (forward_backend.hpp): the CPU, or with EngineOptions::cuda an NVIDIA GPU, with weights
// and caches resident on the device.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "kernels/cuda/device_ops.hpp"
#include "kernels/rope.hpp"
#include "model/config.hpp"

namespace envforge::model {

class Checkpoint;
class ForwardBackend;
struct ModelWeights;

// The caches of one sequence: per layer the MLA rows [len, kv_lora + rope] (f32) and the
// indexer keys (bf16, as the production cache is low precision; in the indexer kernel's blocks
// of 16 tokens, see kernels/dsa/lightning_indexer.hpp).
class Sequence {
public:
    int64_t length() const { return len_; }
    int64_t cache_bytes() const;
    // The token ids in the cache, position by position (synthetic fills hold -1).
    const std::vector<int32_t>& tokens() const { return tokens_; }
    // Forgets positions from n on, so a prompt that shares only a prefix reuses that prefix.
    void truncate(int64_t n);

private:
    friend class Transformer;
    friend class CpuForward;
    friend class CudaForward;
    struct LayerCache {
        std::vector<float> kv;
        std::vector<uint16_t> index_k;
    };
    std::vector<LayerCache> layers_;
    // The same caches on the GPU when the engine runs there (same layouts).
    struct DeviceLayerCache {
        kernels::cuda::DeviceBuffer kv, index_k;
    };
    std::vector<DeviceLayerCache> device_layers_;
    bool on_device_ = false;  // which of the two holds this sequence (set by its first forward pass)
    std::vector<int32_t> tokens_;
    int64_t len_ = 0;
};

// One row of a forward pass: a token at a position of a sequence.
struct ForwardRow {
    Sequence* seq;
    int32_t token;
    int64_t pos;
};

struct EngineOptions {
    bool dense = false;      // full causal attention instead of DSA's selection (same weights)
    int64_t index_topk = 0;  // overrides config.index_topk when > 0
    bool reference = false;  // plain-loop kernels (the oracle) instead of the fast paths
    bool cuda = false;       // the forward pass on the GPU (device 0); InvalidInput when none is usable
};

class Transformer {
public:
    // Loads DIR (config.json + safetensors); throws InvalidInput/IoError with the reason.
    explicit Transformer(const std::string& dir, EngineOptions options = {});
    ~Transformer();
    Transformer(const Transformer&) = delete;
    Transformer& operator=(const Transformer&) = delete;

    const ModelConfig& config() const { return config_; }
    const EngineOptions& options() const { return options_; }
    void set_options(const EngineOptions& o) { options_ = o; }
    int64_t n_params() const;
    int64_t weight_bytes() const;

    // Appends tokens to the sequence; returns logits [n, vocab] for every new position when
    // all_logits, else [1, vocab] for the last. Long prompts run in chunks of `chunk` tokens.
    std::vector<float> prefill(Sequence& seq, std::span<const int32_t> tokens, bool all_logits = false, int64_t chunk = 256);
    // One new token for each sequence (all distinct); returns logits [seqs.size(), vocab].
    std::vector<float> decode(std::span<Sequence* const> seqs, std::span<const int32_t> tokens);

    // Token selections of the last forward pass, for tests: [row][layer] -> attended positions
    // (empty when the row attended densely). Recorded only when record_selection is set.
    bool record_selection = false;
    std::vector<std::vector<std::vector<int32_t>>> last_selection;

    // For benchmarks: extend a sequence's caches to `len` positions of synthetic entries (random
    // latents and keys), so long-context decode can be timed without a long prefill.
    void fill_synthetic_cache(Sequence& seq, int64_t len, uint64_t seed);

private:
    using Row = ForwardRow;
    std::vector<float> forward(const std::vector<Row>& rows, const std::vector<int64_t>& logit_rows);
    // The steps of one layer, over the pass's backend.
    void attention_block(ForwardBackend& b, int64_t layer);
    void ffn_block(ForwardBackend& b, int64_t layer);
    // Checks the rows' tokens, and that each sequence continues on the backend that holds it.
    void check_rows(const std::vector<Row>& rows);
    // After a pass: the rows' sequences have grown to hold them, tokens recorded by position.
    void record_tokens(const std::vector<Row>& rows);
    void ensure_rope(int64_t max_pos);
    // The backend EngineOptions::cuda asks for, made on first use.
    ForwardBackend& backend();

    ModelConfig config_;
    EngineOptions options_;
    std::unique_ptr<Checkpoint> ckpt_;
    std::unique_ptr<ModelWeights> w_;
    kernels::RopeTable rope_;  // shared by MLA (interleaved) and the indexer (half-split)
    std::unique_ptr<ForwardBackend> cpu_, cuda_;
};

}  // namespace envforge::model
