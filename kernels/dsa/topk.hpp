// Causal top-k token selection for DSA: the indices of the k highest scores among n, ties
// broken towards the lower index, returned in ascending index order. When k ≥ n every index is
// selected (no −inf padding, so no masked position can ever be attended; reference §1.7.1).
#pragma once

#include <cstdint>
#include <vector>

namespace envforge::kernels {

// Full sort: the oracle.
std::vector<int32_t> topk_indices_cpu(const float* scores, int64_t n, int64_t k);
// Selection (nth_element) with the same total order, so results are identical, not just close.
std::vector<int32_t> topk_indices_fast(const float* scores, int64_t n, int64_t k);

}  // namespace envforge::kernels
