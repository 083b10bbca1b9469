#include <algorithm>

#include "kernels/cpu_features.hpp"
#include "kernels/dsa/lightning_indexer.hpp"
#include "kernels/parallel.hpp"
#include "kernels/simd_x86.hpp"

namespace envforge::kernels {
namespace {

using namespace simd;
constexpr int kMaxHeads = 16;  // accumulators held in registers; more heads go in groups

// One block of 16 keys: for each dimension, load the 16 keys' values once and FMA them into
// one accumulator per head; then ReLU and the weighted sum over heads, 16 scores at a time.
EF_AVX512_FN void block_avx512(const IndexerParams& p, int64_t blk, float* out16) {
    const uint16_t* kb = p.k + blk * p.d * kIndexerBlock;
    __m512 score = _mm512_setzero_ps();
    for (int64_t h0 = 0; h0 < p.n_head; h0 += kMaxHeads) {
        const int nh = static_cast<int>(std::min<int64_t>(kMaxHeads, p.n_head - h0));
        __m512 acc[kMaxHeads];
        for (int h = 0; h < nh; ++h) acc[h] = _mm512_setzero_ps();
        for (int64_t i = 0; i < p.d; ++i) {
            const __m512 kv = load16(kb + i * kIndexerBlock);
            for (int h = 0; h < nh; ++h) acc[h] = _mm512_fmadd_ps(_mm512_set1_ps(p.q[(h0 + h) * p.d + i]), kv, acc[h]);
        }
        for (int h = 0; h < nh; ++h)
            score = _mm512_fmadd_ps(_mm512_set1_ps(p.w[h0 + h]), _mm512_max_ps(acc[h], _mm512_setzero_ps()), score);
    }
    _mm512_storeu_ps(out16, score);
}

EF_AVX2_FN void block_avx2(const IndexerParams& p, int64_t blk, float* out16) {
    const uint16_t* kb = p.k + blk * p.d * kIndexerBlock;
    for (int half = 0; half < 2; ++half) {
        __m256 score = _mm256_setzero_ps();
        for (int64_t h0 = 0; h0 < p.n_head; h0 += 8) {
            const int nh = static_cast<int>(std::min<int64_t>(8, p.n_head - h0));
            __m256 acc[8];
            for (int h = 0; h < nh; ++h) acc[h] = _mm256_setzero_ps();
            for (int64_t i = 0; i < p.d; ++i) {
                const __m256 kv = load8(kb + i * kIndexerBlock + half * 8);
                for (int h = 0; h < nh; ++h) acc[h] = _mm256_fmadd_ps(_mm256_set1_ps(p.q[(h0 + h) * p.d + i]), kv, acc[h]);
            }
            for (int h = 0; h < nh; ++h)
                score = _mm256_fmadd_ps(_mm256_set1_ps(p.w[h0 + h]), _mm256_max_ps(acc[h], _mm256_setzero_ps()), score);
        }
        _mm256_storeu_ps(out16 + half * 8, score);
    }
}

void block_scalar(const IndexerParams& p, int64_t blk, float* out16) {
    for (int64_t j = 0; j < kIndexerBlock; ++j) {
        const int64_t s = blk * kIndexerBlock + j;
        float score = 0;
        for (int64_t h = 0; h < p.n_head; ++h) {
            float dot = 0;
            for (int64_t i = 0; i < p.d; ++i) dot += p.q[h * p.d + i] * scalar(p.k, indexer_key_offset(s, i, p.d));
            if (dot > 0) score += p.w[h] * dot;
        }
        out16[j] = score;
    }
}

}  // namespace

void lightning_indexer_fast(const IndexerParams& p) {
    check_params(p);
    const Isa isa = cpu_isa();
    const int64_t n_blocks = (p.n_kv + kIndexerBlock - 1) / kIndexerBlock;
    parallel_for(n_blocks, 64, [&](int64_t b, int64_t e) {
        float tmp[kIndexerBlock];
        for (int64_t blk = b; blk < e; ++blk) {
            // The last block may be partial: its padding keys are computed and dropped.
            const bool full = (blk + 1) * kIndexerBlock <= p.n_kv;
            float* out = full ? p.scores + blk * kIndexerBlock : tmp;
            if (isa == Isa::Avx512) block_avx512(p, blk, out);
            else if (isa == Isa::Avx2) block_avx2(p, blk, out);
            else block_scalar(p, blk, out);
            if (!full) std::copy(tmp, tmp + (p.n_kv - blk * kIndexerBlock), p.scores + blk * kIndexerBlock);
        }
    });
}

}  // namespace envforge::kernels
