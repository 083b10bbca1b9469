// The operations of the transformer's forward pass on an NVIDIA GPU, over device pointers: what
// model/forward_cuda.cpp, the forward pass's GPU backend, calls. Each op computes what its CPU
// kernel computes (kernels/*.hpp), in float, on the default stream in issue order, so a caller
// synchronises only when it reads a result back. Like dsa_cuda.hpp this header has no CUDA in it;
// without CUDA every call throws.
#pragma once

#include <cstddef>
#include <cstdint>

#include "kernels/dtype.hpp"

namespace envforge::kernels::cuda {

// Device memory, freed with its owner. Throws std::runtime_error ("CUDA: ...") when the device
// cannot allocate or copy.
class DeviceBuffer {
public:
    DeviceBuffer() = default;
    explicit DeviceBuffer(size_t bytes);
    ~DeviceBuffer();
    DeviceBuffer(DeviceBuffer&& o) noexcept : p_(o.p_), bytes_(o.bytes_) { o.p_ = nullptr, o.bytes_ = 0; }
    DeviceBuffer& operator=(DeviceBuffer&& o) noexcept;
    DeviceBuffer(const DeviceBuffer&) = delete;
    DeviceBuffer& operator=(const DeviceBuffer&) = delete;

    void* get() const { return p_; }
    template <class T>
    T* as() const {
        return static_cast<T*>(p_);
    }
    size_t bytes() const { return bytes_; }
    void upload(const void* host, size_t bytes, size_t offset = 0);
    void download(void* host, size_t bytes, size_t offset = 0) const;
    // At least `bytes`, keeping the content (a new allocation of twice the size when it grows,
    // so appending is amortised O(1)).
    void reserve(size_t bytes);

private:
    void* p_ = nullptr;
    size_t bytes_ = 0;
};

// Waits for every op issued so far; throws the first asynchronous error.
void synchronize();

// y[r] = W · x[r] for n rows: x row r at x + r·x_stride (cols floats), y row r at y + r·y_stride
// (rows floats), W row-major [rows, cols] in `type`. As kernels/matmul.hpp, with strides so that
// per-head slices of [R, H, d] activations need no copies.
void matmul(const float* x, int64_t x_stride, const void* w, DType type, float* y, int64_t y_stride, int64_t n, int64_t rows, int64_t cols);
// RMSNorm of the first d floats of n rows at x + r·stride, into out (same layout; may equal x).
void rms_norm(const float* x, const float* w, float* out, int64_t n, int64_t d, int64_t stride, float eps);
// LayerNorm with bias of n contiguous rows of d floats, in place (eps 1e-6, as the indexer key's).
void layer_norm(float* x, const float* w, const float* b, int64_t n, int64_t d, float eps);
// x[r] = table[tokens[r]] as f32, for n rows of d.
void embed(const void* table, DType type, const int32_t* tokens, float* x, int64_t n, int64_t d);
// x += y over n floats.
void add(float* x, const float* y, int64_t n);
// g = silu(g) · u over n floats (the SwiGLU gate).
void silu_mul(float* g, const float* u, int64_t n);
// x = 0 over n floats.
void zero(float* x, int64_t n);
// x *= s over n floats.
void scale(float* x, float s, int64_t n);
// Rotary embedding of n_vec vectors, vector v at x + v·stride, at position pos[v / per_row]
// (cos/sin: the RopeTable's [max_pos, d_rope / 2] arrays on the device). interleaved: pairs
// (2i, 2i+1) as MLA; else (i, i + d_rope/2) as the indexer.
void rope(float* x, int64_t n_vec, int64_t stride, int64_t per_row, const int64_t* pos, const float* cos, const float* sin, int64_t d_rope,
          bool interleaved);
// n rows of `width` floats from src (row pitch src_stride floats) to dst (pitch dst_stride).
void copy_rows(float* dst, int64_t dst_stride, const float* src, int64_t src_stride, int64_t n, int64_t width);
// dst row i = src row index[i], rows of d floats.
void gather_rows(float* dst, const float* src, const int32_t* index, int64_t n, int64_t d);
// dst row index[i] += weight[i] · src row i, rows of d floats (indices distinct within a call).
void scatter_add_rows(float* dst, const float* src, const int32_t* index, const float* weight, int64_t n, int64_t d);
// Appends rows to sequences' caches: row r of src (d floats) into cache_kv[r] + pos[r]·d, and row
// r of keys (di floats, rounded to bf16) into the blocked indexer cache cache_k[r] at pos[r]
// (kernels/dsa/lightning_indexer.hpp's layout). The pointer arrays are on the device.
void append_cache(float* const* cache_kv, uint16_t* const* cache_k, const int64_t* pos, const float* src, int64_t d, const float* keys,
                  int64_t di, int64_t n);

// The DSA kernels of dsa_cuda.hpp over device pointers (scores [n_kv], selection [k],
// attention scratch [n_head, n]).
void lightning_indexer_device(const float* q, const float* w, const uint16_t* k, float* scores, int64_t n_kv, int64_t n_head, int64_t d);
void topk_device(const float* scores, int64_t n, int64_t k, int32_t* out);
void mla_attention_device(const float* q, const float* kv, const int32_t* idx, float* out, float* scratch, int64_t n, int64_t n_head,
                          int64_t d_qk, int64_t d_v, float scale);

}  // namespace envforge::kernels::cuda
