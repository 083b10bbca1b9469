// Multi-head latent attention in its absorbed MQA form, for one query token: every head attends
// over the same cached rows c_s = [latent (d_v) | rope key (d_qk - d_v)]:
//   logit[h, s] = scale · q[h] · c_s          out[h] = Σ_s softmax_s(logit[h, ·]) · c_s[:d_v]
// DSA attends over the indexer's selection; dense attention over every row (idx = nullptr).
#pragma once

#include <cstdint>

namespace envforge::kernels {

struct MlaAttentionParams {
    const float* q;      // [n_head, d_qk]: absorbed nope part (d_v) then rotated rope part
    const float* kv;     // [n_kv, d_qk] cache rows
    const int32_t* idx;  // [n_idx] rows to attend, each in [0, n_kv); nullptr = all n_kv rows
    float* out;          // [n_head, d_v]
    int64_t n_idx, n_kv, n_head, d_qk, d_v;
    float scale;
};

// Aborts naming the broken invariant when the shapes or pointers cannot be right; every
// implementation calls it first.
void check_params(const MlaAttentionParams& p);

void mla_attention_cpu(const MlaAttentionParams& p);
// Online softmax over blocks of rows, rows split across threads and partial results merged
// (split-K, as flash decoding); nested use runs serially.
void mla_attention_fast(const MlaAttentionParams& p);

}  // namespace envforge::kernels
