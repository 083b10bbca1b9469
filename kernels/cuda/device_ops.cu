// The forward pass's ops on the GPU (see device_ops.hpp). Written for correctness against the
// CPU kernels first: plain float accumulation, one launch per op on the default stream. The
// matmul is the only op whose speed matters at decode (it streams the weights); it reads each
// weight row once per chunk of 8 activation rows, with 16-byte loads.
#include "kernels/cuda/device_ops.hpp"

#include <cuda_runtime.h>

#include <algorithm>
#include <stdexcept>

#include "kernels/cuda/cuda_common.cuh"

namespace envforge::kernels::cuda {

namespace {

using namespace detail;

void check_launch() { ENVFORGE_CUDA(cudaGetLastError()); }

unsigned blocks_for(int64_t n, int threads) { return static_cast<unsigned>((n + threads - 1) / threads); }

// ---- matmul: one warp per output row, a chunk of kRows activation rows per block column ----
constexpr int kRows = 8;
constexpr int kWarps = 8;

template <bool kBf16>
__global__ void matmul_kernel(const float* x, int64_t x_stride, const void* w, float* y, int64_t y_stride, int64_t n, int64_t rows,
                              int64_t cols, bool vec) {
    const int lane = threadIdx.x % 32;
    const int64_t o = blockIdx.x * static_cast<int64_t>(kWarps) + threadIdx.x / 32;
    const int64_t r0 = blockIdx.y * static_cast<int64_t>(kRows);
    if (o >= rows) return;
    const int nr = static_cast<int>(n - r0 < kRows ? n - r0 : kRows);
    float acc[kRows];
#pragma unroll
    for (int j = 0; j < kRows; ++j) acc[j] = 0.0f;
    if (kBf16 && vec) {
        // 8 weights (16 bytes) per lane per step.
        const uint4* wrow = reinterpret_cast<const uint4*>(static_cast<const uint16_t*>(w) + o * cols);
        for (int64_t c8 = lane; c8 < cols / 8; c8 += 32) {
            const uint4 packed = wrow[c8];
            const uint32_t words[4] = {packed.x, packed.y, packed.z, packed.w};
            float wv[8];
#pragma unroll
            for (int k = 0; k < 4; ++k) {
                wv[2 * k] = __uint_as_float(words[k] << 16);
                wv[2 * k + 1] = __uint_as_float(words[k] & 0xFFFF0000u);
            }
#pragma unroll
            for (int j = 0; j < kRows; ++j) {
                if (j >= nr) break;
                const float* xr = x + (r0 + j) * x_stride + c8 * 8;
#pragma unroll
                for (int k = 0; k < 8; ++k) acc[j] = fmaf(wv[k], xr[k], acc[j]);
            }
        }
    } else {
        for (int64_t c = lane; c < cols; c += 32) {
            const float wv = kBf16 ? bf16_to_f32(static_cast<const uint16_t*>(w)[o * cols + c])
                                   : static_cast<const float*>(w)[o * cols + c];
#pragma unroll
            for (int j = 0; j < kRows; ++j) {
                if (j >= nr) break;
                acc[j] = fmaf(wv, x[(r0 + j) * x_stride + c], acc[j]);
            }
        }
    }
#pragma unroll
    for (int j = 0; j < kRows; ++j) {
        if (j >= nr) break;
        const float s = warp_sum(acc[j]);
        if (lane == 0) y[(r0 + j) * y_stride + o] = s;
    }
}

__global__ void rms_norm_kernel(const float* x, const float* w, float* out, int64_t d, int64_t stride, float eps) {
    const float* xr = x + blockIdx.x * stride;
    float* outr = out + blockIdx.x * stride;
    float ss = 0.0f;
    for (int64_t i = threadIdx.x; i < d; i += blockDim.x) ss = fmaf(xr[i], xr[i], ss);
    const float inv = rsqrtf(block_reduce(ss, false) / static_cast<float>(d) + eps);
    for (int64_t i = threadIdx.x; i < d; i += blockDim.x) outr[i] = xr[i] * inv * w[i];
}

__global__ void layer_norm_kernel(float* x, const float* w, const float* b, int64_t d, float eps) {
    float* xr = x + blockIdx.x * d;
    float s = 0.0f;
    for (int64_t i = threadIdx.x; i < d; i += blockDim.x) s += xr[i];
    const float mean = block_reduce(s, false) / static_cast<float>(d);
    float v = 0.0f;
    for (int64_t i = threadIdx.x; i < d; i += blockDim.x) v = fmaf(xr[i] - mean, xr[i] - mean, v);
    const float inv = rsqrtf(block_reduce(v, false) / static_cast<float>(d) + eps);
    for (int64_t i = threadIdx.x; i < d; i += blockDim.x) xr[i] = (xr[i] - mean) * inv * w[i] + b[i];
}

__global__ void embed_kernel(const void* table, bool bf16, const int32_t* tokens, float* x, int64_t n, int64_t d) {
    const int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x;
    if (i >= n * d) return;
    const int64_t src = tokens[i / d] * d + i % d;
    x[i] = bf16 ? bf16_to_f32(static_cast<const uint16_t*>(table)[src]) : static_cast<const float*>(table)[src];
}

__global__ void add_kernel(float* x, const float* y, int64_t n) {
    const int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x;
    if (i < n) x[i] += y[i];
}

__global__ void silu_mul_kernel(float* g, const float* u, int64_t n) {
    const int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x;
    if (i < n) g[i] = g[i] / (1.0f + expf(-g[i])) * u[i];
}

__global__ void scale_kernel(float* x, float s, int64_t n) {
    const int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x;
    if (i < n) x[i] *= s;
}

__global__ void rope_kernel(float* x, int64_t n_vec, int64_t stride, int64_t per_row, const int64_t* pos, const float* cos,
                            const float* sin, int64_t half, bool interleaved) {
    const int64_t t = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x;
    if (t >= n_vec * half) return;
    const int64_t v = t / half, i = t % half;
    float* xv = x + v * stride;
    const int64_t p = pos[v / per_row];
    const float c = cos[p * half + i], s = sin[p * half + i];
    const int64_t ia = interleaved ? 2 * i : i, ib = interleaved ? 2 * i + 1 : i + half;
    const float a = xv[ia], b = xv[ib];
    xv[ia] = a * c - b * s;
    xv[ib] = a * s + b * c;
}

__global__ void copy_rows_kernel(float* dst, int64_t dst_stride, const float* src, int64_t src_stride, int64_t n, int64_t width) {
    const int64_t t = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x;
    if (t >= n * width) return;
    dst[(t / width) * dst_stride + t % width] = src[(t / width) * src_stride + t % width];
}

__global__ void gather_rows_kernel(float* dst, const float* src, const int32_t* index, int64_t n, int64_t d) {
    const int64_t t = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x;
    if (t >= n * d) return;
    dst[t] = src[index[t / d] * d + t % d];
}

__global__ void scatter_add_rows_kernel(float* dst, const float* src, const int32_t* index, const float* weight, int64_t n, int64_t d) {
    const int64_t t = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x;
    if (t >= n * d) return;
    dst[index[t / d] * d + t % d] += weight[t / d] * src[t];
}

__global__ void append_cache_kernel(float* const* cache_kv, uint16_t* const* cache_k, const int64_t* pos, const float* src, int64_t d,
                                    const float* keys, int64_t di, int64_t n) {
    const int64_t t = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x;
    const int64_t width = d + di;
    if (t >= n * width) return;
    const int64_t r = t / width, i = t % width, p = pos[r];
    if (i < d) {
        cache_kv[r][p * d + i] = src[r * d + i];
    } else {
        const int64_t k = i - d;
        cache_k[r][key_offset(p, k, di)] = f32_to_bf16(keys[r * di + k]);
    }
}

constexpr int kThreads = 256;

}  // namespace

DeviceBuffer::DeviceBuffer(size_t bytes) : bytes_(bytes) {
    if (bytes_) ENVFORGE_CUDA(cudaMalloc(&p_, bytes_));
}

DeviceBuffer::~DeviceBuffer() {
    if (p_) cudaFree(p_);
}

DeviceBuffer& DeviceBuffer::operator=(DeviceBuffer&& o) noexcept {
    if (this != &o) {
        if (p_) cudaFree(p_);
        p_ = o.p_, bytes_ = o.bytes_;
        o.p_ = nullptr, o.bytes_ = 0;
    }
    return *this;
}

void DeviceBuffer::upload(const void* host, size_t bytes, size_t offset) {
    if (offset + bytes > bytes_) throw std::runtime_error("CUDA: upload past the end of a device buffer");
    if (bytes) ENVFORGE_CUDA(cudaMemcpy(static_cast<char*>(p_) + offset, host, bytes, cudaMemcpyHostToDevice));
}

void DeviceBuffer::download(void* host, size_t bytes, size_t offset) const {
    if (offset + bytes > bytes_) throw std::runtime_error("CUDA: download past the end of a device buffer");
    if (bytes) ENVFORGE_CUDA(cudaMemcpy(host, static_cast<const char*>(p_) + offset, bytes, cudaMemcpyDeviceToHost));
}

void DeviceBuffer::reserve(size_t bytes) {
    if (bytes <= bytes_) return;
    DeviceBuffer bigger(std::max(bytes, bytes_ * 2));
    if (bytes_) ENVFORGE_CUDA(cudaMemcpy(bigger.p_, p_, bytes_, cudaMemcpyDeviceToDevice));
    *this = std::move(bigger);
}

void synchronize() { ENVFORGE_CUDA(cudaDeviceSynchronize()); }

void matmul(const float* x, int64_t x_stride, const void* w, DType type, float* y, int64_t y_stride, int64_t n, int64_t rows,
            int64_t cols) {
    if (n == 0 || rows == 0) return;
    const dim3 grid(static_cast<unsigned>((rows + kWarps - 1) / kWarps), static_cast<unsigned>((n + kRows - 1) / kRows));
    // 16-byte weight loads need 8-aligned rows; activation rows are read 8 floats at a time from
    // the same column, so their stride and base need no more than float alignment.
    const bool vec = cols % 8 == 0 && reinterpret_cast<uintptr_t>(w) % 16 == 0;
    if (type == DType::BF16) matmul_kernel<true><<<grid, kWarps * 32>>>(x, x_stride, w, y, y_stride, n, rows, cols, vec);
    else matmul_kernel<false><<<grid, kWarps * 32>>>(x, x_stride, w, y, y_stride, n, rows, cols, false);
    check_launch();
}

void rms_norm(const float* x, const float* w, float* out, int64_t n, int64_t d, int64_t stride, float eps) {
    if (n == 0) return;
    rms_norm_kernel<<<static_cast<unsigned>(n), kThreads>>>(x, w, out, d, stride, eps);
    check_launch();
}

void layer_norm(float* x, const float* w, const float* b, int64_t n, int64_t d, float eps) {
    if (n == 0) return;
    layer_norm_kernel<<<static_cast<unsigned>(n), kThreads>>>(x, w, b, d, eps);
    check_launch();
}

void embed(const void* table, DType type, const int32_t* tokens, float* x, int64_t n, int64_t d) {
    if (n * d == 0) return;
    embed_kernel<<<blocks_for(n * d, kThreads), kThreads>>>(table, type == DType::BF16, tokens, x, n, d);
    check_launch();
}

void add(float* x, const float* y, int64_t n) {
    if (n == 0) return;
    add_kernel<<<blocks_for(n, kThreads), kThreads>>>(x, y, n);
    check_launch();
}

void silu_mul(float* g, const float* u, int64_t n) {
    if (n == 0) return;
    silu_mul_kernel<<<blocks_for(n, kThreads), kThreads>>>(g, u, n);
    check_launch();
}

void zero(float* x, int64_t n) {
    if (n) ENVFORGE_CUDA(cudaMemsetAsync(x, 0, static_cast<size_t>(n) * sizeof(float)));
}

void scale(float* x, float s, int64_t n) {
    if (n == 0) return;
    scale_kernel<<<blocks_for(n, kThreads), kThreads>>>(x, s, n);
    check_launch();
}

void rope(float* x, int64_t n_vec, int64_t stride, int64_t per_row, const int64_t* pos, const float* cos, const float* sin, int64_t d_rope,
          bool interleaved) {
    const int64_t half = d_rope / 2;
    if (n_vec * half == 0) return;
    rope_kernel<<<blocks_for(n_vec * half, kThreads), kThreads>>>(x, n_vec, stride, per_row, pos, cos, sin, half, interleaved);
    check_launch();
}

void copy_rows(float* dst, int64_t dst_stride, const float* src, int64_t src_stride, int64_t n, int64_t width) {
    if (n * width == 0) return;
    copy_rows_kernel<<<blocks_for(n * width, kThreads), kThreads>>>(dst, dst_stride, src, src_stride, n, width);
    check_launch();
}

void gather_rows(float* dst, const float* src, const int32_t* index, int64_t n, int64_t d) {
    if (n * d == 0) return;
    gather_rows_kernel<<<blocks_for(n * d, kThreads), kThreads>>>(dst, src, index, n, d);
    check_launch();
}

void scatter_add_rows(float* dst, const float* src, const int32_t* index, const float* weight, int64_t n, int64_t d) {
    if (n * d == 0) return;
    scatter_add_rows_kernel<<<blocks_for(n * d, kThreads), kThreads>>>(dst, src, index, weight, n, d);
    check_launch();
}

void append_cache(float* const* cache_kv, uint16_t* const* cache_k, const int64_t* pos, const float* src, int64_t d, const float* keys,
                  int64_t di, int64_t n) {
    if (n == 0) return;
    append_cache_kernel<<<blocks_for(n * (d + di), kThreads), kThreads>>>(cache_kv, cache_k, pos, src, d, keys, di, n);
    check_launch();
}

}  // namespace envforge::kernels::cuda
