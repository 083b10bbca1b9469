// Token sampling from logits: greedy, or temperature with top-k and top-p (nucleus) filtering,
// from a seeded generator so a run can be repeated exactly.
#pragma once

#include <cstdint>
#include <span>

#include "common/rng.hpp"

namespace envforge::model {

struct SamplingParams {
    double temperature = 1.0;  // 0 = greedy
    double top_p = 1.0;        // keep the smallest set of tokens whose probability reaches top_p
    int64_t top_k = 0;         // 0 = no limit
};

class Sampler {
public:
    explicit Sampler(uint64_t seed) : rng_(seed) {}
    // Ties in greedy mode go to the lower id. Non-finite logits are never chosen unless all are.
    int32_t sample(std::span<const float> logits, const SamplingParams& p);

private:
    Rng rng_;
};

}  // namespace envforge::model
