// Every CUDA kernel against its CPU oracle (kernels/dsa/*_cpu.cpp), at awkward shapes: contexts
// of 1, 15, 16, 17 and thousands of keys, one head and DeepSeek-V3.2's 64 indexer and 128
// attention heads, top-k with ties, NaN and signed zeros, dense and sparse attention. Exits 77
// (skip) where there is no CUDA device or envforge was built without CUDA.
#include <cmath>
#include <cstdio>
#include <random>
#include <vector>

#include "kernels/cuda/dsa_cuda.hpp"
#include "kernels/dsa/lightning_indexer.hpp"
#include "kernels/dsa/mla_attention.hpp"
#include "kernels/dsa/topk.hpp"
#include "kernels/dtype.hpp"
#include "tests/kernels/random_data.hpp"

using namespace envforge::kernels;

namespace {

int failures = 0;

void expect(bool ok, const char* what, long long a = 0, long long b = 0) {
    if (!ok) {
        ++failures;
        std::printf("FAILED: %s (%lld, %lld)\n", what, a, b);
    }
}

using envforge::testing::randn;

// mse(a, b) / mse(b, 0), as the CPU kernel tests measure.
double nmse(const std::vector<float>& a, const std::vector<float>& b) {
    double err = 0, ref = 0;
    for (size_t i = 0; i < a.size(); ++i) {
        err += (double(a[i]) - b[i]) * (double(a[i]) - b[i]);
        ref += double(b[i]) * b[i];
    }
    return ref > 0 ? err / ref : err;
}

void test_indexer() {
    for (int64_t n_kv : {1, 15, 16, 17, 1000, 4099})
        for (int64_t heads : {1, 8, 64})
            for (int64_t d : {32, 128}) {
                const auto q = randn(static_cast<size_t>(heads * d), 1), w = randn(static_cast<size_t>(heads), 2, 0.1f);
                std::vector<uint16_t> k(static_cast<size_t>(indexer_cache_size(n_kv, d)));
                const auto kf = randn(k.size(), 3);
                for (size_t i = 0; i < k.size(); ++i) k[i] = f32_to_bf16(kf[i]);
                std::vector<float> gpu(static_cast<size_t>(n_kv)), cpu(gpu.size());
                lightning_indexer_cpu({q.data(), w.data(), k.data(), cpu.data(), n_kv, heads, d});
                cuda::lightning_indexer({q.data(), w.data(), k.data(), gpu.data(), n_kv, heads, d});
                expect(nmse(gpu, cpu) < 1e-9, "indexer scores", n_kv, heads);
            }
}

void test_topk() {
    std::mt19937 g(7);
    for (int64_t n : {1, 2, 100, 4099, 65536})
        for (int64_t k : {1, 7, 2048, 70000}) {
            // Scores from a few values (many ties), with NaN and both zeros mixed in.
            std::vector<float> s(static_cast<size_t>(n));
            for (auto& x : s) {
                const int r = static_cast<int>(g() % 40);
                x = r == 0 ? NAN : r == 1 ? -0.0f : r == 2 ? 0.0f : static_cast<float>(r % 9) - 4.0f;
            }
            const auto want = topk_indices_cpu(s.data(), n, k);
            const auto got = cuda::topk_indices(s.data(), n, k);
            expect(got == want, "top-k selection", n, k);
        }
}

void test_mla() {
    for (int64_t n_kv : {1, 17, 3000})
        for (int64_t heads : {1, 128})
            for (bool sparse : {false, true}) {
                const int64_t d_qk = 576, d_v = 512;
                const auto q = randn(static_cast<size_t>(heads * d_qk), 4, 0.05f), kv = randn(static_cast<size_t>(n_kv * d_qk), 5);
                std::vector<int32_t> idx;
                if (sparse) {
                    const auto scores = randn(static_cast<size_t>(n_kv), 6);
                    idx = topk_indices_cpu(scores.data(), n_kv, std::min<int64_t>(n_kv, 2048) / 2 + 1);
                }
                std::vector<float> gpu(static_cast<size_t>(heads * d_v)), cpu(gpu.size());
                MlaAttentionParams p{q.data(), kv.data(), sparse ? idx.data() : nullptr, cpu.data(), static_cast<int64_t>(idx.size()),
                                     n_kv, heads, d_qk, d_v, 1.0f / std::sqrt(static_cast<float>(d_qk))};
                mla_attention_cpu(p);
                p.out = gpu.data();
                cuda::mla_attention(p);
                expect(nmse(gpu, cpu) < 1e-9, "sparse MLA attention", n_kv, heads);
            }
}

}  // namespace

int main() {
    if (!cuda::available()) {
        std::printf("SKIP: %s\n", cuda::describe_device().c_str());
        return 77;
    }
    std::printf("device: %s\n", cuda::describe_device().c_str());
    test_indexer();
    test_topk();
    test_mla();
    const auto t = cuda::time_dsa_decode(4096, 2048, 128, 576, 512, 64, 128, 3);
    expect(t.seconds > 0 && t.bytes > 0, "decode timing");
    std::printf("%s\n", failures ? "FAILED" : "all CUDA kernels match their CPU oracles");
    return failures ? 1 : 0;
}
