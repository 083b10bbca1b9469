#include "kernels/norm.hpp"

#include <cmath>

#include "common/errors.hpp"

namespace envforge::kernels {

void check_params(const NormParams& p) {
    ENVFORGE_ASSERT(p.n_row >= 0 && p.d > 0 && p.eps >= 0);
    ENVFORGE_ASSERT(p.n_row == 0 || (p.x && p.w && p.out));
}

void rms_norm_cpu(const NormParams& p) {
    check_params(p);
    for (int64_t r = 0; r < p.n_row; ++r) {
        const float* x = p.x + r * p.d;
        double ss = 0;
        for (int64_t i = 0; i < p.d; ++i) ss += static_cast<double>(x[i]) * x[i];
        const double inv = 1.0 / std::sqrt(ss / static_cast<double>(p.d) + p.eps);
        for (int64_t i = 0; i < p.d; ++i) p.out[r * p.d + i] = static_cast<float>(x[i] * inv * p.w[i]);
    }
}

void layer_norm_cpu(const NormParams& p) {
    check_params(p);
    for (int64_t r = 0; r < p.n_row; ++r) {
        const float* x = p.x + r * p.d;
        double mean = 0, var = 0;
        for (int64_t i = 0; i < p.d; ++i) mean += x[i];
        mean /= static_cast<double>(p.d);
        for (int64_t i = 0; i < p.d; ++i) var += (x[i] - mean) * (x[i] - mean);
        const double inv = 1.0 / std::sqrt(var / static_cast<double>(p.d) + p.eps);
        for (int64_t i = 0; i < p.d; ++i) p.out[r * p.d + i] = static_cast<float>((x[i] - mean) * inv * p.w[i] + p.b[i]);
    }
}

}  // namespace envforge::kernels
