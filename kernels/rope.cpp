#include "kernels/rope.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace envforge::kernels {

double yarn_mscale(double factor, double mscale) { return factor <= 1 ? 1.0 : 0.1 * mscale * std::log(factor) + 1.0; }

std::vector<double> yarn_inv_freq(int64_t d_rope, const YarnParams& y) {
    const int64_t half = d_rope / 2;
    std::vector<double> inv(static_cast<size_t>(half));
    for (int64_t i = 0; i < half; ++i) inv[i] = 1.0 / std::pow(y.theta, static_cast<double>(2 * i) / static_cast<double>(d_rope));
    if (y.factor <= 1) return inv;
    // Dimensions that rotate fewer than beta_slow times over the original context are
    // interpolated, those above beta_fast kept, a linear ramp between.
    auto correction_dim = [&](double rotations) {
        return d_rope * std::log(y.original_max_pos / (rotations * 2 * std::numbers::pi)) / (2 * std::log(y.theta));
    };
    double low = std::max(std::floor(correction_dim(y.beta_fast)), 0.0);
    double high = std::min(std::ceil(correction_dim(y.beta_slow)), static_cast<double>(d_rope - 1));
    if (low == high) high += 0.001;
    for (int64_t i = 0; i < half; ++i) {
        const double ramp = std::clamp((static_cast<double>(i) - low) / (high - low), 0.0, 1.0);
        const double extra_mask = 1.0 - ramp;
        inv[i] = inv[i] / y.factor * (1 - extra_mask) + inv[i] * extra_mask;
    }
    return inv;
}

RopeTable make_rope_table(int64_t d_rope, int64_t max_pos, const YarnParams& y) {
    RopeTable t;
    t.d_rope = d_rope;
    const int64_t half = d_rope / 2;
    const std::vector<double> inv = yarn_inv_freq(d_rope, y);
    const double scale = y.factor > 1 ? yarn_mscale(y.factor, y.mscale) / yarn_mscale(y.factor, y.mscale_all_dim) : 1.0;
    t.cos.resize(static_cast<size_t>(max_pos * half));
    t.sin.resize(t.cos.size());
    for (int64_t p = 0; p < max_pos; ++p)
        for (int64_t i = 0; i < half; ++i) {
            // float32 angle, as torch computes outer(t, inv_freq) in float32
            const float angle = static_cast<float>(p) * static_cast<float>(inv[i]);
            t.cos[p * half + i] = static_cast<float>(std::cos(static_cast<double>(angle)) * scale);
            t.sin[p * half + i] = static_cast<float>(std::sin(static_cast<double>(angle)) * scale);
        }
    return t;
}

void rope_interleaved(float* x, const RopeTable& t, int64_t pos) {
    const int64_t half = t.d_rope / 2;
    const float* c = t.cos.data() + pos * half;
    const float* s = t.sin.data() + pos * half;
    for (int64_t i = 0; i < half; ++i) {
        const float a = x[2 * i], b = x[2 * i + 1];
        x[2 * i] = a * c[i] - b * s[i];
        x[2 * i + 1] = a * s[i] + b * c[i];
    }
}

void rope_half(float* x, const RopeTable& t, int64_t pos) {
    const int64_t half = t.d_rope / 2;
    const float* c = t.cos.data() + pos * half;
    const float* s = t.sin.data() + pos * half;
    for (int64_t i = 0; i < half; ++i) {
        const float a = x[i], b = x[i + half];
        x[i] = a * c[i] - b * s[i];
        x[i + half] = a * s[i] + b * c[i];
    }
}

}  // namespace envforge::kernels
