#include "kernels/dsa/topk.hpp"

#include <algorithm>
#include <numeric>

#include "common/errors.hpp"

namespace envforge::kernels {
namespace {

std::vector<int32_t> all_indices(int64_t n) {
    std::vector<int32_t> idx(static_cast<size_t>(n));
    std::iota(idx.begin(), idx.end(), 0);
    return idx;
}

// Higher score first, then lower index; NaN scores rank last.
struct Before {
    const float* s;
    bool operator()(int32_t a, int32_t b) const {
        const float x = s[a], y = s[b];
        const bool xn = x != x, yn = y != y;
        if (xn != yn) return yn;
        if (!xn && x != y) return x > y;
        return a < b;
    }
};

}  // namespace

std::vector<int32_t> topk_indices_cpu(const float* scores, int64_t n, int64_t k) {
    ENVFORGE_ASSERT(n >= 0 && (scores || n == 0));
    std::vector<int32_t> idx = all_indices(n);
    if (k >= n) return idx;
    std::sort(idx.begin(), idx.end(), Before{scores});
    idx.resize(static_cast<size_t>(std::max<int64_t>(k, 0)));
    std::sort(idx.begin(), idx.end());
    return idx;
}

std::vector<int32_t> topk_indices_fast(const float* scores, int64_t n, int64_t k) {
    ENVFORGE_ASSERT(n >= 0 && (scores || n == 0));
    std::vector<int32_t> idx = all_indices(n);
    if (k >= n) return idx;
    if (k <= 0) return {};
    std::nth_element(idx.begin(), idx.begin() + (k - 1), idx.end(), Before{scores});
    idx.resize(static_cast<size_t>(k));
    std::sort(idx.begin(), idx.end());
    return idx;
}

}  // namespace envforge::kernels
