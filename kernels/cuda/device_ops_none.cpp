// The GPU ops' API in a build without CUDA: every call says why it cannot run.
#include <stdexcept>

#include "kernels/cuda/device_ops.hpp"

namespace envforge::kernels::cuda {

namespace {
[[noreturn]] void absent() { throw std::runtime_error("envforge was built without CUDA (meson setup -Dcuda=enabled, with nvcc)"); }
}  // namespace

DeviceBuffer::DeviceBuffer(size_t bytes) : bytes_(bytes) {
    if (bytes) absent();
}
DeviceBuffer::~DeviceBuffer() = default;
DeviceBuffer& DeviceBuffer::operator=(DeviceBuffer&& o) noexcept {
    p_ = o.p_, bytes_ = o.bytes_;
    o.p_ = nullptr, o.bytes_ = 0;
    return *this;
}
void DeviceBuffer::upload(const void*, size_t, size_t) { absent(); }
void DeviceBuffer::download(void*, size_t, size_t) const { absent(); }
void DeviceBuffer::reserve(size_t bytes) {
    if (bytes > bytes_) absent();
}
void synchronize() { absent(); }
void matmul(const float*, int64_t, const void*, DType, float*, int64_t, int64_t, int64_t, int64_t) { absent(); }
void rms_norm(const float*, const float*, float*, int64_t, int64_t, int64_t, float) { absent(); }
void layer_norm(float*, const float*, const float*, int64_t, int64_t, float) { absent(); }
void embed(const void*, DType, const int32_t*, float*, int64_t, int64_t) { absent(); }
void add(float*, const float*, int64_t) { absent(); }
void silu_mul(float*, const float*, int64_t) { absent(); }
void zero(float*, int64_t) { absent(); }
void scale(float*, float, int64_t) { absent(); }
void rope(float*, int64_t, int64_t, int64_t, const int64_t*, const float*, const float*, int64_t, bool) { absent(); }
void copy_rows(float*, int64_t, const float*, int64_t, int64_t, int64_t) { absent(); }
void gather_rows(float*, const float*, const int32_t*, int64_t, int64_t) { absent(); }
void scatter_add_rows(float*, const float*, const int32_t*, const float*, int64_t, int64_t) { absent(); }
void append_cache(float* const*, uint16_t* const*, const int64_t*, const float*, int64_t, const float*, int64_t, int64_t) { absent(); }
void lightning_indexer_device(const float*, const float*, const uint16_t*, float*, int64_t, int64_t, int64_t) { absent(); }
void topk_device(const float*, int64_t, int64_t, int32_t*) { absent(); }
void mla_attention_device(const float*, const float*, const int32_t*, float*, float*, int64_t, int64_t, int64_t, int64_t, float) {
    absent();
}

}  // namespace envforge::kernels::cuda
