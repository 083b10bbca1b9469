#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "kernels/dsa/mla_attention.hpp"

namespace envforge::kernels {

void mla_attention_cpu(const MlaAttentionParams& p) {
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
