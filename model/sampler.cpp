#include "model/sampler.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>


namespace envforge::model {

int32_t Sampler::sample(std::span<const float> logits, const SamplingParams& p) {
    const int64_t n = static_cast<int64_t>(logits.size());
    int32_t best = 0;
    for (int64_t i = 1; i < n; ++i)
        if (std::isfinite(logits[i]) && (!std::isfinite(logits[best]) || logits[i] > logits[best])) best = static_cast<int32_t>(i);
    if (p.temperature <= 0 || n == 1) return best;
    // Candidates by descending logit (ties: lower id first), cut by top-k, then softmax.
    std::vector<int32_t> ids(static_cast<size_t>(n));
    std::iota(ids.begin(), ids.end(), 0);
    auto before = [&](int32_t a, int32_t b) {
        const bool fa = std::isfinite(logits[a]), fb = std::isfinite(logits[b]);
        if (fa != fb) return fa;
        return logits[a] != logits[b] ? logits[a] > logits[b] : a < b;
    };
    int64_t keep = p.top_k > 0 ? std::min(p.top_k, n) : n;
    std::partial_sort(ids.begin(), ids.begin() + keep, ids.end(), before);
    ids.resize(static_cast<size_t>(keep));
    std::vector<double> prob(ids.size());
    const double m = logits[ids[0]];
    double sum = 0;
    for (size_t i = 0; i < ids.size(); ++i) {
        prob[i] = std::isfinite(logits[ids[i]]) ? std::exp((logits[ids[i]] - m) / p.temperature) : 0.0;
        sum += prob[i];
    }
    if (!(sum > 0)) return best;
    // Nucleus: the shortest prefix whose mass reaches top_p.
    size_t cut = ids.size();
    if (p.top_p < 1.0) {
        double acc = 0;
        for (size_t i = 0; i < ids.size(); ++i) {
            acc += prob[i] / sum;
            if (acc >= p.top_p) {
                cut = i + 1;
                break;
            }
        }
    }
    double mass = 0;
    for (size_t i = 0; i < cut; ++i) mass += prob[i];
    double u = rng_.uniform() * mass;
    for (size_t i = 0; i < cut; ++i) {
        u -= prob[i];
        if (u < 0) return ids[i];
    }
    return ids[cut - 1];
}

}  // namespace envforge::model
