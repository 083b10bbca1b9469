// DSA attention of one decode token on the GPU, per layer, at DeepSeek-V3.2's shapes (128 heads,
// latent rows of 576 floats with 512 of value, 64 indexer heads of 128, top-2048), at 4K and 64K
// tokens of context: time per layer, the bytes the kernels must read, and that rate as a share
// of the device's peak memory bandwidth. The baseline in the same run is the dense attention
// over the whole context (no indexer, no selection). Exits 77 without a device.
//
// usage: bench_cuda [--iterations N]
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "kernels/cuda/dsa_cuda.hpp"

using namespace envforge::kernels;

int main(int argc, char** argv) {
    int iterations = 50;
    for (int i = 1; i + 1 < argc; ++i)
        if (!std::strcmp(argv[i], "--iterations")) iterations = std::atoi(argv[i + 1]);
    if (!cuda::available()) {
        std::printf("SKIP: %s\n", cuda::describe_device().c_str());
        return 77;
    }
    const double peak = cuda::peak_bandwidth();
    std::printf("device: %s\n", cuda::describe_device().c_str());
    std::printf("%-8s %-6s %12s %10s %12s %10s\n", "context", "mode", "us/layer", "MB read", "GB/s", "% of peak");
    for (long n_kv : {4096L, 65536L}) {
        const auto sparse = cuda::time_dsa_decode(n_kv, 2048, 128, 576, 512, 64, 128, iterations);
        // Dense baseline: top-k as large as the context selects every row, so no selection runs.
        const auto dense = cuda::time_dsa_decode(n_kv, n_kv, 128, 576, 512, 64, 128, iterations);
        for (const auto& [mode, t] : {std::pair{"dsa", sparse}, std::pair{"dense", dense}})
            std::printf("%-8ld %-6s %12.1f %10.2f %12.1f %9.1f%%\n", n_kv, mode, t.seconds * 1e6, t.bytes / 1e6, t.bytes / t.seconds / 1e9,
                        peak > 0 ? 100.0 * t.bytes / t.seconds / peak : 0.0);
        std::printf("%-8ld dsa/dense time: %.2fx; 61 layers of attention alone: %.0f tokens/s (dsa), %.0f (dense)\n", n_kv,
                    sparse.seconds / dense.seconds, 1.0 / (61 * sparse.seconds), 1.0 / (61 * dense.seconds));
    }
    return 0;
}
