// Normal random inputs for the kernel tests (CPU and CUDA), reproducible from a seed.
#pragma once

#include <cstdint>
#include <random>
#include <vector>

namespace envforge::testing {

inline std::vector<float> randn(size_t n, uint32_t seed, float scale = 1.0f) {
    std::mt19937 g(seed);
    std::normal_distribution<float> d(0.0f, scale);
    std::vector<float> v(n);
    for (auto& x : v) x = d(g);
    return v;
}

}  // namespace envforge::testing
