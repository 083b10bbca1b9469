// DSA engine benchmark on the CPU, against baselines in the same run:
//   decode per-token time at contexts 1K/4K/16K/64K, DSA vs dense attention on one checkpoint
//   prefill tokens per second; batched decode tokens per second
//   bytes of weights and cache read per token vs memory bandwidth (STREAM-style copy)
// Long contexts are filled with synthetic cache entries (random latents and indexer keys):
// decode cost depends on the context length, not on what the cache holds, and a 64K-token
// prefill of a 220M model would take an hour on 2 cores.
// Usage: bench_model [--ckpt DIR] [--contexts 1024,4096,16384,65536] [--steps N]
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "kernels/cpu_features.hpp"
#include "kernels/parallel.hpp"
#include "model/checkpoint_writer.hpp"
#include "model/transformer.hpp"

using namespace envforge;
using namespace envforge::model;
using Clock = std::chrono::steady_clock;

static double secs(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

// STREAM "copy" over 1 GiB arrays on all threads: bytes read + written per second.
static double stream_copy_gbs() {
    const size_t n = (size_t{1} << 30) / sizeof(double);
    std::vector<double> a(n, 1.0), b(n, 0.0);
    double best = 0;
    for (int rep = 0; rep < 4; ++rep) {
        auto t0 = Clock::now();
        kernels::parallel_for(static_cast<int64_t>(n), 1 << 20, [&](int64_t s, int64_t e) {
            std::memcpy(b.data() + s, a.data() + s, static_cast<size_t>(e - s) * sizeof(double));
        });
        best = std::max(best, 2.0 * n * sizeof(double) / secs(t0) / 1e9);
    }
    if (b[n / 2] != 1.0) std::printf("copy check failed\n");
    return best;
}

// Read-only bandwidth (sum of 1 GiB on all threads): the ceiling for streaming weights.
static double stream_read_gbs() {
    const size_t n = (size_t{1} << 30) / sizeof(float);
    std::vector<float> a(n, 1.0f);
    double best = 0;
    for (int rep = 0; rep < 4; ++rep) {
        std::vector<double> part(static_cast<size_t>(kernels::n_threads()) * 64, 0.0);
        std::atomic<int> slot{0};
        auto t0 = Clock::now();
        kernels::parallel_for(static_cast<int64_t>(n), 1 << 22, [&](int64_t s, int64_t e) {
            float acc[16] = {};
            for (int64_t i = s; i + 16 <= e; i += 16)
                for (int j = 0; j < 16; ++j) acc[j] += a[static_cast<size_t>(i + j)];
            double t = 0;
            for (float v : acc) t += v;
            part[static_cast<size_t>(slot++ % (kernels::n_threads() * 64))] += t;
        });
        best = std::max(best, n * sizeof(float) / secs(t0) / 1e9);
        double total = 0;
        for (double v : part) total += v;
        if (total < 0) std::printf("read check failed\n");
    }
    return best;
}

static double decode_ms(Transformer& t, int64_t ctx, int steps) {
    Sequence s;
    t.fill_synthetic_cache(s, ctx, 7);
    Sequence* p = &s;
    int32_t tok = 1;
    t.decode(std::span<Sequence* const>(&p, 1), std::span<const int32_t>(&tok, 1));  // warm-up
    auto t0 = Clock::now();
    for (int i = 0; i < steps; ++i) {
        tok = (tok * 31 + 7) % 1000;
        t.decode(std::span<Sequence* const>(&p, 1), std::span<const int32_t>(&tok, 1));
    }
    return secs(t0) * 1000 / steps;
}

// Prefill throughput (512 tokens) and batched decode at context 1K (batch 1 and 8).
static void prefill_and_batched_decode(Transformer& t, int steps) {
    const ModelConfig& c = t.config();
    {
        std::vector<int32_t> prompt(512);
        for (size_t i = 0; i < prompt.size(); ++i) prompt[i] = static_cast<int32_t>((i * 131 + 7) % c.vocab_size);
        t.set_options({});
        Sequence s;
        auto t0 = Clock::now();
        t.prefill(s, prompt);
        std::printf("prefill: %zu tokens in %.2f s = %.0f tokens/s\n", prompt.size(), secs(t0), prompt.size() / secs(t0));
    }
    for (int batch : {1, 8}) {
        std::vector<Sequence> seqs(static_cast<size_t>(batch));
        std::vector<Sequence*> ptrs;
        for (auto& s : seqs) {
            t.fill_synthetic_cache(s, 1024, 3);
            ptrs.push_back(&s);
        }
        std::vector<int32_t> toks(static_cast<size_t>(batch), 5);
        t.decode(ptrs, toks);
        auto t0 = Clock::now();
        for (int i = 0; i < steps; ++i) t.decode(ptrs, toks);
        std::printf("batched decode at context 1K, batch %d: %.1f tokens/s\n", batch, batch * steps / secs(t0));
    }
}

int main(int argc, char** argv) {
    std::string ckpt;
    std::vector<int64_t> contexts{1024, 4096, 16384, 65536};
    int steps = 8;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!std::strcmp(argv[i], "--ckpt")) ckpt = argv[i + 1];
        else if (!std::strcmp(argv[i], "--steps")) steps = std::atoi(argv[i + 1]);
        else if (!std::strcmp(argv[i], "--contexts")) {
            contexts.clear();
            for (char* tok = std::strtok(argv[i + 1], ","); tok; tok = std::strtok(nullptr, ",")) contexts.push_back(std::atoll(tok));
        }
    }
    std::string tmp;
    if (ckpt.empty()) {
        tmp = "/tmp/envforge-bench-small-" + std::to_string(getpid());
        auto t0 = Clock::now();
        WriteOptions o;
        o.seed = 1;
        o.max_shard_bytes = int64_t{200} << 20;
        write_random_checkpoint(preset_config("small"), tmp, o);
        std::printf("wrote the 'small' preset to %s in %.1f s\n", tmp.c_str(), secs(t0));
        ckpt = tmp;
    }
    Transformer t(ckpt);
    const ModelConfig& c = t.config();
    const double bw = stream_copy_gbs(), read_bw = stream_read_gbs();
    std::printf("checkpoint %s: %.1f M parameters, %.1f MB of weights; %s, %d threads\n", ckpt.c_str(), t.n_params() / 1e6,
                t.weight_bytes() / 1e6, kernels::isa_name(kernels::cpu_isa()), kernels::n_threads());
    std::printf("layers %lld, hidden %lld, MLA heads %lld, latent %lld+%lld, indexer %lld x %lld, index_topk %lld\n",
                (long long)c.num_hidden_layers, (long long)c.hidden_size, (long long)c.num_attention_heads, (long long)c.kv_lora_rank,
                (long long)c.qk_rope_head_dim, (long long)c.index_n_heads, (long long)c.index_head_dim, (long long)c.index_topk);
    std::printf("memory bandwidth: STREAM copy (read+write) %.1f GB/s; read-only sum %.1f GB/s\n\n", bw, read_bw);

    // Bytes one decode step reads: every weight but the embedding table (one row of it), plus
    // the cache: DSA reads all indexer keys and top-k latent rows, dense reads all latent rows.
    const double embed_bytes = static_cast<double>(c.vocab_size * c.hidden_size * 2);
    const double weights = t.weight_bytes() - embed_bytes;
    const double row = (c.kv_lora_rank + c.qk_rope_head_dim) * 4.0, key = c.index_head_dim * 2.0, L = c.num_hidden_layers;

    std::printf("%-8s %12s %12s %12s %10s %14s %14s\n", "context", "DSA ms/tok", "dense ms/tok", "dense/DSA", "DSA tok/s", "DSA GB/s read",
                "dense GB/s rd");
    std::vector<double> dsa_ms, dense_ms;
    for (int64_t ctx : contexts) {
        t.set_options({});
        const double d = decode_ms(t, ctx, steps);
        t.set_options({.dense = true});
        const double f = decode_ms(t, ctx, std::max(2, steps / (ctx >= 16384 ? 4 : 1)));
        dsa_ms.push_back(d);
        dense_ms.push_back(f);
        const double dsa_bytes = weights + L * (ctx * key + std::min<double>(ctx, c.index_topk) * row);
        const double dense_bytes = weights + L * ctx * row;
        std::printf("%-8lld %12.2f %12.2f %12.2f %10.1f %14.1f %14.1f\n", (long long)ctx, d, f, f / d, 1000 / d, dsa_bytes / d / 1e6,
                    dense_bytes / f / 1e6);
    }
    auto at = [&](const std::vector<double>& v, int64_t ctx) {
        for (size_t i = 0; i < contexts.size(); ++i)
            if (contexts[i] == ctx) return v[i];
        return 0.0;
    };
    if (at(dsa_ms, 4096) > 0 && at(dsa_ms, 65536) > 0)
        std::printf("\ngrowth 4K -> 64K: DSA %.2fx (target < 2x), dense %.2fx (target > 5x); dense/DSA at 64K %.2fx (target >= 4x)\n",
                    at(dsa_ms, 65536) / at(dsa_ms, 4096), at(dense_ms, 65536) / at(dense_ms, 4096),
                    at(dense_ms, 65536) / at(dsa_ms, 65536));
    // Short-context decode is weight streaming: at 128 tokens attention is a rounding error.
    t.set_options({});
    const double short_ms = decode_ms(t, 128, steps * 2);
    const double stream = weights / short_ms / 1e6;
    std::printf(
        "weight streaming at context 128: %.2f ms/token, %.1f GB/s = %.0f%% of the copy bandwidth (target >= 60%%), %.0f%% of read-only\n",
        short_ms, stream, 100.0 * stream / bw, 100.0 * stream / read_bw);

    prefill_and_batched_decode(t, steps);
    if (!tmp.empty()) std::filesystem::remove_all(tmp);
    return 0;
}
