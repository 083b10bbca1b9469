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
    if (p.temperature <= 0 || n == 1 || !std::isfinite(logits[best])) return best;
    const double m = logits[best];
    auto weight = [&](int32_t id) { return std::isfinite(logits[id]) ? std::exp((logits[id] - m) / p.temperature) : 0.0; };
    if (p.top_k <= 0 && p.top_p >= 1.0) {
        // Plain softmax sampling needs no ordering: one pass of exponentials, one to draw.
        thread_local std::vector<float> w;
        w.resize(static_cast<size_t>(n));
        const float inv_t = static_cast<float>(1.0 / p.temperature), mf = static_cast<float>(m);
        double mass = 0;
        for (int64_t i = 0; i < n; ++i) {
            w[i] = std::isfinite(logits[i]) ? std::exp((logits[i] - mf) * inv_t) : 0.0f;
            mass += w[i];
        }
        double u = rng_.uniform() * mass;
        for (int64_t i = 0; i < n; ++i) {
            u -= w[i];
            if (u < 0) return static_cast<int32_t>(i);
        }
        return best;
    }
    // Candidates by descending logit (ties: lower id first), cut by top-k, then the nucleus.
    // Sorting a whole vocabulary costs milliseconds, so sort only the head: 64 candidates, then
    // four times more until they hold top_p of the mass (the result is the same as a full sort).
    double total = 0;
    for (int64_t i = 0; i < n; ++i) total += weight(static_cast<int32_t>(i));
    if (!(total > 0)) return best;
    std::vector<int32_t> ids(static_cast<size_t>(n));
    std::iota(ids.begin(), ids.end(), 0);
    auto before = [&](int32_t a, int32_t b) {
        const bool fa = std::isfinite(logits[a]), fb = std::isfinite(logits[b]);
        if (fa != fb) return fa;
        return logits[a] != logits[b] ? logits[a] > logits[b] : a < b;
    };
    const int64_t limit = p.top_k > 0 ? std::min(p.top_k, n) : n;
    int64_t k = std::min<int64_t>(64, limit);
    std::vector<double> prob;
    size_t cut = 0;
    for (;;) {
        std::partial_sort(ids.begin(), ids.begin() + k, ids.end(), before);
        prob.resize(static_cast<size_t>(k));
        double head = 0;
        cut = static_cast<size_t>(k);
        bool reached = false;
        for (int64_t i = 0; i < k; ++i) {
            prob[i] = weight(ids[i]);
            head += prob[i];
            if (p.top_p < 1.0 && head / total >= p.top_p) {
                cut = static_cast<size_t>(i + 1);
                reached = true;
                break;
            }
        }
        if (reached || k == limit) break;
        k = std::min(limit, k * 4);
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
