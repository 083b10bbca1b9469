// The DSA kernels on NVIDIA GPUs: the lightning indexer, top-k selection and sparse MLA
// attention for one decode token, each tested against its CPU oracle (kernels/dsa/*_cpu.cpp)
// by tests/kernels/test_cuda.cpp. This header has no CUDA in it, so any C++ file may include it;
// without -Dcuda (or without nvcc) the same functions exist, available() is false and the rest
// throw.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "kernels/dsa/lightning_indexer.hpp"
#include "kernels/dsa/mla_attention.hpp"

namespace envforge::kernels::cuda {

// Built with CUDA and a device is present and usable.
bool available();
// "NVIDIA H200 (sm_90, 141 GB, 4.8 TB/s)"-like, or why there is none.
std::string describe_device();
// Peak memory bandwidth of device 0 in bytes/s from its clock and bus width (0 without one).
double peak_bandwidth();

// Host-pointer versions (copy in, run, copy out): what the tests compare with the CPU kernels.
// The parameters mean what they mean for the CPU kernels.
void lightning_indexer(const IndexerParams& p);
std::vector<int32_t> topk_indices(const float* scores, int64_t n, int64_t k);
void mla_attention(const MlaAttentionParams& p);

// One layer's DSA attention for one decode token with everything resident on the device,
// timed with CUDA events: the indexer over n_kv cached keys, top-k, and sparse attention over
// the selected latent rows (what a decode step does per layer). Returns seconds per call and
// the bytes the kernels must read (keys, selected rows, queries).
struct DecodeTiming {
    double seconds = 0;
    double bytes = 0;
};
DecodeTiming time_dsa_decode(int64_t n_kv, int64_t topk, int64_t n_head, int64_t d_qk, int64_t d_v, int64_t idx_heads, int64_t idx_dim,
                             int iterations);

}  // namespace envforge::kernels::cuda
