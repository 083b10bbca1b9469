#include <cmath>

#include "kernels/cpu_features.hpp"
#include "kernels/norm.hpp"
#include "kernels/simd_x86.hpp"

namespace envforge::kernels {
namespace {

using namespace simd;

// Sum and sum of squares of one row.
EF_AVX512_FN void moments_avx512(const float* x, int64_t d, float& sum, float& sumsq) {
    __m512 s = _mm512_setzero_ps(), q = _mm512_setzero_ps();
    int64_t i = 0;
    for (; i + 16 <= d; i += 16) {
        const __m512 v = load16(x + i);
        s = _mm512_add_ps(s, v);
        q = _mm512_fmadd_ps(v, v, q);
    }
    if (i < d) {
        const __m512 v = load16_tail(x + i, static_cast<int>(d - i));
        s = _mm512_add_ps(s, v);
        q = _mm512_fmadd_ps(v, v, q);
    }
    sum = hsum(s);
    sumsq = hsum(q);
}

void moments(const float* x, int64_t d, float& sum, float& sumsq) {
    if (cpu_isa() == Isa::Avx512) return moments_avx512(x, d, sum, sumsq);
    float s = 0, q = 0;
    for (int64_t i = 0; i < d; ++i) {
        s += x[i];
        q += x[i] * x[i];
    }
    sum = s;
    sumsq = q;
}

}  // namespace

void rms_norm_fast(const NormParams& p) {
    check_params(p);
    for (int64_t r = 0; r < p.n_row; ++r) {
        const float* x = p.x + r * p.d;
        float sum, sumsq;
        moments(x, p.d, sum, sumsq);
        const float inv = 1.0f / std::sqrt(sumsq / static_cast<float>(p.d) + p.eps);
        float* o = p.out + r * p.d;
        for (int64_t i = 0; i < p.d; ++i) o[i] = x[i] * inv * p.w[i];
    }
}

void layer_norm_fast(const NormParams& p) {
    check_params(p);
    for (int64_t r = 0; r < p.n_row; ++r) {
        const float* x = p.x + r * p.d;
        float sum, sumsq;
        moments(x, p.d, sum, sumsq);
        const float mean = sum / static_cast<float>(p.d);
        // Two-pass variance: the one-pass E[x²] - mean² loses digits when |mean| is large.
        float var = 0;
        for (int64_t i = 0; i < p.d; ++i) var += (x[i] - mean) * (x[i] - mean);
        const float inv = 1.0f / std::sqrt(var / static_cast<float>(p.d) + p.eps);
        float* o = p.out + r * p.d;
        for (int64_t i = 0; i < p.d; ++i) o[i] = (x[i] - mean) * inv * p.w[i] + p.b[i];
    }
}

}  // namespace envforge::kernels
