#include "kernels/matmul.hpp"

#include "common/errors.hpp"

namespace envforge::kernels {

void check_params(const MatmulParams& p) {
    // Empty operands (no rows to project) may come with null data pointers.
    ENVFORGE_ASSERT(p.n_tok >= 0 && p.n >= 0 && p.k >= 0);
    ENVFORGE_ASSERT(p.n_tok == 0 || p.n == 0 || (p.y && (p.k == 0 || (p.x && p.w))));
}

void matmul_cpu(const MatmulParams& p) {
    check_params(p);
    for (int64_t t = 0; t < p.n_tok; ++t)
        for (int64_t j = 0; j < p.n; ++j) {
            double acc = 0;
            for (int64_t i = 0; i < p.k; ++i) acc += static_cast<double>(p.x[t * p.k + i]) * load_as_f32(p.w, p.w_type, j * p.k + i);
            p.y[t * p.n + j] = static_cast<float>(acc);
        }
}

}  // namespace envforge::kernels
