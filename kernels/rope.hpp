// Rotary position embedding in DeepSeek-V3.2's two layouts, from a YaRN cos/sin table.
// MLA rotates interleaved pairs (2i, 2i+1); the lightning indexer rotates half-split pairs
// (i, i + d/2) — mixing them up degrades the model silently (reference/deepseek-v32.md §1.4).
#pragma once

#include <cstdint>
#include <vector>

namespace envforge::kernels {

struct RopeTable {
    int64_t d_rope = 0;      // rotated dims; d_rope / 2 frequencies
    std::vector<float> cos;  // [max_pos, d_rope / 2]
    std::vector<float> sin;
    int64_t max_pos() const { return d_rope ? static_cast<int64_t>(cos.size()) / (d_rope / 2) : 0; }
};

struct YarnParams {
    double theta = 10000;
    double factor = 1;  // 1 = plain RoPE
    double original_max_pos = 4096;
    double beta_fast = 32, beta_slow = 1;
    double mscale = 1, mscale_all_dim = 0;
};

// Inverse frequencies as HF's DeepseekV3YarnRotaryEmbedding computes them, and the table for
// positions [0, max_pos) with cos/sin scaled by mscale(factor, mscale) / mscale(factor, mscale_all_dim).
std::vector<double> yarn_inv_freq(int64_t d_rope, const YarnParams& y);
RopeTable make_rope_table(int64_t d_rope, int64_t max_pos, const YarnParams& y);
double yarn_mscale(double factor, double mscale);

// In place on x [d_rope] at position pos.
void rope_interleaved(float* x, const RopeTable& t, int64_t pos);
void rope_half(float* x, const RopeTable& t, int64_t pos);

}  // namespace envforge::kernels
