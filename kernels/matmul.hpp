// y = x · wᵀ for activations x [n_tok, k] (f32) and a weight matrix w [n, k] (bf16 or f32, the
// layout of an HF Linear); with n_tok = 1 this is the matrix-vector product of decode.
#pragma once

#include <cstdint>

#include "kernels/dtype.hpp"

namespace envforge::kernels {

struct MatmulParams {
    const float* x;  // [n_tok, k], row stride k
    const void* w;   // [n, k] row-major, element type w_type
    DType w_type;
    float* y;  // [n_tok, n], row stride n
    int64_t n_tok, n, k;
};

// Plain loops with double accumulation: the oracle.
// Aborts naming the broken invariant when the shapes or pointers cannot be right; every
// implementation calls it first.
void check_params(const MatmulParams& p);

void matmul_cpu(const MatmulParams& p);
// SIMD (AVX-512 or AVX2, picked at run time) over a tile of 4 weight rows × 4 tokens, output
// rows split across threads. Single-threaded when called from inside a parallel_for.
void matmul_fast(const MatmulParams& p);

}  // namespace envforge::kernels
