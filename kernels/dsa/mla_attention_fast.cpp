#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "kernels/cpu_features.hpp"
#include "kernels/dsa/mla_attention.hpp"
#include "kernels/parallel.hpp"
#include "kernels/simd_x86.hpp"

namespace envforge::kernels {
namespace {

using namespace simd;
constexpr int64_t kBlock = 32;

// Running softmax state of one range of rows: max, sum of exp and unnormalised output per head.
struct Partial {
    std::vector<float> m, l, o;
    Partial(int64_t n_head, int64_t d_v)
        : m(static_cast<size_t>(n_head), -std::numeric_limits<float>::infinity()), l(static_cast<size_t>(n_head), 0.0f),
          o(static_cast<size_t>(n_head * d_v), 0.0f) {}
};

EF_AVX512_FN float dot_avx512(const float* a, const float* b, int64_t d) {
    __m512 acc0 = _mm512_setzero_ps(), acc1 = _mm512_setzero_ps();
    int64_t i = 0;
    for (; i + 32 <= d; i += 32) {
        acc0 = _mm512_fmadd_ps(load16(a + i), load16(b + i), acc0);
        acc1 = _mm512_fmadd_ps(load16(a + i + 16), load16(b + i + 16), acc1);
    }
    for (; i + 16 <= d; i += 16) acc0 = _mm512_fmadd_ps(load16(a + i), load16(b + i), acc0);
    if (i < d) acc1 = _mm512_fmadd_ps(load16_tail(a + i, static_cast<int>(d - i)), load16_tail(b + i, static_cast<int>(d - i)), acc1);
    return hsum(_mm512_add_ps(acc0, acc1));
}

EF_AVX512_FN void axpy_avx512(float* y, float a, const float* x, int64_t d) {
    const __m512 av = _mm512_set1_ps(a);
    int64_t i = 0;
    for (; i + 16 <= d; i += 16) _mm512_storeu_ps(y + i, _mm512_fmadd_ps(av, load16(x + i), load16(y + i)));
    for (; i < d; ++i) y[i] += a * x[i];
}

EF_AVX2_FN float dot_avx2(const float* a, const float* b, int64_t d) {
    __m256 acc = _mm256_setzero_ps();
    int64_t i = 0;
    for (; i + 8 <= d; i += 8) acc = _mm256_fmadd_ps(load8(a + i), load8(b + i), acc);
    float s = hsum(acc);
    for (; i < d; ++i) s += a[i] * b[i];
    return s;
}

EF_AVX2_FN void axpy_avx2(float* y, float a, const float* x, int64_t d) {
    const __m256 av = _mm256_set1_ps(a);
    int64_t i = 0;
    for (; i + 8 <= d; i += 8) _mm256_storeu_ps(y + i, _mm256_fmadd_ps(av, load8(x + i), load8(y + i)));
    for (; i < d; ++i) y[i] += a * x[i];
}

float dot_scalar(const float* a, const float* b, int64_t d) {
    float s = 0;
    for (int64_t i = 0; i < d; ++i) s += a[i] * b[i];
    return s;
}
void axpy_scalar(float* y, float a, const float* x, int64_t d) {
    for (int64_t i = 0; i < d; ++i) y[i] += a * x[i];
}

template <float (*Dot)(const float*, const float*, int64_t), void (*Axpy)(float*, float, const float*, int64_t)>
void range(const MlaAttentionParams& p, int64_t j0, int64_t j1, Partial& part) {
    const int64_t H = p.n_head;
    std::vector<float> prob(static_cast<size_t>(H * kBlock));
    const float* rows[kBlock];
    for (int64_t b0 = j0; b0 < j1; b0 += kBlock) {
        const int64_t nb = std::min(kBlock, j1 - b0);
        for (int64_t b = 0; b < nb; ++b) {
            rows[b] = p.kv + (p.idx ? p.idx[b0 + b] : b0 + b) * p.d_qk;
            for (int64_t h = 0; h < H; ++h) prob[h * kBlock + b] = Dot(p.q + h * p.d_qk, rows[b], p.d_qk) * p.scale;
        }
        for (int64_t h = 0; h < H; ++h) {
            float* pr = prob.data() + h * kBlock;
            float bm = pr[0];
            for (int64_t b = 1; b < nb; ++b) bm = std::max(bm, pr[b]);
            const float m_new = std::max(part.m[h], bm);
            const float alpha = std::exp(part.m[h] - m_new);  // exp(-inf) = 0 on the first block
            if (alpha != 1.0f)
                for (int64_t i = 0; i < p.d_v; ++i) part.o[h * p.d_v + i] *= alpha;
            float l = part.l[h] * alpha;
            for (int64_t b = 0; b < nb; ++b) l += pr[b] = std::exp(pr[b] - m_new);
            part.l[h] = l;
            part.m[h] = m_new;
        }
        for (int64_t b = 0; b < nb; ++b)
            for (int64_t h = 0; h < H; ++h) Axpy(part.o.data() + h * p.d_v, prob[h * kBlock + b], rows[b], p.d_v);
    }
}

void run_range(Isa isa, const MlaAttentionParams& p, int64_t j0, int64_t j1, Partial& part) {
    if (isa == Isa::Avx512) range<dot_avx512, axpy_avx512>(p, j0, j1, part);
    else if (isa == Isa::Avx2) range<dot_avx2, axpy_avx2>(p, j0, j1, part);
    else range<dot_scalar, axpy_scalar>(p, j0, j1, part);
}

}  // namespace

void mla_attention_fast(const MlaAttentionParams& p) {
    const Isa isa = cpu_isa();
    const int64_t n = p.idx ? p.n_idx : p.n_kv;
    // Fixed chunks merged in order, so the result does not depend on the thread count or timing.
    constexpr int64_t kChunk = 1024;
    const int64_t n_chunks = std::max<int64_t>(1, (n + kChunk - 1) / kChunk);
    std::vector<Partial> parts(static_cast<size_t>(n_chunks), Partial(p.n_head, p.d_v));
    parallel_for(n_chunks, 1, [&](int64_t b, int64_t e) {
        for (int64_t c = b; c < e; ++c) run_range(isa, p, c * kChunk, std::min(n, (c + 1) * kChunk), parts[c]);
    });
    Partial& total = parts[0];
    for (int64_t c = 1; c < n_chunks; ++c) {
        const Partial& part = parts[c];
        for (int64_t h = 0; h < p.n_head; ++h) {
            if (part.l[h] == 0) continue;
            const float m = std::max(total.m[h], part.m[h]);
            const float a = std::exp(total.m[h] - m), k = std::exp(part.m[h] - m);
            for (int64_t i = 0; i < p.d_v; ++i) total.o[h * p.d_v + i] = total.o[h * p.d_v + i] * a + part.o[h * p.d_v + i] * k;
            total.l[h] = total.l[h] * a + part.l[h] * k;
            total.m[h] = m;
        }
    }
    for (int64_t h = 0; h < p.n_head; ++h) {
        const float inv = total.l[h] > 0 ? 1.0f / total.l[h] : 0.0f;
        for (int64_t i = 0; i < p.d_v; ++i) p.out[h * p.d_v + i] = total.o[h * p.d_v + i] * inv;
    }
}

}  // namespace envforge::kernels
