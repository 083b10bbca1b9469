// Every fast CPU kernel against its plain-loop oracle, on every instruction set this machine has,
// at awkward shapes (1, 19, 111, 989; top-k larger than the context), with NMSE tolerances.
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <cmath>
#include <stdexcept>
#include <string>
#include <random>
#include <vector>

#include "kernels/cpu_features.hpp"
#include "kernels/dsa/lightning_indexer.hpp"
#include "kernels/dsa/mla_attention.hpp"
#include "kernels/dsa/topk.hpp"
#include "kernels/matmul.hpp"
#include "kernels/moe_routing.hpp"
#include "kernels/norm.hpp"
#include "kernels/parallel.hpp"
#include "kernels/rope.hpp"
#include "tests/kernels/random_data.hpp"

using namespace envforge::kernels;

namespace {

using envforge::testing::randn;

std::vector<uint16_t> to_bf16(const std::vector<float>& v) {
    std::vector<uint16_t> out(v.size());
    for (size_t i = 0; i < v.size(); ++i) out[i] = f32_to_bf16(v[i]);
    return out;
}

// mse(a, b) / mse(b, 0), as ggml's test-backend-ops; non-finite values must sit in the same places.
double nmse(const std::vector<float>& a, const std::vector<float>& b) {
    REQUIRE(a.size() == b.size());
    double err = 0, ref = 0;
    for (size_t i = 0; i < a.size(); ++i) {
        REQUIRE(std::isfinite(a[i]) == std::isfinite(b[i]));
        if (!std::isfinite(b[i])) continue;
        err += (double(a[i]) - b[i]) * (double(a[i]) - b[i]);
        ref += double(b[i]) * b[i];
    }
    return ref > 0 ? err / ref : err;
}

std::vector<Isa> isas() {
    std::vector<Isa> out{Isa::Scalar};
    if (detected_isa() >= Isa::Avx2) out.push_back(Isa::Avx2);
    if (detected_isa() >= Isa::Avx512) out.push_back(Isa::Avx512);
    return out;
}

// Float32 accumulation over k terms against a double oracle: about k · 2^-24 relative per term
// in the worst case, far less on average; 1e-10 leaves room for k in the thousands.
constexpr double kTolF32 = 1e-10;

}  // namespace

TEST_CASE("kernels: matmul fast equals the reference for bf16 and f32 weights at awkward shapes") {
    for (Isa isa : isas()) {
        force_isa(isa);
        for (int64_t n_tok : {1, 3, 19}) {
            for (int64_t n : {1, 19, 111}) {
                for (int64_t k : {1, 19, 111, 989}) {
                    INFO("isa=" << isa_name(isa) << " n_tok=" << n_tok << " n=" << n << " k=" << k);
                    auto x = randn(static_cast<size_t>(n_tok * k), 1);
                    auto wf = randn(static_cast<size_t>(n * k), 2, 0.05f);
                    auto wb = to_bf16(wf);
                    for (DType t : {DType::BF16, DType::F32}) {
                        const void* w = t == DType::BF16 ? static_cast<const void*>(wb.data()) : wf.data();
                        std::vector<float> ref(static_cast<size_t>(n_tok * n)), fast(ref.size(), NAN);
                        matmul_cpu({x.data(), w, t, ref.data(), n_tok, n, k});
                        matmul_fast({x.data(), w, t, fast.data(), n_tok, n, k});
                        CHECK(nmse(fast, ref) < kTolF32);
                    }
                }
            }
        }
    }
    force_isa(detected_isa());
}

TEST_CASE("kernels: matmul gives the same bits with one thread or many") {
    auto x = randn(7 * 333, 3);
    auto w = to_bf16(randn(555 * 333, 4, 0.05f));
    std::vector<float> a(7 * 555), b(7 * 555);
    const int threads = n_threads();
    set_threads(1);
    matmul_fast({x.data(), w.data(), DType::BF16, a.data(), 7, 555, 333});
    set_threads(std::max(2, threads));
    matmul_fast({x.data(), w.data(), DType::BF16, b.data(), 7, 555, 333});
    set_threads(threads);
    CHECK(a == b);
}

TEST_CASE("kernels: RMSNorm and LayerNorm fast equal the reference") {
    for (Isa isa : isas()) {
        force_isa(isa);
        for (int64_t d : {1, 19, 111, 989}) {
            INFO("d=" << d);
            auto x = randn(static_cast<size_t>(3 * d), 5, 3.0f);
            for (auto& v : x) v += 2.5f;  // a large mean tests LayerNorm's variance
            auto w = randn(static_cast<size_t>(d), 6);
            auto b = randn(static_cast<size_t>(d), 7);
            std::vector<float> ref(x.size()), fast(x.size());
            rms_norm_cpu({x.data(), w.data(), nullptr, ref.data(), 3, d, 1e-6f});
            rms_norm_fast({x.data(), w.data(), nullptr, fast.data(), 3, d, 1e-6f});
            CHECK(nmse(fast, ref) < 1e-12);
            layer_norm_cpu({x.data(), w.data(), b.data(), ref.data(), 3, d, 1e-6f});
            layer_norm_fast({x.data(), w.data(), b.data(), fast.data(), 3, d, 1e-6f});
            CHECK(nmse(fast, ref) < 1e-11);
        }
    }
    force_isa(detected_isa());
}

TEST_CASE("kernels: RoPE layouts rotate the pairs the reference names") {
    YarnParams plain;
    RopeTable t = make_rope_table(8, 16, plain);
    // Position 0 is the identity in both layouts.
    std::vector<float> x{1, 2, 3, 4, 5, 6, 7, 8}, y = x;
    rope_interleaved(y.data(), t, 0);
    CHECK(y == x);
    // Interleaved pairs (0,1): frequency 0 is theta^0 = 1 rad per position.
    y = x;
    rope_interleaved(y.data(), t, 1);
    CHECK(y[0] == doctest::Approx(1 * std::cos(1.0) - 2 * std::sin(1.0)).epsilon(1e-6));
    CHECK(y[1] == doctest::Approx(1 * std::sin(1.0) + 2 * std::cos(1.0)).epsilon(1e-6));
    // Half-split pairs (0,4) use the same frequency 0.
    y = x;
    rope_half(y.data(), t, 1);
    CHECK(y[0] == doctest::Approx(1 * std::cos(1.0) - 5 * std::sin(1.0)).epsilon(1e-6));
    CHECK(y[4] == doctest::Approx(1 * std::sin(1.0) + 5 * std::cos(1.0)).epsilon(1e-6));
    // Rotation keeps the norm.
    double n0 = 0, n1 = 0;
    for (int i = 0; i < 8; ++i) n0 += x[i] * x[i], n1 += y[i] * y[i];
    CHECK(n1 == doctest::Approx(n0).epsilon(1e-6));
    // YaRN: factor 40 over 4096 positions leaves the fastest frequency and divides the slowest by 40.
    YarnParams yarn;
    yarn.factor = 40;
    auto inv = yarn_inv_freq(64, yarn);
    auto base = yarn_inv_freq(64, plain);
    CHECK(inv[0] == doctest::Approx(base[0]));
    CHECK(inv[31] == doctest::Approx(base[31] / 40));
    CHECK(yarn_mscale(40, 1) == doctest::Approx(0.1 * std::log(40.0) + 1));
}

TEST_CASE("kernels: lightning indexer fast equals the reference") {
    for (Isa isa : isas()) {
        force_isa(isa);
        for (int64_t n_kv : {1, 16, 19, 111, 989, 5000}) {
            for (int64_t d : {19, 64}) {
                INFO("isa=" << isa_name(isa) << " n_kv=" << n_kv << " d=" << d);
                const int64_t H = d == 19 ? 19 : 4;  // 19 heads: more than one register group
                auto q = randn(static_cast<size_t>(H * d), 8);
                auto w = randn(static_cast<size_t>(H), 9);
                auto k = to_bf16(randn(static_cast<size_t>(indexer_cache_size(n_kv, d)), 10));
                std::vector<float> ref(static_cast<size_t>(n_kv)), fast(ref.size(), NAN);
                lightning_indexer_cpu({q.data(), w.data(), k.data(), ref.data(), n_kv, H, d});
                lightning_indexer_fast({q.data(), w.data(), k.data(), fast.data(), n_kv, H, d});
                CHECK(nmse(fast, ref) < kTolF32);
            }
        }
    }
    force_isa(detected_isa());
}

TEST_CASE("kernels: top-k selection is exact, deterministic and never pads") {
    for (int64_t n : {1, 19, 111, 989, 20000}) {
        auto s = randn(static_cast<size_t>(n), 11);
        // Plenty of exact ties, as when every indexer head's ReLU is zero.
        for (int64_t i = 0; i < n; i += 3) s[i] = 0.0f;
        for (int64_t k : {1, 7, 64, 2048, 30000}) {
            INFO("n=" << n << " k=" << k);
            auto a = topk_indices_cpu(s.data(), n, k), b = topk_indices_fast(s.data(), n, k);
            CHECK(a == b);
            CHECK(static_cast<int64_t>(a.size()) == std::min(n, k));
            for (size_t i = 1; i < a.size(); ++i) CHECK(a[i - 1] < a[i]);
        }
    }
    // Ties go to the lower index.
    std::vector<float> ties{1, 5, 5, 5, 2};
    CHECK(topk_indices_fast(ties.data(), 5, 2) == std::vector<int32_t>{1, 2});
}

TEST_CASE("kernels: MLA attention fast equals the reference, sparse and dense") {
    for (Isa isa : isas()) {
        force_isa(isa);
        for (int64_t n_kv : {1, 19, 111, 989, 3000}) {
            INFO("isa=" << isa_name(isa) << " n_kv=" << n_kv);
            const int64_t H = 5, d_v = 40, d_qk = 48;
            auto q = randn(static_cast<size_t>(H * d_qk), 12, 0.5f);
            auto kv = randn(static_cast<size_t>(n_kv * d_qk), 13);
            std::vector<float> ref(static_cast<size_t>(H * d_v)), fast(ref.size(), NAN);
            MlaAttentionParams p{q.data(), kv.data(), nullptr, nullptr, 0, n_kv, H, d_qk, d_v, 0.2f};
            p.out = ref.data();
            mla_attention_cpu(p);
            p.out = fast.data();
            mla_attention_fast(p);
            CHECK(nmse(fast, ref) < 1e-9);
            // A selection of every third row equals dense attention over those rows alone.
            std::vector<int32_t> idx;
            std::vector<float> picked;
            for (int64_t s = 0; s < n_kv; s += 3) {
                idx.push_back(static_cast<int32_t>(s));
                picked.insert(picked.end(), kv.begin() + s * d_qk, kv.begin() + (s + 1) * d_qk);
            }
            std::vector<float> sparse(ref.size()), dense_sub(ref.size());
            MlaAttentionParams ps{q.data(), kv.data(), idx.data(), sparse.data(), static_cast<int64_t>(idx.size()),
                                  n_kv,     H,         d_qk,       d_v,           0.2f};
            mla_attention_fast(ps);
            MlaAttentionParams pd{q.data(), picked.data(), nullptr, dense_sub.data(), 0, static_cast<int64_t>(idx.size()), H,
                                  d_qk,     d_v,           0.2f};
            mla_attention_cpu(pd);
            CHECK(nmse(sparse, dense_sub) < 1e-9);
        }
    }
    force_isa(detected_isa());
}

TEST_CASE("kernels: MoE routing follows HF noaux_tc") {
    // 8 experts in 4 groups of 2; the bias moves expert 7 into the race but not into the weight.
    std::vector<float> logits{0.1f, 0.2f, 2.0f, -1.0f, 0.5f, 0.4f, -3.0f, -2.0f};
    std::vector<float> bias{0, 0, 0, 0, 0, 0, 0, 5.0f};
    MoeRoutingParams p{8, 4, 2, 2, true, 2.5f};
    auto r = moe_route_cpu(logits.data(), bias.data(), p);
    REQUIRE(r.size() == 2);
    // Group scores: g0 .525+.550, g1 .881+.269, g2 .622+.599, g3 .047+5.119 -> groups 3 and 2,
    // so expert 2 (the best single score) is out; 7 and 4 win.
    CHECK(r[0].expert == 7);
    CHECK(r[1].expert == 4);
    const float s7 = 1 / (1 + std::exp(2.0f)), s4 = 1 / (1 + std::exp(-0.5f));
    CHECK(r[0].weight == doctest::Approx(s7 / (s7 + s4) * 2.5f));
    CHECK(r[1].weight == doctest::Approx(s4 / (s7 + s4) * 2.5f));
}

TEST_CASE("parallel_for: an exception on any thread reaches the caller after every thread has left fn") {
    const int threads_before = envforge::kernels::n_threads();
    envforge::kernels::set_threads(4);
    for (int64_t thrower : {0, 17, 999}) {  // chunk 0 is the caller's own; the others a worker's
        CAPTURE(thrower);
        std::atomic<int> inside{0}, after_return{0};
        std::atomic<bool> returned{false};
        bool caught = false;
        try {
            envforge::kernels::parallel_for(1000, 1, [&](int64_t b, int64_t e) {
                ++inside;
                for (int64_t i = b; i < e; ++i)
                    if (i == thrower) {
                        --inside;
                        throw std::runtime_error("chunk " + std::to_string(i));
                    }
                std::this_thread::sleep_for(std::chrono::microseconds(50));
                if (returned) ++after_return;  // fn still running after parallel_for returned
                --inside;
            });
        } catch (const std::runtime_error& e) {
            caught = std::string(e.what()).rfind("chunk ", 0) == 0;
        }
        returned = true;
        CHECK(caught);
        CHECK(inside == 0);
        CHECK(after_return == 0);
    }
    // The pool still works.
    std::atomic<int64_t> sum{0};
    envforge::kernels::parallel_for(1000, 1, [&](int64_t b, int64_t e) {
        for (int64_t i = b; i < e; ++i) sum += i;
    });
    CHECK(sum == 999 * 1000 / 2);
    envforge::kernels::set_threads(threads_before);
}
