// DeepSeek-V3 MoE routing (HF `noaux_tc`): sigmoid scores; choice scores add the correction
// bias; experts are grouped, groups ranked by the sum of their two best choice scores, and only
// the best topk_group groups compete; the top experts' weights are their un-biased scores,
// normalised when norm_topk_prob, times routed_scaling_factor.
#pragma once

#include <cstdint>
#include <vector>

namespace envforge::kernels {

struct MoeRoutingParams {
    int64_t n_expert, n_group, topk_group, top_k;
    bool norm_topk_prob;
    float routed_scaling_factor;
};

struct ExpertChoice {
    int32_t expert;
    float weight;
};

// logits [n_expert] (router output), bias [n_expert] (e_score_correction_bias, may be nullptr).
// Ties go to the lower expert (group) index. A single implementation: it costs O(n_expert) per
// token, nothing next to the expert matmuls.
std::vector<ExpertChoice> moe_route_cpu(const float* logits, const float* bias, const MoeRoutingParams& p);

}  // namespace envforge::kernels
