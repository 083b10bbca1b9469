// Every CUDA kernel against its CPU oracle (kernels/dsa/*_cpu.cpp, kernels/*_cpu.cpp), at awkward
// shapes: contexts of 1, 15, 16, 17 and thousands of keys, one head and DeepSeek-V3.2's 64
// indexer and 128 attention heads, top-k with ties, NaN and signed zeros, dense and sparse
// attention; then the forward pass's ops (device_ops.hpp): matmuls in bf16 and f32 with strides
// and unaligned weights, norms over strided rows, both RoPE layouts, the cache append, gathers
// and scatters. Exits 77 (skip) where there is no CUDA device or envforge was built without CUDA.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <random>
#include <vector>

#include "kernels/cuda/device_ops.hpp"
#include "kernels/cuda/dsa_cuda.hpp"
#include "kernels/dsa/lightning_indexer.hpp"
#include "kernels/dsa/mla_attention.hpp"
#include "kernels/dsa/topk.hpp"
#include "kernels/dtype.hpp"
#include "kernels/matmul.hpp"
#include "kernels/norm.hpp"
#include "kernels/rope.hpp"
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
                MlaAttentionParams p{q.data(),
                                     kv.data(),
                                     sparse ? idx.data() : nullptr,
                                     cpu.data(),
                                     static_cast<int64_t>(idx.size()),
                                     n_kv,
                                     heads,
                                     d_qk,
                                     d_v,
                                     1.0f / std::sqrt(static_cast<float>(d_qk))};
                mla_attention_cpu(p);
                p.out = gpu.data();
                cuda::mla_attention(p);
                expect(nmse(gpu, cpu) < 1e-9, "sparse MLA attention", n_kv, heads);
            }
}

template <class T>
cuda::DeviceBuffer to_device(const std::vector<T>& v) {
    cuda::DeviceBuffer b(v.size() * sizeof(T));
    b.upload(v.data(), v.size() * sizeof(T));
    return b;
}

template <class T>
std::vector<T> from_device(const cuda::DeviceBuffer& b, size_t n) {
    std::vector<T> v(n);
    cuda::synchronize();
    b.download(v.data(), n * sizeof(T));
    return v;
}

std::vector<uint16_t> to_bf16(const std::vector<float>& f) {
    std::vector<uint16_t> h(f.size());
    for (size_t i = 0; i < f.size(); ++i) h[i] = f32_to_bf16(f[i]);
    return h;
}

void test_matmul() {
    for (DType type : {DType::BF16, DType::F32})
        for (int64_t n : {1, 3, 8, 9, 20})
            for (int64_t rows : {1, 7, 64})
                for (int64_t cols : {8, 13, 96, 129})
                    for (int64_t skew : {0, 1}) {  // skew 1: the weights start one element in, so not 16-byte aligned
                        const int64_t xs = cols + 5, ys = rows + 3;
                        const auto x = randn(static_cast<size_t>(n * xs), 11), wf = randn(static_cast<size_t>((rows * cols + 1)), 12);
                        const auto wh = to_bf16(wf);
                        auto xd = to_device(x), yd = to_device(std::vector<float>(static_cast<size_t>(n * ys), 0.0f));
                        auto wd = type == DType::BF16 ? to_device(wh) : to_device(wf);
                        const char* wbase = static_cast<const char*>(wd.get()) + skew * dtype_size(type);
                        cuda::matmul(xd.as<float>(), xs, wbase, type, yd.as<float>(), ys, n, rows, cols);
                        const auto y = from_device<float>(yd, static_cast<size_t>(n * ys));
                        // Error over the whole output: one dot product alone may cancel to near zero.
                        std::vector<float> got, want(static_cast<size_t>(n * rows));
                        for (int64_t r = 0; r < n; ++r) {
                            const void* w = type == DType::BF16 ? static_cast<const void*>(wh.data() + skew) : wf.data() + skew;
                            matmul_cpu({x.data() + r * xs, w, type, want.data() + r * rows, 1, rows, cols});
                            got.insert(got.end(), y.begin() + r * ys, y.begin() + r * ys + rows);
                        }
                        expect(nmse(got, want) < 1e-10, "matmul", n * 1000 + rows, cols * 10 + skew);
                    }
}

void test_norms() {
    for (int64_t n : {1, 5})
        for (int64_t d : {7, 64, 512}) {
            const int64_t stride = d + 64;  // the latent part of a [R, kv_lora + rope] row
            const auto x = randn(static_cast<size_t>(n * stride), 21), w = randn(static_cast<size_t>(d), 22),
                       b = randn(static_cast<size_t>(d), 23);
            auto xd = to_device(x), wd = to_device(w), bd = to_device(b);
            cuda::rms_norm(xd.as<float>(), wd.as<float>(), xd.as<float>(), n, d, stride, 1e-6f);
            const auto got = from_device<float>(xd, x.size());
            std::vector<float> want(static_cast<size_t>(d)), row;
            for (int64_t r = 0; r < n; ++r) {
                rms_norm_cpu({x.data() + r * stride, w.data(), nullptr, want.data(), 1, d, 1e-6f});
                row.assign(got.begin() + r * stride, got.begin() + r * stride + d);
                expect(nmse(row, want) < 1e-11, "rms_norm", n, d);
                expect(got[r * stride + d] == x[r * stride + d], "rms_norm leaves the rest of the row", n, d);
            }
            std::vector<float> contiguous(static_cast<size_t>(n * d)), lwant(contiguous.size());
            for (int64_t r = 0; r < n; ++r) std::copy_n(x.begin() + r * stride, d, contiguous.begin() + r * d);
            auto cd = to_device(contiguous);
            cuda::layer_norm(cd.as<float>(), wd.as<float>(), bd.as<float>(), n, d, 1e-6f);
            layer_norm_cpu({contiguous.data(), w.data(), b.data(), lwant.data(), n, d, 1e-6f});
            expect(nmse(from_device<float>(cd, contiguous.size()), lwant) < 1e-11, "layer_norm", n, d);
        }
}

void test_rope() {
    YarnParams y;
    y.factor = 40, y.mscale = 1, y.mscale_all_dim = 1;
    const int64_t d_rope = 64, rows = 3, per_row = 4, stride = 96, max_pos = 5000;
    const RopeTable t = make_rope_table(d_rope, max_pos, y);
    const std::vector<int64_t> pos = {0, 17, 4999};
    for (bool interleaved : {true, false}) {
        const auto x = randn(static_cast<size_t>(rows * per_row * stride), 31);
        auto xd = to_device(x), cd = to_device(t.cos), sd = to_device(t.sin), pd = to_device(pos);
        cuda::rope(xd.as<float>() + 8, rows * per_row, stride, per_row, pd.as<int64_t>(), cd.as<float>(), sd.as<float>(), d_rope,
                   interleaved);
        const auto got = from_device<float>(xd, x.size());
        std::vector<float> want = x;
        for (int64_t v = 0; v < rows * per_row; ++v)
            (interleaved ? rope_interleaved : rope_half)(want.data() + v * stride + 8, t, pos[v / per_row]);
        expect(nmse(got, want) < 1e-12, interleaved ? "rope interleaved" : "rope half-split", 0, 0);
    }
}

void test_data_movement() {
    const int64_t n = 5, d = 24, di = 16, vocab = 11;
    // embed: bf16 rows by token id
    const auto table = randn(static_cast<size_t>(vocab * d), 41);
    const auto table_h = to_bf16(table);
    const std::vector<int32_t> tokens = {3, 0, 10, 3, 7};
    auto td = to_device(table_h), tokd = to_device(tokens), xd = to_device(std::vector<float>(static_cast<size_t>(n * d)));
    cuda::embed(td.get(), DType::BF16, tokd.as<int32_t>(), xd.as<float>(), n, d);
    auto x = from_device<float>(xd, static_cast<size_t>(n * d));
    bool ok = true;
    for (int64_t r = 0; r < n; ++r)
        for (int64_t i = 0; i < d; ++i) ok &= x[r * d + i] == bf16_to_f32(table_h[tokens[r] * d + i]);
    expect(ok, "embed", 0, 0);
    // silu_mul, add, scale, zero
    const auto g = randn(static_cast<size_t>(n * d), 42), u = randn(g.size(), 43);
    auto gd = to_device(g), ud = to_device(u);
    cuda::silu_mul(gd.as<float>(), ud.as<float>(), n * d);
    cuda::add(gd.as<float>(), ud.as<float>(), n * d);
    cuda::scale(gd.as<float>(), 0.5f, n * d);
    const auto gg = from_device<float>(gd, g.size());
    std::vector<float> want(g.size());
    for (size_t i = 0; i < g.size(); ++i) want[i] = (g[i] / (1.0f + std::exp(-g[i])) * u[i] + u[i]) * 0.5f;
    expect(nmse(gg, want) < 1e-12, "silu_mul, add, scale", 0, 0);
    cuda::zero(gd.as<float>(), n * d);
    const auto z = from_device<float>(gd, g.size());
    expect(std::all_of(z.begin(), z.end(), [](float v) { return v == 0.0f; }), "zero", 0, 0);
    // copy_rows, gather_rows, scatter_add_rows
    cuda::copy_rows(gd.as<float>() + 1, d, xd.as<float>() + 2, d, n, 5);
    const auto c = from_device<float>(gd, g.size());
    ok = true;
    for (int64_t r = 0; r < n; ++r)
        for (int64_t i = 0; i < d; ++i) ok &= c[r * d + i] == (i >= 1 && i < 6 ? x[r * d + i + 1] : 0.0f);
    expect(ok, "copy_rows", 0, 0);
    const std::vector<int32_t> index = {4, 1, 2};
    const std::vector<float> weight = {0.5f, -1.0f, 2.0f};
    auto id = to_device(index), wd = to_device(weight), gat = to_device(std::vector<float>(static_cast<size_t>(3 * d)));
    cuda::gather_rows(gat.as<float>(), xd.as<float>(), id.as<int32_t>(), 3, d);
    const auto gathered = from_device<float>(gat, static_cast<size_t>(3 * d));
    cuda::scatter_add_rows(xd.as<float>(), gat.as<float>(), id.as<int32_t>(), wd.as<float>(), 3, d);
    const auto scattered = from_device<float>(xd, static_cast<size_t>(n * d));
    ok = true;
    for (int64_t j = 0; j < 3; ++j)
        for (int64_t i = 0; i < d; ++i) {
            ok &= gathered[j * d + i] == x[index[j] * d + i];
            const float expected = x[index[j] * d + i] * (1 + weight[j]);
            ok &= std::fabs(scattered[index[j] * d + i] - expected) <= 1e-6f * (1 + std::fabs(expected));
        }
    ok &= std::equal(scattered.begin(), scattered.begin() + d, x.begin());  // row 0 untouched
    expect(ok, "gather_rows, scatter_add_rows", 0, 0);
    // append_cache: two sequences, rows at positions 0, 16 and 33 (three blocks of the key cache)
    const std::vector<int64_t> pos = {0, 33, 16};
    cuda::DeviceBuffer kv0(static_cast<size_t>(40 * d * 4)), kv1(kv0.bytes()), k0(static_cast<size_t>(indexer_cache_size(40, di) * 2)),
        k1(k0.bytes());
    const std::vector<float*> kvp = {kv0.as<float>(), kv1.as<float>(), kv0.as<float>()};
    const std::vector<uint16_t*> kp = {k0.as<uint16_t>(), k1.as<uint16_t>(), k0.as<uint16_t>()};
    const auto src = randn(static_cast<size_t>(3 * d), 44), keys = randn(static_cast<size_t>(3 * di), 45);
    auto kvpd = to_device(kvp), kpd = to_device(kp), posd = to_device(pos), srcd = to_device(src), keysd = to_device(keys);
    cuda::append_cache(kvpd.as<float* const>(), kpd.as<uint16_t* const>(), posd.as<int64_t>(), srcd.as<float>(), d, keysd.as<float>(), di,
                       3);
    const auto c0 = from_device<float>(kv0, static_cast<size_t>(40 * d)), c1 = from_device<float>(kv1, static_cast<size_t>(40 * d));
    const auto h0 = from_device<uint16_t>(k0, static_cast<size_t>(indexer_cache_size(40, di)));
    const auto h1 = from_device<uint16_t>(k1, h0.size());
    ok = true;
    for (int64_t r = 0; r < 3; ++r) {
        const auto& cache = r == 1 ? c1 : c0;
        const auto& kc = r == 1 ? h1 : h0;
        for (int64_t i = 0; i < d; ++i) ok &= cache[pos[r] * d + i] == src[r * d + i];
        for (int64_t i = 0; i < di; ++i) ok &= kc[indexer_key_offset(pos[r], i, di)] == f32_to_bf16(keys[r * di + i]);
    }
    expect(ok, "append_cache", 0, 0);
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
    test_matmul();
    test_norms();
    test_rope();
    test_data_movement();
    const auto t = cuda::time_dsa_decode(4096, 2048, 128, 576, 512, 64, 128, 3);
    expect(t.seconds > 0 && t.bytes > 0, "decode timing");
    std::printf("%s\n", failures ? "FAILED" : "all CUDA kernels match their CPU oracles");
    return failures ? 1 : 0;
}
