#include <algorithm>

#include "kernels/cpu_features.hpp"
#include "kernels/matmul.hpp"
#include "kernels/parallel.hpp"
#include "kernels/simd_x86.hpp"

namespace envforge::kernels {
namespace {

using namespace simd;

// R weight rows × T tokens of accumulators; every weight vector loaded once serves T tokens and
// every activation vector serves R rows.
template <int R, int T, class W>
EF_AVX512_FN void tile_avx512(const float* x, const W* w, float* y, int64_t k, int64_t n) {
    __m512 acc[R][T];
    for (int r = 0; r < R; ++r)
        for (int t = 0; t < T; ++t) acc[r][t] = _mm512_setzero_ps();
    int64_t i = 0;
    for (; i + 16 <= k; i += 16) {
        __m512 xv[T];
        for (int t = 0; t < T; ++t) xv[t] = load16(x + t * k + i);
        for (int r = 0; r < R; ++r) {
            const __m512 wv = load16(w + r * k + i);
            for (int t = 0; t < T; ++t) acc[r][t] = _mm512_fmadd_ps(xv[t], wv, acc[r][t]);
        }
    }
    if (i < k) {
        const int rest = static_cast<int>(k - i);
        __m512 xv[T];
        for (int t = 0; t < T; ++t) xv[t] = load16_tail(x + t * k + i, rest);
        for (int r = 0; r < R; ++r) {
            const __m512 wv = load16_tail(w + r * k + i, rest);
            for (int t = 0; t < T; ++t) acc[r][t] = _mm512_fmadd_ps(xv[t], wv, acc[r][t]);
        }
    }
    for (int r = 0; r < R; ++r)
        for (int t = 0; t < T; ++t) y[t * n + r] = hsum(acc[r][t]);
}

template <int R, int T, class W>
EF_AVX2_FN void tile_avx2(const float* x, const W* w, float* y, int64_t k, int64_t n) {
    __m256 acc[R][T];
    for (int r = 0; r < R; ++r)
        for (int t = 0; t < T; ++t) acc[r][t] = _mm256_setzero_ps();
    int64_t i = 0;
    for (; i + 8 <= k; i += 8) {
        __m256 xv[T];
        for (int t = 0; t < T; ++t) xv[t] = load8(x + t * k + i);
        for (int r = 0; r < R; ++r) {
            const __m256 wv = load8(w + r * k + i);
            for (int t = 0; t < T; ++t) acc[r][t] = _mm256_fmadd_ps(xv[t], wv, acc[r][t]);
        }
    }
    for (int r = 0; r < R; ++r)
        for (int t = 0; t < T; ++t) {
            float s = hsum(acc[r][t]);
            for (int64_t j = i; j < k; ++j) s += x[t * k + j] * scalar(w + r * k, j);
            y[t * n + r] = s;
        }
}

template <int R, int T, class W>
void tile_scalar(const float* x, const W* w, float* y, int64_t k, int64_t n) {
    for (int r = 0; r < R; ++r)
        for (int t = 0; t < T; ++t) {
            float s = 0;
            for (int64_t j = 0; j < k; ++j) s += x[t * k + j] * scalar(w + r * k, j);
            y[t * n + r] = s;
        }
}

template <int R, int T, class W>
void tile(Isa isa, const float* x, const W* w, float* y, int64_t k, int64_t n) {
    if (isa == Isa::Avx512) tile_avx512<R, T>(x, w, y, k, n);
    else if (isa == Isa::Avx2) tile_avx2<R, T>(x, w, y, k, n);
    else tile_scalar<R, T>(x, w, y, k, n);
}

// Weight rows [r0, r1) against every token: full 4×4 tiles, then the leftover tokens and rows.
template <class W>
void rows(Isa isa, const MatmulParams& p, const W* w, int64_t r0, int64_t r1) {
    const int64_t k = p.k, n = p.n;
    int64_t t = 0;
    for (; t + 4 <= p.n_tok; t += 4) {
        int64_t r = r0;
        for (; r + 4 <= r1; r += 4) tile<4, 4>(isa, p.x + t * k, w + r * k, p.y + t * n + r, k, n);
        for (; r < r1; ++r) tile<1, 4>(isa, p.x + t * k, w + r * k, p.y + t * n + r, k, n);
    }
    for (; t < p.n_tok; ++t) {
        int64_t r = r0;
        for (; r + 4 <= r1; r += 4) tile<4, 1>(isa, p.x + t * k, w + r * k, p.y + t * n + r, k, n);
        for (; r < r1; ++r) tile<1, 1>(isa, p.x + t * k, w + r * k, p.y + t * n + r, k, n);
    }
}

}  // namespace

void matmul_fast(const MatmulParams& p) {
    check_params(p);
    const Isa isa = cpu_isa();
    // Chunks of whole 4-row tiles; enough work per chunk to pay for the hand-off.
    const int64_t grain = std::max<int64_t>(4, ((16384 / std::max<int64_t>(p.k * p.n_tok, 1)) + 3) / 4 * 4);
    const int64_t tiles = (p.n + 3) / 4;
    parallel_for(tiles, (grain + 3) / 4, [&](int64_t b, int64_t e) {
        const int64_t r0 = b * 4, r1 = std::min(p.n, e * 4);
        if (p.w_type == DType::BF16) rows(isa, p, static_cast<const uint16_t*>(p.w), r0, r1);
        else rows(isa, p, static_cast<const float*>(p.w), r0, r1);
    });
}

}  // namespace envforge::kernels
