// The DSA kernels on NVIDIA GPUs (see dsa_cuda.hpp). Each kernel computes what its CPU oracle
// computes, in float instead of double, so the tests compare within a tolerance; top-k is exact.
#include "kernels/cuda/dsa_cuda.hpp"
#include "kernels/cuda/cuda_common.cuh"
#include "kernels/cuda/device_ops.hpp"

#include <cuda_runtime.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>
#include <stdexcept>
#include <string>

namespace envforge::kernels::cuda {

namespace {

using namespace detail;

// A typed device array freed with its owner (a DeviceBuffer of n elements).
template <class T>
struct DeviceArray {
    DeviceBuffer buffer;
    size_t n;
    T* p;
    explicit DeviceArray(size_t count) : buffer(count * sizeof(T)), n(count), p(buffer.as<T>()) {}
    void upload(const T* host) { buffer.upload(host, n * sizeof(T)); }
    void download(T* host) const { buffer.download(host, n * sizeof(T)); }
};

// ---- lightning indexer: I[s] = Σ_h w[h] · ReLU(q[h] · k[s]) ----
// One thread per key. Each key element is read once and multiplied into every head's dot
// product (kMaxHeads accumulators in registers); queries and weights sit in shared memory, where
// a warp's threads all read the same word (a broadcast). Consecutive threads read consecutive
// keys of a block: coalesced.
constexpr int kMaxHeads = 64;

__global__ void indexer_kernel(const float* q, const float* w, const uint16_t* k, float* scores, int64_t n_kv, int n_head, int d) {
    extern __shared__ float shared[];
    float* sq = shared;               // [n_head, d]
    float* sw = shared + n_head * d;  // [n_head]
    for (int i = threadIdx.x; i < n_head * d; i += blockDim.x) sq[i] = q[i];
    for (int i = threadIdx.x; i < n_head; i += blockDim.x) sw[i] = w[i];
    __syncthreads();
    const int64_t s = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x;
    if (s >= n_kv) return;
    float dot[kMaxHeads];
#pragma unroll
    for (int h = 0; h < kMaxHeads; ++h) dot[h] = 0.0f;
    for (int i = 0; i < d; ++i) {
        const float kv = bf16_to_f32(k[key_offset(s, i, d)]);
#pragma unroll
        for (int h = 0; h < kMaxHeads; ++h)
            if (h < n_head) dot[h] = fmaf(sq[h * d + i], kv, dot[h]);
    }
    float score = 0.0f;
#pragma unroll
    for (int h = 0; h < kMaxHeads; ++h)
        if (h < n_head) score = fmaf(sw[h], fmaxf(dot[h], 0.0f), score);
    scores[s] = score;
}

void launch_indexer(const float* q, const float* w, const uint16_t* k, float* scores, int64_t n_kv, int64_t n_head, int64_t d,
                    cudaStream_t stream) {
    if (n_head > kMaxHeads) throw std::runtime_error("CUDA indexer: at most 64 heads (DeepSeek-V3.2 has 64)");
    if (n_kv == 0) return;
    const size_t smem = static_cast<size_t>(n_head * d + n_head) * sizeof(float);
    if (smem > 48 * 1024)
        ENVFORGE_CUDA(cudaFuncSetAttribute(indexer_kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, static_cast<int>(smem)));
    const int threads = 256;
    const auto blocks = static_cast<unsigned>((n_kv + threads - 1) / threads);
    indexer_kernel<<<blocks, threads, smem, stream>>>(q, w, k, scores, n_kv, static_cast<int>(n_head), static_cast<int>(d));
    ENVFORGE_CUDA(cudaGetLastError());
}

// ---- top-k: the k highest scores, ties to the lower index, NaN last, ascending index order ----
// Every (score, index) pair gets a distinct 64-bit key that orders as the CPU oracle does
// (kernels/dsa/topk.cpp): the score's bits made monotonic (-0 as +0, NaN lowest) above the
// complement of the index. A radix select finds the k-th largest key 8 bits at a time; every key
// at or above it is selected (exactly k, keys being distinct), then written out in index order.
__device__ inline uint64_t order_key(const float* scores, int64_t i) {
    float x = scores[i];
    uint32_t bits = 0;
    if (x == x) {
        if (x == 0.0f) x = 0.0f;
        const uint32_t u = __float_as_uint(x);
        bits = (u & 0x80000000u) ? ~u : (u | 0x80000000u);
    }
    return (static_cast<uint64_t>(bits) << 32) | (0xFFFFFFFFu - static_cast<uint32_t>(i));
}

__global__ void topk_kernel(const float* scores, int64_t n, int64_t k, int32_t* out) {
    __shared__ unsigned int hist[256];
    __shared__ uint64_t prefix, mask;
    __shared__ int64_t need;
    __shared__ int warp_count[32];
    __shared__ int64_t base;
    if (threadIdx.x == 0) {
        prefix = 0;
        mask = 0;
        need = k;
        base = 0;
    }
    __syncthreads();
    for (int shift = 56; shift >= 0; shift -= 8) {
        for (int b = threadIdx.x; b < 256; b += blockDim.x) hist[b] = 0;
        __syncthreads();
        for (int64_t i = threadIdx.x; i < n; i += blockDim.x) {
            const uint64_t key = order_key(scores, i);
            if ((key & mask) == prefix) atomicAdd(&hist[(key >> shift) & 0xFF], 1u);
        }
        __syncthreads();
        if (threadIdx.x == 0) {
            int b = 255;
            int64_t left = need;
            for (; b > 0 && static_cast<int64_t>(hist[b]) < left; --b) left -= hist[b];
            prefix |= static_cast<uint64_t>(b) << shift;
            mask |= static_cast<uint64_t>(0xFF) << shift;
            need = left;
        }
        __syncthreads();
    }
    const uint64_t kth = prefix;
    // Compaction in index order, a tile of blockDim.x indices at a time: a warp ballot gives each
    // selected index its place in the warp, the warps' counts its place in the tile.
    const int lane = threadIdx.x % 32, warp = threadIdx.x / 32, warps = blockDim.x / 32;
    for (int64_t tile = 0; tile < n; tile += blockDim.x) {
        const int64_t i = tile + threadIdx.x;
        const bool chosen = i < n && order_key(scores, i) >= kth;
        const unsigned ballot = __ballot_sync(0xFFFFFFFFu, chosen);
        if (lane == 0) warp_count[warp] = __popc(ballot);
        __syncthreads();
        int64_t at = base;
        for (int wi = 0; wi < warp; ++wi) at += warp_count[wi];
        if (chosen) out[at + __popc(ballot & ((1u << lane) - 1))] = static_cast<int32_t>(i);
        __syncthreads();
        if (threadIdx.x == 0)
            for (int wi = 0; wi < warps; ++wi) base += warp_count[wi];
        __syncthreads();
    }
}

void launch_topk(const float* scores, int64_t n, int64_t k, int32_t* out, cudaStream_t stream) {
    topk_kernel<<<1, 1024, 0, stream>>>(scores, n, k, out);
    ENVFORGE_CUDA(cudaGetLastError());
}

// ---- sparse MLA attention for one token: one block per head ----
// Logits by one warp per selected row (a shuffle reduction over d_qk), kept in a global scratch
// row per head; then the block's max and sum; then each thread owns output dimensions and sums
// the rows' latents weighted by their probabilities (consecutive threads, consecutive addresses).
__global__ void mla_kernel(const float* q, const float* kv, const int32_t* idx, float* out, float* logits, int64_t n, int64_t d_qk,
                           int64_t d_v, float scale) {
    const int64_t h = blockIdx.x;
    const float* qh = q + h * d_qk;
    float* lg = logits + h * n;
    const int lane = threadIdx.x % 32, warp = threadIdx.x / 32, warps = blockDim.x / 32;
    for (int64_t j = warp; j < n; j += warps) {
        const float* c = kv + (idx ? idx[j] : j) * d_qk;
        float dot = 0.0f;
        for (int64_t i = lane; i < d_qk; i += 32) dot = fmaf(qh[i], c[i], dot);
        for (int o = 16; o; o >>= 1) dot += __shfl_xor_sync(0xFFFFFFFFu, dot, o);
        if (lane == 0) lg[j] = dot * scale;
    }
    __syncthreads();
    float m = -INFINITY;
    for (int64_t j = threadIdx.x; j < n; j += blockDim.x) m = fmaxf(m, lg[j]);
    m = block_reduce(m, true);
    float l = 0.0f;
    for (int64_t j = threadIdx.x; j < n; j += blockDim.x) {
        const float e = __expf(lg[j] - m);
        lg[j] = e;
        l += e;
    }
    l = block_reduce(l, false);  // its barriers also order the writes above before the reads below
    for (int64_t i = threadIdx.x; i < d_v; i += blockDim.x) {
        float o = 0.0f;
        for (int64_t j = 0; j < n; ++j) o = fmaf(lg[j], kv[(idx ? idx[j] : j) * d_qk + i], o);
        out[h * d_v + i] = n ? o / l : 0.0f;
    }
}

void launch_mla(const float* q, const float* kv, const int32_t* idx, float* out, float* logits, int64_t n, int64_t n_head, int64_t d_qk,
                int64_t d_v, float scale, cudaStream_t stream) {
    mla_kernel<<<static_cast<unsigned>(n_head), 256, 0, stream>>>(q, kv, idx, out, logits, n, d_qk, d_v, scale);
    ENVFORGE_CUDA(cudaGetLastError());
}

// Host-side random fill for the timing run (the values do not matter, only that they are finite).
template <class T, class F>
std::vector<T> filled(size_t n, F f) {
    std::vector<T> v(n);
    uint64_t s = 0x9E3779B97F4A7C15ull;
    for (auto& x : v) {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        x = f(static_cast<float>(s % 2001) / 1000.0f - 1.0f);
    }
    return v;
}

}  // namespace

bool available() {
    int n = 0;
    return cudaGetDeviceCount(&n) == cudaSuccess && n > 0;
}

double peak_bandwidth() {
    if (!available()) return 0;
    int khz = 0, bits = 0;
    if (cudaDeviceGetAttribute(&khz, cudaDevAttrMemoryClockRate, 0) != cudaSuccess ||
        cudaDeviceGetAttribute(&bits, cudaDevAttrGlobalMemoryBusWidth, 0) != cudaSuccess)
        return 0;
    return 2.0 * khz * 1e3 * bits / 8.0;  // double data rate
}

std::string describe_device() {
    int n = 0;
    const cudaError_t e = cudaGetDeviceCount(&n);
    if (e != cudaSuccess) return std::string("no CUDA device (") + cudaGetErrorString(e) + ")";
    if (n == 0) return "no CUDA device";
    cudaDeviceProp p{};
    ENVFORGE_CUDA(cudaGetDeviceProperties(&p, 0));
    return std::string(p.name) + " (sm_" + std::to_string(p.major) + std::to_string(p.minor) + ", " +
           std::to_string(p.totalGlobalMem >> 30) + " GiB, " + std::to_string(static_cast<int>(peak_bandwidth() / 1e9)) + " GB/s)";
}

void lightning_indexer(const IndexerParams& p) {
    check_params(p);
    DeviceArray<float> q(static_cast<size_t>(p.n_head * p.d)), w(static_cast<size_t>(p.n_head)), scores(static_cast<size_t>(p.n_kv));
    DeviceArray<uint16_t> k(static_cast<size_t>(indexer_cache_size(p.n_kv, p.d)));
    q.upload(p.q);
    w.upload(p.w);
    k.upload(p.k);
    launch_indexer(q.p, w.p, k.p, scores.p, p.n_kv, p.n_head, p.d, nullptr);
    ENVFORGE_CUDA(cudaDeviceSynchronize());
    scores.download(p.scores);
}

std::vector<int32_t> topk_indices(const float* scores, int64_t n, int64_t k) {
    std::vector<int32_t> out;
    if (k >= n) {
        for (int64_t i = 0; i < n; ++i) out.push_back(static_cast<int32_t>(i));
        return out;
    }
    if (k <= 0) return out;
    DeviceArray<float> s(static_cast<size_t>(n));
    DeviceArray<int32_t> sel(static_cast<size_t>(k));
    s.upload(scores);
    launch_topk(s.p, n, k, sel.p, nullptr);
    ENVFORGE_CUDA(cudaDeviceSynchronize());
    out.resize(static_cast<size_t>(k));
    sel.download(out.data());
    return out;
}

void mla_attention(const MlaAttentionParams& p) {
    check_params(p);
    const int64_t n = p.idx ? p.n_idx : p.n_kv;
    DeviceArray<float> q(static_cast<size_t>(p.n_head * p.d_qk)), kv(static_cast<size_t>(p.n_kv * p.d_qk));
    DeviceArray<float> out(static_cast<size_t>(p.n_head * p.d_v)), logits(static_cast<size_t>(p.n_head * n));
    DeviceArray<int32_t> idx(p.idx ? static_cast<size_t>(p.n_idx) : 0);
    q.upload(p.q);
    kv.upload(p.kv);
    if (p.idx) idx.upload(p.idx);
    launch_mla(q.p, kv.p, p.idx ? idx.p : nullptr, out.p, logits.p, n, p.n_head, p.d_qk, p.d_v, p.scale, nullptr);
    ENVFORGE_CUDA(cudaDeviceSynchronize());
    out.download(p.out);
}

void lightning_indexer_device(const float* q, const float* w, const uint16_t* k, float* scores, int64_t n_kv, int64_t n_head, int64_t d) {
    launch_indexer(q, w, k, scores, n_kv, n_head, d, nullptr);
}

void topk_device(const float* scores, int64_t n, int64_t k, int32_t* out) {
    if (k <= 0) return;
    launch_topk(scores, n, k, out, nullptr);
}

void mla_attention_device(const float* q, const float* kv, const int32_t* idx, float* out, float* scratch, int64_t n, int64_t n_head,
                          int64_t d_qk, int64_t d_v, float scale) {
    launch_mla(q, kv, idx, out, scratch, n, n_head, d_qk, d_v, scale, nullptr);
}

DecodeTiming time_dsa_decode(int64_t n_kv, int64_t topk, int64_t n_head, int64_t d_qk, int64_t d_v, int64_t idx_heads, int64_t idx_dim,
                             int iterations) {
    const int64_t k = std::min(topk, n_kv);
    DeviceArray<float> qi(static_cast<size_t>(idx_heads * idx_dim)), wi(static_cast<size_t>(idx_heads)), scores(static_cast<size_t>(n_kv));
    DeviceArray<uint16_t> keys(static_cast<size_t>(indexer_cache_size(n_kv, idx_dim)));
    DeviceArray<float> q(static_cast<size_t>(n_head * d_qk)), kv(static_cast<size_t>(n_kv * d_qk));
    DeviceArray<float> out(static_cast<size_t>(n_head * d_v)), logits(static_cast<size_t>(n_head * k));
    DeviceArray<int32_t> sel(static_cast<size_t>(k));
    qi.upload(filled<float>(qi.n, [](float x) { return x; }).data());
    wi.upload(filled<float>(wi.n, [](float x) { return x * 0.01f; }).data());
    keys.upload(filled<uint16_t>(keys.n, [](float x) {
                    uint32_t u;
                    std::memcpy(&u, &x, 4);
                    return static_cast<uint16_t>(u >> 16);
                }).data());
    q.upload(filled<float>(q.n, [](float x) { return x * 0.05f; }).data());
    kv.upload(filled<float>(kv.n, [](float x) { return x; }).data());
    const float scale = 1.0f / std::sqrt(static_cast<float>(d_qk));
    auto step = [&] {
        launch_indexer(qi.p, wi.p, keys.p, scores.p, n_kv, idx_heads, idx_dim, nullptr);
        if (k < n_kv) launch_topk(scores.p, n_kv, k, sel.p, nullptr);
        launch_mla(q.p, kv.p, k < n_kv ? sel.p : nullptr, out.p, logits.p, k, n_head, d_qk, d_v, scale, nullptr);
    };
    step();  // warm-up: first-launch costs are not a decode step's
    cudaEvent_t start, stop;
    ENVFORGE_CUDA(cudaEventCreate(&start));
    ENVFORGE_CUDA(cudaEventCreate(&stop));
    ENVFORGE_CUDA(cudaEventRecord(start));
    for (int i = 0; i < iterations; ++i) step();
    ENVFORGE_CUDA(cudaEventRecord(stop));
    ENVFORGE_CUDA(cudaEventSynchronize(stop));
    float ms = 0;
    ENVFORGE_CUDA(cudaEventElapsedTime(&ms, start, stop));
    cudaEventDestroy(start);
    cudaEventDestroy(stop);
    DecodeTiming t;
    t.seconds = ms / 1e3 / iterations;
    t.bytes = static_cast<double>(n_kv * idx_dim * 2 + k * d_qk * 4 + n_head * d_qk * 4 + n_head * d_v * 4);
    return t;
}

}  // namespace envforge::kernels::cuda
