#include <algorithm>

#include "kernels/cpu_features.hpp"
#include "kernels/dsa/lightning_indexer.hpp"
#include "kernels/parallel.hpp"
#include "kernels/simd_x86.hpp"

namespace envforge::kernels {
namespace {

using namespace simd;

// One key at a time: the key row (d bf16) is converted once and dotted with every head's query,
// which stays in L1 for the whole range.
EF_AVX512_FN void range_avx512(const IndexerParams& p, int64_t s0, int64_t s1) {
    const int64_t d = p.d;
    for (int64_t s = s0; s < s1; ++s) {
        const uint16_t* k = p.k + s * d;
        float score = 0;
        for (int64_t h = 0; h < p.n_head; ++h) {
            const float* q = p.q + h * d;
            __m512 acc = _mm512_setzero_ps();
            int64_t i = 0;
            for (; i + 16 <= d; i += 16) acc = _mm512_fmadd_ps(load16(q + i), load16(k + i), acc);
            if (i < d) acc = _mm512_fmadd_ps(load16_tail(q + i, static_cast<int>(d - i)), load16_tail(k + i, static_cast<int>(d - i)), acc);
            const float dot = hsum(acc);
            if (dot > 0) score += p.w[h] * dot;
        }
        p.scores[s] = score;
    }
}

EF_AVX2_FN void range_avx2(const IndexerParams& p, int64_t s0, int64_t s1) {
    const int64_t d = p.d;
    for (int64_t s = s0; s < s1; ++s) {
        const uint16_t* k = p.k + s * d;
        float score = 0;
        for (int64_t h = 0; h < p.n_head; ++h) {
            const float* q = p.q + h * d;
            __m256 acc = _mm256_setzero_ps();
            int64_t i = 0;
            for (; i + 8 <= d; i += 8) acc = _mm256_fmadd_ps(load8(q + i), load8(k + i), acc);
            float dot = hsum(acc);
            for (; i < d; ++i) dot += q[i] * scalar(k, i);
            if (dot > 0) score += p.w[h] * dot;
        }
        p.scores[s] = score;
    }
}

void range_scalar(const IndexerParams& p, int64_t s0, int64_t s1) {
    for (int64_t s = s0; s < s1; ++s) {
        float score = 0;
        for (int64_t h = 0; h < p.n_head; ++h) {
            float dot = 0;
            for (int64_t i = 0; i < p.d; ++i) dot += p.q[h * p.d + i] * scalar(p.k + s * p.d, i);
            if (dot > 0) score += p.w[h] * dot;
        }
        p.scores[s] = score;
    }
}

}  // namespace

void lightning_indexer_fast(const IndexerParams& p) {
    const Isa isa = cpu_isa();
    parallel_for(p.n_kv, 1024, [&](int64_t b, int64_t e) {
        if (isa == Isa::Avx512) range_avx512(p, b, e);
        else if (isa == Isa::Avx2) range_avx2(p, b, e);
        else range_scalar(p, b, e);
    });
}

}  // namespace envforge::kernels
