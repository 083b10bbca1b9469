// What the CUDA translation units of kernels/cuda share: error checks that throw with the call's
// text, bf16 conversions, the blocked indexer-key layout, and warp and block reductions. Device
// code only; included by .cu files, never by headers other files see.
#pragma once

#include <cuda_runtime.h>

#include <cstdint>
#include <stdexcept>
#include <string>

namespace envforge::kernels::cuda::detail {

inline void check(cudaError_t e, const char* what) {
    if (e != cudaSuccess) throw std::runtime_error(std::string("CUDA: ") + what + ": " + cudaGetErrorString(e));
}
#define ENVFORGE_CUDA(call) ::envforge::kernels::cuda::detail::check((call), #call)

__device__ inline float bf16_to_f32(uint16_t b) { return __uint_as_float(static_cast<uint32_t>(b) << 16); }

// Round to nearest even, NaN kept (kernels/dtype.hpp's f32_to_bf16).
__device__ inline uint16_t f32_to_bf16(float f) {
    uint32_t u = __float_as_uint(f);
    if ((u & 0x7fffffffu) > 0x7f800000u) return static_cast<uint16_t>((u >> 16) | 0x40);
    u += 0x7fffu + ((u >> 16) & 1u);
    return static_cast<uint16_t>(u >> 16);
}

// kernels/dsa/lightning_indexer.hpp's blocked layout: blocks of 16 keys, dimension-major inside.
__device__ inline int64_t key_offset(int64_t s, int64_t i, int64_t d) { return ((s / 16) * d + i) * 16 + s % 16; }

__device__ inline float warp_sum(float v) {
    for (int o = 16; o; o >>= 1) v += __shfl_xor_sync(0xFFFFFFFFu, v, o);
    return v;
}

// The max or the sum over the block (blockDim.x a multiple of 32); every thread gets it. Its
// barriers also order the block's earlier writes before its later reads.
__device__ inline float block_reduce(float v, bool is_max) {
    __shared__ float part[32];
    for (int o = 16; o; o >>= 1) {
        const float other = __shfl_xor_sync(0xFFFFFFFFu, v, o);
        v = is_max ? fmaxf(v, other) : v + other;
    }
    const int lane = threadIdx.x % 32, warp = threadIdx.x / 32, warps = blockDim.x / 32;
    if (lane == 0) part[warp] = v;
    __syncthreads();
    if (threadIdx.x == 0) {
        float r = part[0];
        for (int w = 1; w < warps; ++w) r = is_max ? fmaxf(r, part[w]) : r + part[w];
        part[0] = r;
    }
    __syncthreads();
    const float r = part[0];
    __syncthreads();
    return r;
}

}  // namespace envforge::kernels::cuda::detail
