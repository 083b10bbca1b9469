// The lightning indexer's scores for one query token against cached keys:
//   I[s] = Σ_h w[h] · ReLU(q[h] · k[s])        s ∈ [0, n_kv)
// w already holds every scale (n_head^-0.5 · d^-0.5); the causal limit is the caller's n_kv.
// Keys are the bf16 indexer cache, one shared "head" per token (reference/deepseek-v32.md §1.3).
#pragma once

#include <cstdint>

namespace envforge::kernels {

struct IndexerParams {
    const float* q;     // [n_head, d]
    const float* w;     // [n_head]
    const uint16_t* k;  // [n_kv, d] bf16
    float* scores;      // [n_kv]
    int64_t n_kv, n_head, d;
};

void lightning_indexer_cpu(const IndexerParams& p);
// Keys split across threads (nested use runs serially); AVX-512/AVX2 dot products.
void lightning_indexer_fast(const IndexerParams& p);

}  // namespace envforge::kernels
