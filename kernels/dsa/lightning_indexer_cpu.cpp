#include "kernels/dsa/lightning_indexer.hpp"

#include "common/errors.hpp"
#include "kernels/dtype.hpp"

namespace envforge::kernels {

void check_params(const IndexerParams& p) {
    ENVFORGE_ASSERT(p.n_kv >= 0 && p.n_head > 0 && p.d > 0);
    ENVFORGE_ASSERT(p.n_kv == 0 || (p.q && p.w && p.k && p.scores));
}

void lightning_indexer_cpu(const IndexerParams& p) {
    check_params(p);
    for (int64_t s = 0; s < p.n_kv; ++s) {
        double score = 0;
        for (int64_t h = 0; h < p.n_head; ++h) {
            double dot = 0;
            for (int64_t i = 0; i < p.d; ++i)
                dot += static_cast<double>(p.q[h * p.d + i]) * bf16_to_f32(p.k[indexer_key_offset(s, i, p.d)]);
            if (dot > 0) score += p.w[h] * dot;
        }
        p.scores[s] = static_cast<float>(score);
    }
}

}  // namespace envforge::kernels
