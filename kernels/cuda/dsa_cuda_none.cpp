// The CUDA kernels' API in a build without CUDA: nothing is available, and a call says why.
#include <stdexcept>

#include "kernels/cuda/dsa_cuda.hpp"

namespace envforge::kernels::cuda {

namespace {
[[noreturn]] void absent() { throw std::runtime_error("envforge was built without CUDA (meson setup -Dcuda=enabled, with nvcc)"); }
}  // namespace

bool available() { return false; }
std::string describe_device() { return "built without CUDA"; }
double peak_bandwidth() { return 0; }
void lightning_indexer(const IndexerParams&) { absent(); }
std::vector<int32_t> topk_indices(const float*, int64_t, int64_t) { absent(); }
void mla_attention(const MlaAttentionParams&) { absent(); }
DecodeTiming time_dsa_decode(int64_t, int64_t, int64_t, int64_t, int64_t, int64_t, int64_t, int) { absent(); }

}  // namespace envforge::kernels::cuda
