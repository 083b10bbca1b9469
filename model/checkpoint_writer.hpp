// Random-initialised checkpoints in the exact HF layout (config.json, safetensors shards and
// their index), for tests and benchmarks: `tools/make-checkpoint` / `envforge model make-checkpoint`.
#pragma once

#include <cstdint>
#include <string>

#include "model/config.hpp"
#include "model/safetensors.hpp"

namespace envforge::model {

// "tiny" (a few hundred KB, dense), "moe-tiny" (tiny with MoE layers), "small" (about 220M
// parameters in DeepSeek's proportions: indexer key far smaller than the MLA latent, index_topk
// 2048, YaRN to 128K). Throws InvalidInput on an unknown name.
ModelConfig preset_config(const std::string& name);

struct WriteOptions {
    uint64_t seed = 1;
    int64_t max_shard_bytes = 0;  // > 0: split into shards with model.safetensors.index.json
    TensorDType dtype = TensorDType::BF16;
};

// Weights ~ N(0, 1/fan_in) (unit-scale activations), norm scales 1 + N(0, 0.1²), biases
// N(0, 0.1²); deterministic in the seed. Creates DIR; returns the parameter count.
int64_t write_random_checkpoint(const ModelConfig& c, const std::string& dir, const WriteOptions& o);

}  // namespace envforge::model
