// The GPU forward pass against the CPU engine, its oracle: the same random checkpoints (dense and
// MoE), the same tokens, and every logit compared. Covers prefill in several chunks (many rows of
// one sequence in one pass), batched decode of two sequences at different lengths, a prompt that
// reuses a truncated prefix, dense attention, DSA with a top-k far below the context (the
// selections compared too), and a long synthetic context. Exits 77 (skip) without a device;
// tools/gpu-check builds and runs it with nvcc alone.
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "kernels/cuda/dsa_cuda.hpp"
#include "model/checkpoint_writer.hpp"
#include "model/transformer.hpp"

using namespace envforge;
using namespace envforge::model;

namespace {

int failures = 0;

void check(bool ok, const std::string& what) {
    std::printf("%s %s\n", ok ? "ok  " : "FAIL", what.c_str());
    if (!ok) ++failures;
}

// max |a - b| over max |a|: the scale-free error of a whole logit block.
double relative_error(const std::vector<float>& a, const std::vector<float>& b) {
    if (a.size() != b.size()) return INFINITY;
    double diff = 0, peak = 1e-30;
    for (size_t i = 0; i < a.size(); ++i) {
        if (!std::isfinite(b[i])) return INFINITY;
        diff = std::max(diff, std::fabs(static_cast<double>(a[i]) - b[i]));
        peak = std::max(peak, std::fabs(static_cast<double>(a[i])));
    }
    return diff / peak;
}

// Float sums in another order move logits by ~1e-5 of their scale; a wrong index, layout or
// missing step moves them by order one.
constexpr double kTolerance = 2e-3;

std::vector<int32_t> tokens(int64_t n, int64_t vocab, uint64_t seed) {
    std::vector<int32_t> t(static_cast<size_t>(n));
    for (auto& x : t) {
        seed = seed * 6364136223846793005ull + 1442695040888963407ull;
        x = static_cast<int32_t>((seed >> 33) % static_cast<uint64_t>(vocab));
    }
    return t;
}

int32_t argmax(const float* row, int64_t n) {
    int64_t best = 0;
    for (int64_t i = 1; i < n; ++i)
        if (row[i] > row[best]) best = i;
    return static_cast<int32_t>(best);
}

// Share of (row, layer) selections that are identical: near-ties of float indexer scores may
// rank differently, so a few may differ; a broken indexer or top-k changes most of them.
double selection_agreement(const Transformer& a, const Transformer& b) {
    int64_t same = 0, total = 0;
    for (size_t r = 0; r < a.last_selection.size() && r < b.last_selection.size(); ++r)
        for (size_t l = 0; l < a.last_selection[r].size() && l < b.last_selection[r].size(); ++l) {
            if (a.last_selection[r][l].empty()) continue;
            ++total;
            same += a.last_selection[r][l] == b.last_selection[r][l];
        }
    return total ? static_cast<double>(same) / static_cast<double>(total) : 1.0;
}

void compare_engines(const std::string& preset, const std::string& dir, bool dense, int64_t topk) {
    EngineOptions o;
    o.dense = dense;
    o.index_topk = topk;
    Transformer cpu(dir, o);
    o.cuda = true;
    Transformer gpu(dir, o);
    cpu.record_selection = gpu.record_selection = true;
    const int64_t vocab = cpu.config().vocab_size;
    const std::string tag = preset + (dense ? " dense" : " DSA top-" + std::to_string(topk)) + ": ";

    // Prefill in chunks of 16 (a sequence's caches grow across passes), every position's logits.
    const std::vector<int32_t> prompt = tokens(57, vocab, 7);
    Sequence sc, sg;
    const std::vector<float> pc = cpu.prefill(sc, prompt, true, 16);
    const std::vector<float> pg = gpu.prefill(sg, prompt, true, 16);
    const double e_prefill = relative_error(pc, pg);
    check(e_prefill < kTolerance, tag + "prefill of 57 tokens, all logits: error " + std::to_string(e_prefill));
    if (!dense) {
        const double agree = selection_agreement(cpu, gpu);
        check(agree >= 0.95, tag + "selections of the last chunk identical: " + std::to_string(agree));
    }

    // A second sequence, then batched decode of both, feeding the CPU's greedy tokens to both.
    const std::vector<int32_t> other = tokens(23, vocab, 11);
    Sequence tc, tg;
    check(relative_error(cpu.prefill(tc, other), gpu.prefill(tg, other)) < kTolerance, tag + "second sequence prefill");
    int32_t next_a = argmax(pc.data() + (prompt.size() - 1) * vocab, vocab), next_b = 5;
    double worst = 0;
    for (int step = 0; step < 6; ++step) {
        Sequence* cs[] = {&sc, &tc};
        Sequence* gs[] = {&sg, &tg};
        const int32_t next[] = {next_a, next_b};
        const std::vector<float> dc = cpu.decode(cs, next), dg = gpu.decode(gs, next);
        worst = std::max(worst, relative_error(dc, dg));
        next_a = argmax(dc.data(), vocab);
        next_b = argmax(dc.data() + vocab, vocab);
    }
    check(worst < kTolerance, tag + "6 batched decode steps of 2 sequences: worst error " + std::to_string(worst));
    check(sg.length() == 63 && tg.length() == 29, tag + "sequence lengths after decode");

    // A prompt that shares only a prefix: truncate, then prefill the new tail.
    sc.truncate(30);
    sg.truncate(30);
    const std::vector<int32_t> tail = tokens(12, vocab, 13);
    check(relative_error(cpu.prefill(sc, tail, true), gpu.prefill(sg, tail, true)) < kTolerance, tag + "prefill after truncate(30)");
}

}  // namespace

int main() {
    if (!kernels::cuda::available()) {
        std::printf("SKIP: %s\n", kernels::cuda::describe_device().c_str());
        return 77;
    }
    std::printf("device: %s\n", kernels::cuda::describe_device().c_str());
    const std::filesystem::path root = std::filesystem::temp_directory_path() / ("envforge-engine-cuda-" + std::to_string(getpid()));
    try {
        for (const char* preset : {"tiny", "moe-tiny"}) {
            const std::string dir = (root / preset).string();
            write_random_checkpoint(preset_config(preset), dir, WriteOptions{});
            compare_engines(preset, dir, true, 0);
            compare_engines(preset, dir, false, 8);
        }
        // A long context: 3,000 synthetic cache rows, DSA selecting 64 of them.
        const std::string dir = (root / "tiny").string();
        EngineOptions o;
        o.index_topk = 64;
        Transformer cpu(dir, o);
        o.cuda = true;
        Transformer gpu(dir, o);
        Sequence sc, sg;
        cpu.fill_synthetic_cache(sc, 3000, 3);
        gpu.fill_synthetic_cache(sg, 3000, 3);
        Sequence* cs[] = {&sc};
        Sequence* gs[] = {&sg};
        const int32_t token[] = {42};
        cpu.record_selection = gpu.record_selection = true;
        const double e = relative_error(cpu.decode(cs, token), gpu.decode(gs, token));
        check(e < kTolerance, "3,000-position synthetic context, top-64: error " + std::to_string(e));
        check(selection_agreement(cpu, gpu) >= 0.95, "3,000-position selections identical");
        // A sequence stays on the side that holds its cache.
        bool refused = false;
        try {
            Sequence* wrong[] = {&sc};
            gpu.decode(wrong, token);
        } catch (const std::exception&) {
            refused = true;
        }
        check(refused, "a CPU-cached sequence is refused by the GPU engine");
    } catch (const std::exception& e) {
        check(false, std::string("exception: ") + e.what());
    }
    std::filesystem::remove_all(root);
    std::printf("%s\n", failures ? "FAILED" : "all GPU engine checks passed");
    return failures ? 1 : 0;
}
