#include "kernels/cpu_features.hpp"

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstring>

namespace envforge::kernels {

namespace {
Isa detect() {
    Isa best = Isa::Scalar;
#if defined(__x86_64__)
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) best = Isa::Avx2;
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl") &&
        __builtin_cpu_supports("avx512dq"))
        best = Isa::Avx512;
#endif
    if (const char* forced = std::getenv("ENVFORGE_ISA")) {
        if (std::strcmp(forced, "scalar") == 0) return Isa::Scalar;
        if (std::strcmp(forced, "avx2") == 0 && best != Isa::Scalar) return Isa::Avx2;
    }
    return best;
}
}  // namespace

namespace {
std::atomic<int> g_isa{-1};
}

Isa detected_isa() {
    static const Isa isa = detect();
    return isa;
}

Isa cpu_isa() {
    const int forced = g_isa.load(std::memory_order_relaxed);
    return forced >= 0 ? static_cast<Isa>(forced) : detected_isa();
}

void force_isa(Isa isa) { g_isa.store(static_cast<int>(std::min(isa, detected_isa()))); }

const char* isa_name(Isa isa) {
    switch (isa) {
        case Isa::Avx512: return "avx512";
        case Isa::Avx2: return "avx2";
        case Isa::Scalar: break;
    }
    return "scalar";
}

}  // namespace envforge::kernels
