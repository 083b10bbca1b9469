#include "kernels/dsa/mla_attention.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "common/errors.hpp"

namespace envforge::kernels {

void check_params(const MlaAttentionParams& p) {
    ENVFORGE_ASSERT(p.n_head > 0 && p.d_v > 0 && p.d_qk >= p.d_v && p.n_kv >= 0);
    ENVFORGE_ASSERT(p.q && p.out && (p.kv || p.n_kv == 0));
    // Every selected row must exist: the indexer's top-k is taken over the n_kv cached rows.
    ENVFORGE_ASSERT(!p.idx || (p.n_idx >= 0 && p.n_idx <= p.n_kv));
}

void mla_attention_cpu(const MlaAttentionParams& p) {
    check_params(p);
    const int64_t n = p.idx ? p.n_idx : p.n_kv;
    std::vector<double> logit(static_cast<size_t>(n));
    for (int64_t h = 0; h < p.n_head; ++h) {
        const float* q = p.q + h * p.d_qk;
        double m = -std::numeric_limits<double>::infinity();
        for (int64_t j = 0; j < n; ++j) {
            const float* c = p.kv + (p.idx ? p.idx[j] : j) * p.d_qk;
            double dot = 0;
            for (int64_t i = 0; i < p.d_qk; ++i) dot += static_cast<double>(q[i]) * c[i];
            logit[j] = dot * p.scale;
            m = std::max(m, logit[j]);
        }
        double l = 0;
        for (int64_t j = 0; j < n; ++j) l += logit[j] = std::exp(logit[j] - m);
        for (int64_t i = 0; i < p.d_v; ++i) {
            double o = 0;
            for (int64_t j = 0; j < n; ++j) o += logit[j] * p.kv[(p.idx ? p.idx[j] : j) * p.d_qk + i];
            p.out[h * p.d_v + i] = n ? static_cast<float>(o / l) : 0.0f;
        }
    }
}

}  // namespace envforge::kernels
