#include "kernels/moe_routing.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "common/errors.hpp"

namespace envforge::kernels {

std::vector<ExpertChoice> moe_route_cpu(const float* logits, const float* bias, const MoeRoutingParams& p) {
    // Groups split the experts evenly and the choice fits inside the groups that compete.
    ENVFORGE_ASSERT(logits && p.n_expert > 0 && p.n_group > 0 && p.n_expert % p.n_group == 0);
    ENVFORGE_ASSERT(p.topk_group >= 1 && p.topk_group <= p.n_group);
    ENVFORGE_ASSERT(p.top_k >= 1 && p.top_k <= p.topk_group * (p.n_expert / p.n_group));
    const int64_t E = p.n_expert, per_group = E / p.n_group;
    std::vector<float> score(static_cast<size_t>(E)), choice(static_cast<size_t>(E));
    for (int64_t e = 0; e < E; ++e) {
        score[e] = 1.0f / (1.0f + std::exp(-logits[e]));
        choice[e] = score[e] + (bias ? bias[e] : 0.0f);
    }
    auto by_value = [](const std::vector<float>& v) { return [&v](int64_t a, int64_t b) { return v[a] != v[b] ? v[a] > v[b] : a < b; }; };
    // Group score: the sum of the group's two best choice scores.
    std::vector<float> group_score(static_cast<size_t>(p.n_group));
    for (int64_t g = 0; g < p.n_group; ++g) {
        std::vector<float> v(choice.begin() + g * per_group, choice.begin() + (g + 1) * per_group);
        std::partial_sort(v.begin(), v.begin() + std::min<int64_t>(2, per_group), v.end(), std::greater<float>());
        group_score[g] = v[0] + (per_group > 1 ? v[1] : 0.0f);
    }
    std::vector<int64_t> groups(static_cast<size_t>(p.n_group));
    std::iota(groups.begin(), groups.end(), 0);
    std::stable_sort(groups.begin(), groups.end(), by_value(group_score));
    // Experts outside the chosen groups compete with a score of 0, as HF's masked_fill(…, 0.0).
    std::vector<float> masked(static_cast<size_t>(E), 0.0f);
    for (int64_t gi = 0; gi < p.topk_group && gi < p.n_group; ++gi)
        for (int64_t e = groups[gi] * per_group; e < (groups[gi] + 1) * per_group; ++e) masked[e] = choice[e];
    std::vector<int64_t> experts(static_cast<size_t>(E));
    std::iota(experts.begin(), experts.end(), 0);
    std::stable_sort(experts.begin(), experts.end(), by_value(masked));
    std::vector<ExpertChoice> out;
    float sum = 0;
    for (int64_t i = 0; i < p.top_k && i < E; ++i) {
        out.push_back({static_cast<int32_t>(experts[i]), score[experts[i]]});
        sum += score[experts[i]];
    }
    for (auto& c : out) {
        if (p.top_k > 1 && p.norm_topk_prob) c.weight /= sum + 1e-20f;
        c.weight *= p.routed_scaling_factor;
    }
    return out;
}

}  // namespace envforge::kernels
