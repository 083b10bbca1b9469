// RMSNorm (MLA, decoder layers) and LayerNorm with bias (the indexer key), row by row, in f32.
#pragma once

#include <cstdint>

namespace envforge::kernels {

struct NormParams {
    const float* x;  // [n_row, d]
    const float* w;  // [d] scale
    const float* b;  // [d] bias (LayerNorm only; nullptr for RMSNorm)
    float* out;      // [n_row, d]; may equal x
    int64_t n_row, d;
    float eps;
};

// Aborts naming the broken invariant when the shapes or pointers cannot be right; every
// implementation calls it first.
void check_params(const NormParams& p);

// out = x / sqrt(mean(x²) + eps) * w
void rms_norm_cpu(const NormParams& p);
void rms_norm_fast(const NormParams& p);
// out = (x - mean) / sqrt(var + eps) * w + b   (biased variance, as torch.nn.LayerNorm)
void layer_norm_cpu(const NormParams& p);
void layer_norm_fast(const NormParams& p);

}  // namespace envforge::kernels
