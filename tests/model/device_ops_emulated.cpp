// kernels/cuda/device_ops.hpp (and the device queries of dsa_cuda.hpp) on the host: "device"
// memory is host memory and every op is a plain loop with the CUDA kernel's semantics (strides,
// the blocked bf16 key cache, per-row cache pointers). Linked only into test_engine_emulated, so
// that model/forward_cuda.cpp — the GPU backend: which op runs on which buffer, at which
// offset and stride, in which order — is checked against the CPU engine on
// every machine, not only where a GPU is lent. The kernels themselves are checked against their
// oracles by tests/kernels/test_cuda.cpp on a device.
#include <algorithm>
#include <cmath>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

#include "kernels/cuda/device_ops.hpp"
#include "kernels/cuda/dsa_cuda.hpp"
#include "kernels/dsa/lightning_indexer.hpp"
#include "kernels/dsa/mla_attention.hpp"
#include "kernels/dsa/topk.hpp"

namespace envforge::kernels::cuda {

namespace {

// ENVFORGE_EMULATED_TRACE=FILE writes one line per op with its scalar arguments: the sequence of
// kernels a forward pass issues, so that a change to the orchestration can be compared with the
// one before it (the same lines mean the same launches on a GPU).
void trace(const char* fmt, ...) {
    static FILE* out = [] {
        const char* path = std::getenv("ENVFORGE_EMULATED_TRACE");
        return path ? std::fopen(path, "w") : nullptr;
    }();
    if (!out) return;
    va_list args;
    va_start(args, fmt);
    std::vfprintf(out, fmt, args);
    va_end(args);
    std::fputc('\n', out);
    std::fflush(out);
}

}  // namespace

bool available() { return true; }
std::string describe_device() { return "host emulation of the GPU ops (tests/model/device_ops_emulated.cpp)"; }
double peak_bandwidth() { return 0; }

DeviceBuffer::DeviceBuffer(size_t bytes) : bytes_(bytes) {
    trace("alloc bytes=%zu", bytes);
    if (bytes_) {
        p_ = std::calloc(bytes_, 1);
        if (!p_) throw std::runtime_error("emulated device: out of memory");
        // Fresh device memory is not zeroed: fill with NaN-like garbage so a read before write shows.
        std::memset(p_, 0xFF, bytes_);
    }
}
DeviceBuffer::~DeviceBuffer() { std::free(p_); }
DeviceBuffer& DeviceBuffer::operator=(DeviceBuffer&& o) noexcept {
    if (this != &o) {
        std::free(p_);
        p_ = o.p_, bytes_ = o.bytes_;
        o.p_ = nullptr, o.bytes_ = 0;
    }
    return *this;
}
void DeviceBuffer::upload(const void* host, size_t bytes, size_t offset) {
    trace("upload bytes=%zu offset=%zu", bytes, offset);
    if (offset + bytes > bytes_) throw std::runtime_error("emulated device: upload past the end of a buffer");
    if (bytes) std::memcpy(static_cast<char*>(p_) + offset, host, bytes);
}
void DeviceBuffer::download(void* host, size_t bytes, size_t offset) const {
    trace("download bytes=%zu offset=%zu", bytes, offset);
    if (offset + bytes > bytes_) throw std::runtime_error("emulated device: download past the end of a buffer");
    if (bytes) std::memcpy(host, static_cast<const char*>(p_) + offset, bytes);
}
void DeviceBuffer::reserve(size_t bytes) {
    if (bytes <= bytes_) return;
    DeviceBuffer bigger(std::max(bytes, bytes_ * 2));
    if (bytes_) std::memcpy(bigger.p_, p_, bytes_);
    *this = std::move(bigger);
}

void synchronize() {}

void matmul(const float* x, int64_t x_stride, const void* w, DType type, float* y, int64_t y_stride, int64_t n, int64_t rows,
            int64_t cols) {
    trace("matmul x_stride=%ld type=%d y_stride=%ld n=%ld rows=%ld cols=%ld", x_stride, static_cast<int>(type), y_stride, n, rows, cols);
    for (int64_t r = 0; r < n; ++r)
        for (int64_t o = 0; o < rows; ++o) {
            float acc = 0.0f;
            for (int64_t c = 0; c < cols; ++c) acc += load_as_f32(w, type, o * cols + c) * x[r * x_stride + c];
            y[r * y_stride + o] = acc;
        }
}

void rms_norm(const float* x, const float* w, float* out, int64_t n, int64_t d, int64_t stride, float eps) {
    trace("rms_norm n=%ld d=%ld stride=%ld in_place=%d", n, d, stride, x == out);
    for (int64_t r = 0; r < n; ++r) {
        float ss = 0.0f;
        for (int64_t i = 0; i < d; ++i) ss += x[r * stride + i] * x[r * stride + i];
        const float inv = 1.0f / std::sqrt(ss / static_cast<float>(d) + eps);
        for (int64_t i = 0; i < d; ++i) out[r * stride + i] = x[r * stride + i] * inv * w[i];
    }
}

void layer_norm(float* x, const float* w, const float* b, int64_t n, int64_t d, float eps) {
    trace("layer_norm n=%ld d=%ld", n, d);
    for (int64_t r = 0; r < n; ++r) {
        float* xr = x + r * d;
        float mean = 0.0f, var = 0.0f;
        for (int64_t i = 0; i < d; ++i) mean += xr[i];
        mean /= static_cast<float>(d);
        for (int64_t i = 0; i < d; ++i) var += (xr[i] - mean) * (xr[i] - mean);
        const float inv = 1.0f / std::sqrt(var / static_cast<float>(d) + eps);
        for (int64_t i = 0; i < d; ++i) xr[i] = (xr[i] - mean) * inv * w[i] + b[i];
    }
}

void embed(const void* table, DType type, const int32_t* tokens, float* x, int64_t n, int64_t d) {
    trace("embed n=%ld d=%ld", n, d);
    for (int64_t r = 0; r < n; ++r)
        for (int64_t i = 0; i < d; ++i) x[r * d + i] = load_as_f32(table, type, tokens[r] * d + i);
}

void add(float* x, const float* y, int64_t n) {
    trace("add n=%ld", n);
    for (int64_t i = 0; i < n; ++i) x[i] += y[i];
}

void silu_mul(float* g, const float* u, int64_t n) {
    trace("silu_mul n=%ld", n);
    for (int64_t i = 0; i < n; ++i) g[i] = g[i] / (1.0f + std::exp(-g[i])) * u[i];
}

void zero(float* x, int64_t n) {
    trace("zero n=%ld", n);
    std::fill(x, x + n, 0.0f);
}

void scale(float* x, float s, int64_t n) {
    trace("scale n=%ld s=%g", n, s);
    for (int64_t i = 0; i < n; ++i) x[i] *= s;
}

void rope(float* x, int64_t n_vec, int64_t stride, int64_t per_row, const int64_t* pos, const float* cos, const float* sin, int64_t d_rope,
          bool interleaved) {
    trace("rope n_vec=%ld stride=%ld per_row=%ld d_rope=%ld interleaved=%d", n_vec, stride, per_row, d_rope, interleaved);
    const int64_t half = d_rope / 2;
    for (int64_t v = 0; v < n_vec; ++v)
        for (int64_t i = 0; i < half; ++i) {
            float* xv = x + v * stride;
            const int64_t p = pos[v / per_row];
            const float c = cos[p * half + i], s = sin[p * half + i];
            const int64_t ia = interleaved ? 2 * i : i, ib = interleaved ? 2 * i + 1 : i + half;
            const float a = xv[ia], b = xv[ib];
            xv[ia] = a * c - b * s;
            xv[ib] = a * s + b * c;
        }
}

void copy_rows(float* dst, int64_t dst_stride, const float* src, int64_t src_stride, int64_t n, int64_t width) {
    trace("copy_rows dst_stride=%ld src_stride=%ld n=%ld width=%ld", dst_stride, src_stride, n, width);
    for (int64_t r = 0; r < n; ++r) std::memcpy(dst + r * dst_stride, src + r * src_stride, static_cast<size_t>(width) * 4);
}

void gather_rows(float* dst, const float* src, const int32_t* index, int64_t n, int64_t d) {
    trace("gather_rows n=%ld d=%ld", n, d);
    for (int64_t r = 0; r < n; ++r) std::memcpy(dst + r * d, src + index[r] * d, static_cast<size_t>(d) * 4);
}

void scatter_add_rows(float* dst, const float* src, const int32_t* index, const float* weight, int64_t n, int64_t d) {
    trace("scatter_add_rows n=%ld d=%ld", n, d);
    for (int64_t r = 0; r < n; ++r)
        for (int64_t i = 0; i < d; ++i) dst[index[r] * d + i] += weight[r] * src[r * d + i];
}

void append_cache(float* const* cache_kv, uint16_t* const* cache_k, const int64_t* pos, const float* src, int64_t d, const float* keys,
                  int64_t di, int64_t n) {
    trace("append_cache d=%ld di=%ld n=%ld", d, di, n);
    for (int64_t r = 0; r < n; ++r) {
        std::memcpy(cache_kv[r] + pos[r] * d, src + r * d, static_cast<size_t>(d) * 4);
        for (int64_t i = 0; i < di; ++i) cache_k[r][indexer_key_offset(pos[r], i, di)] = f32_to_bf16(keys[r * di + i]);
    }
}

void lightning_indexer_device(const float* q, const float* w, const uint16_t* k, float* scores, int64_t n_kv, int64_t n_head, int64_t d) {
    trace("lightning_indexer n_kv=%ld n_head=%ld d=%ld", n_kv, n_head, d);
    lightning_indexer_cpu({q, w, k, scores, n_kv, n_head, d});
}

void topk_device(const float* scores, int64_t n, int64_t k, int32_t* out) {
    trace("topk n=%ld k=%ld", n, k);
    const std::vector<int32_t> sel = topk_indices_cpu(scores, n, k);
    std::copy(sel.begin(), sel.end(), out);
}

void mla_attention_device(const float* q, const float* kv, const int32_t* idx, float* out, float*, int64_t n, int64_t n_head, int64_t d_qk,
                          int64_t d_v, float scale) {
    trace("mla_attention n=%ld n_head=%ld d_qk=%ld d_v=%ld sparse=%d", n, n_head, d_qk, d_v, idx != nullptr);
    // n_kv only bounds the indices here; the largest selected index is below it.
    int64_t n_kv = n;
    if (idx)
        for (int64_t j = 0; j < n; ++j) n_kv = std::max<int64_t>(n_kv, idx[j] + 1);
    mla_attention_cpu({q, kv, idx, out, idx ? n : 0, n_kv, n_head, d_qk, d_v, scale});
}

}  // namespace envforge::kernels::cuda
