// The lightning indexer's scores for one query token against cached keys:
//   I[s] = Σ_h w[h] · ReLU(q[h] · k[s])        s ∈ [0, n_kv)
// w already holds every scale (n_head^-0.5 · d^-0.5); the causal limit is the caller's n_kv.
// Keys are the bf16 indexer cache, one shared "head" per token (reference/deepseek-v32.md §1.3),
// stored in blocks of 16 tokens, dimension-major inside a block, so that one vector load holds
// dimension i of 16 keys and the scores of 16 keys come out of plain FMAs with no reductions.
#pragma once

#include <cstdint>

namespace envforge::kernels {

constexpr int64_t kIndexerBlock = 16;

// Where element i of key s lives in the blocked cache of dimension d.
inline int64_t indexer_key_offset(int64_t s, int64_t i, int64_t d) {
    return ((s / kIndexerBlock) * d + i) * kIndexerBlock + s % kIndexerBlock;
}
// Elements to allocate for n keys (whole blocks).
inline int64_t indexer_cache_size(int64_t n, int64_t d) { return (n + kIndexerBlock - 1) / kIndexerBlock * kIndexerBlock * d; }

struct IndexerParams {
    const float* q;     // [n_head, d]
    const float* w;     // [n_head]
    const uint16_t* k;  // blocked bf16 keys, indexer_cache_size(n_kv, d) elements
    float* scores;      // [n_kv]
    int64_t n_kv, n_head, d;
};

// Aborts naming the broken invariant when the shapes or pointers cannot be right; every
// implementation calls it first.
void check_params(const IndexerParams& p);

void lightning_indexer_cpu(const IndexerParams& p);
// Blocks of 16 keys split across threads (nested use runs serially); AVX-512 or AVX2.
void lightning_indexer_fast(const IndexerParams& p);

}  // namespace envforge::kernels
