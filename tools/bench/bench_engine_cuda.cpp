// The whole engine's decode on the GPU against the CPU engine in the same run, on one checkpoint
// (the 'small' preset unless --ckpt): tokens/s at each context for DSA and dense attention, the
// bytes one step must read (weights but the embedding table; indexer keys and top-k latent rows
// for DSA, every latent row for dense) and that rate as a share of the device's peak bandwidth;
// then batched decode. Long contexts are synthetic cache rows (decode cost depends on the length,
// not on what the cache holds). Exits 77 without a device.
//
// usage: bench_engine_cuda [--ckpt DIR] [--contexts 4096,65536] [--steps N] [--cpu-steps N]
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "kernels/cuda/dsa_cuda.hpp"
#include "model/checkpoint_writer.hpp"
#include "model/transformer.hpp"

using namespace envforge;
using namespace envforge::model;
using Clock = std::chrono::steady_clock;

namespace {

double secs(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

// Seconds per decode step of `batch` sequences at context `ctx` (after one warm-up step).
double decode_seconds(Transformer& t, int64_t ctx, int batch, int steps) {
    std::vector<Sequence> seqs(static_cast<size_t>(batch));
    std::vector<Sequence*> ptrs;
    for (auto& s : seqs) {
        t.fill_synthetic_cache(s, ctx, 7);
        ptrs.push_back(&s);
    }
    std::vector<int32_t> toks(static_cast<size_t>(batch), 1);
    t.decode(ptrs, toks);
    const auto t0 = Clock::now();
    for (int i = 0; i < steps; ++i) {
        for (auto& x : toks) x = (x * 31 + 7) % 1000;
        t.decode(ptrs, toks);
    }
    return secs(t0) / steps;
}

}  // namespace

int main(int argc, char** argv) {
    std::string ckpt;
    std::vector<int64_t> contexts{4096, 65536};
    int steps = 20, cpu_steps = 3;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!std::strcmp(argv[i], "--ckpt")) ckpt = argv[i + 1];
        else if (!std::strcmp(argv[i], "--steps")) steps = std::atoi(argv[i + 1]);
        else if (!std::strcmp(argv[i], "--cpu-steps")) cpu_steps = std::atoi(argv[i + 1]);
        else if (!std::strcmp(argv[i], "--contexts")) {
            contexts.clear();
            for (char* tok = std::strtok(argv[i + 1], ","); tok; tok = std::strtok(nullptr, ",")) contexts.push_back(std::atoll(tok));
        }
    }
    if (!kernels::cuda::available()) {
        std::printf("SKIP: %s\n", kernels::cuda::describe_device().c_str());
        return 77;
    }
    std::string tmp;
    if (ckpt.empty()) {
        tmp = "/tmp/envforge-bench-engine-cuda-" + std::to_string(getpid());
        WriteOptions o;
        o.max_shard_bytes = int64_t{200} << 20;
        write_random_checkpoint(preset_config("small"), tmp, o);
        ckpt = tmp;
    }
    EngineOptions go;
    go.cuda = true;
    Transformer gpu(ckpt, go), cpu(ckpt);
    const ModelConfig& c = gpu.config();
    const double peak = kernels::cuda::peak_bandwidth();
    std::printf("device: %s\n", kernels::cuda::describe_device().c_str());
    std::printf("checkpoint %s: %.1f M parameters, %lld layers, index_topk %lld\n", ckpt.c_str(), gpu.n_params() / 1e6,
                (long long)c.num_hidden_layers, (long long)c.index_topk);
    const double weights = gpu.weight_bytes() - static_cast<double>(c.vocab_size * c.hidden_size * 2);
    const double row = (c.kv_lora_rank + c.qk_rope_head_dim) * 4.0, key = c.index_head_dim * 2.0, L = c.num_hidden_layers;
    std::printf("%-8s %-6s %12s %12s %10s %10s %14s\n", "context", "attn", "GPU tok/s", "CPU tok/s", "GPU/CPU", "GB/s", "% of HBM peak");
    for (int64_t ctx : contexts)
        for (bool dense : {false, true}) {
            EngineOptions o;
            o.dense = dense;
            cpu.set_options(o);
            o.cuda = true;
            gpu.set_options(o);
            const double g = decode_seconds(gpu, ctx, 1, steps), k = decode_seconds(cpu, ctx, 1, cpu_steps);
            const double bytes = weights + L * (dense ? ctx * row : ctx * key + std::min<double>(ctx, c.index_topk) * row);
            std::printf("%-8lld %-6s %12.1f %12.2f %9.1fx %10.1f %13.1f%%\n", (long long)ctx, dense ? "dense" : "dsa", 1 / g, 1 / k, k / g,
                        bytes / g / 1e9, peak > 0 ? 100.0 * bytes / g / peak : 0.0);
        }
    gpu.set_options(go);
    for (int batch : {1, 16, 32}) {
        const double g = decode_seconds(gpu, 4096, batch, steps);
        std::printf("batched decode at context 4K, batch %d: %.1f tokens/s on the GPU\n", batch, batch / g);
    }
    if (!tmp.empty()) std::filesystem::remove_all(tmp);
    return 0;
}
