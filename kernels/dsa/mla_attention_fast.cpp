#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "kernels/cpu_features.hpp"
#include "kernels/dsa/mla_attention.hpp"
#include "kernels/parallel.hpp"
#include "kernels/simd_x86.hpp"

namespace envforge::kernels {
namespace {

using namespace simd;
constexpr int64_t kBlock = 32;  // rows per block; a multiple of 4

// Running softmax state of one range of rows: max, sum of exp and unnormalised output per head.
struct Partial {
    std::vector<float> m, l, o;
    Partial(int64_t n_head, int64_t d_v)
        : m(static_cast<size_t>(n_head), -std::numeric_limits<float>::infinity()),
          l(static_cast<size_t>(n_head), 0.0f),
          o(static_cast<size_t>(n_head * d_v), 0.0f) {}
};

EF_AVX2_FN float dot_avx2(const float* a, const float* b, int64_t d) {
    __m256 acc = _mm256_setzero_ps();
    int64_t i = 0;
    for (; i + 8 <= d; i += 8) acc = _mm256_fmadd_ps(load8(a + i), load8(b + i), acc);
    float s = hsum(acc);
    for (; i < d; ++i) s += a[i] * b[i];
    return s;
}

EF_AVX2_FN void axpy_avx2(float* y, float a, const float* x, int64_t d) {
    const __m256 av = _mm256_set1_ps(a);
    int64_t i = 0;
    for (; i + 8 <= d; i += 8) _mm256_storeu_ps(y + i, _mm256_fmadd_ps(av, load8(x + i), load8(y + i)));
    for (; i < d; ++i) y[i] += a * x[i];
}

float dot_scalar(const float* a, const float* b, int64_t d) {
    float s = 0;
    for (int64_t i = 0; i < d; ++i) s += a[i] * b[i];
    return s;
}
void axpy_scalar(float* y, float a, const float* x, int64_t d) {
    for (int64_t i = 0; i < d; ++i) y[i] += a * x[i];
}

// Logits of 4 rows for one head: 4 independent FMA chains over d_qk, q streamed from L1.
EF_AVX512_FN void logits4_avx512(const float* q, const float* const* rows, int64_t d, float scale, float* out) {
    __m512 a0 = _mm512_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
    int64_t i = 0;
    for (; i + 16 <= d; i += 16) {
        const __m512 qv = load16(q + i);
        a0 = _mm512_fmadd_ps(qv, load16(rows[0] + i), a0);
        a1 = _mm512_fmadd_ps(qv, load16(rows[1] + i), a1);
        a2 = _mm512_fmadd_ps(qv, load16(rows[2] + i), a2);
        a3 = _mm512_fmadd_ps(qv, load16(rows[3] + i), a3);
    }
    if (i < d) {
        const int n = static_cast<int>(d - i);
        const __m512 qv = load16_tail(q + i, n);
        a0 = _mm512_fmadd_ps(qv, load16_tail(rows[0] + i, n), a0);
        a1 = _mm512_fmadd_ps(qv, load16_tail(rows[1] + i, n), a1);
        a2 = _mm512_fmadd_ps(qv, load16_tail(rows[2] + i, n), a2);
        a3 = _mm512_fmadd_ps(qv, load16_tail(rows[3] + i, n), a3);
    }
    out[0] = hsum(a0) * scale;
    out[1] = hsum(a1) * scale;
    out[2] = hsum(a2) * scale;
    out[3] = hsum(a3) * scale;
}

// o[0:d_v] += Σ_b p[b] · rows[b][0:d_v], holding 128 output floats in registers across the
// block instead of loading and storing them once per row.
EF_AVX512_FN void accumulate_avx512(float* o, const float* p, const float* const* rows, int64_t nb, int64_t d_v) {
    int64_t i = 0;
    for (; i + 128 <= d_v; i += 128) {
        __m512 acc[8];
        for (int c = 0; c < 8; ++c) acc[c] = load16(o + i + 16 * c);
        for (int64_t b = 0; b < nb; ++b) {
            const __m512 pb = _mm512_set1_ps(p[b]);
            for (int c = 0; c < 8; ++c) acc[c] = _mm512_fmadd_ps(pb, load16(rows[b] + i + 16 * c), acc[c]);
        }
        for (int c = 0; c < 8; ++c) _mm512_storeu_ps(o + i + 16 * c, acc[c]);
    }
    for (; i + 16 <= d_v; i += 16) {
        __m512 acc = load16(o + i);
        for (int64_t b = 0; b < nb; ++b) acc = _mm512_fmadd_ps(_mm512_set1_ps(p[b]), load16(rows[b] + i), acc);
        _mm512_storeu_ps(o + i, acc);
    }
    for (; i < d_v; ++i)
        for (int64_t b = 0; b < nb; ++b) o[i] += p[b] * rows[b][i];
}

void logits4_generic(const float* q, const float* const* rows, int64_t d, float scale, float* out, Isa isa) {
    for (int r = 0; r < 4; ++r) out[r] = (isa == Isa::Avx2 ? dot_avx2(q, rows[r], d) : dot_scalar(q, rows[r], d)) * scale;
}

void accumulate_generic(float* o, const float* p, const float* const* rows, int64_t nb, int64_t d_v, Isa isa) {
    for (int64_t b = 0; b < nb; ++b) isa == Isa::Avx2 ? axpy_avx2(o, p[b], rows[b], d_v) : axpy_scalar(o, p[b], rows[b], d_v);
}

// Blocks of kBlock rows: logits for every head, an online-softmax update per head, then the
// weighted rows added into each head's output.
void range(Isa isa, const MlaAttentionParams& p, int64_t j0, int64_t j1, Partial& part) {
    const int64_t H = p.n_head;
    std::vector<float> prob(static_cast<size_t>(H * kBlock));
    const float* rows[kBlock + 3];
    for (int64_t b0 = j0; b0 < j1; b0 += kBlock) {
        const int64_t nb = std::min(kBlock, j1 - b0);
        for (int64_t b = 0; b < nb; ++b) rows[b] = p.kv + (p.idx ? p.idx[b0 + b] : b0 + b) * p.d_qk;
        for (int64_t b = nb; b < nb + 3; ++b) rows[b] = rows[0];  // padding for the 4-row kernel
        for (int64_t h = 0; h < H; ++h) {
            float* pr = prob.data() + h * kBlock;  // kBlock is a multiple of 4: room for the padded rows
            for (int64_t b = 0; b < nb; b += 4) {
                if (isa == Isa::Avx512) logits4_avx512(p.q + h * p.d_qk, rows + b, p.d_qk, p.scale, pr + b);
                else logits4_generic(p.q + h * p.d_qk, rows + b, p.d_qk, p.scale, pr + b, isa);
            }
            float bm = pr[0];
            for (int64_t b = 1; b < nb; ++b) bm = std::max(bm, pr[b]);
            const float m_new = std::max(part.m[h], bm);
            const float alpha = std::exp(part.m[h] - m_new);  // exp(-inf) = 0 on the first block
            if (alpha != 1.0f)
                for (int64_t i = 0; i < p.d_v; ++i) part.o[h * p.d_v + i] *= alpha;
            float l = part.l[h] * alpha;
            for (int64_t b = 0; b < nb; ++b) l += pr[b] = std::exp(pr[b] - m_new);
            part.l[h] = l;
            part.m[h] = m_new;
            if (isa == Isa::Avx512) accumulate_avx512(part.o.data() + h * p.d_v, pr, rows, nb, p.d_v);
            else accumulate_generic(part.o.data() + h * p.d_v, pr, rows, nb, p.d_v, isa);
        }
    }
}

void run_range(Isa isa, const MlaAttentionParams& p, int64_t j0, int64_t j1, Partial& part) { range(isa, p, j0, j1, part); }

}  // namespace

void mla_attention_fast(const MlaAttentionParams& p) {
    check_params(p);
    const Isa isa = cpu_isa();
    const int64_t n = p.idx ? p.n_idx : p.n_kv;
    // Fixed chunks merged in order, so the result does not depend on the thread count or timing.
    constexpr int64_t kChunk = 256;
    const int64_t n_chunks = std::max<int64_t>(1, (n + kChunk - 1) / kChunk);
    std::vector<Partial> parts(static_cast<size_t>(n_chunks), Partial(p.n_head, p.d_v));
    parallel_for(n_chunks, 1, [&](int64_t b, int64_t e) {
        for (int64_t c = b; c < e; ++c) run_range(isa, p, c * kChunk, std::min(n, (c + 1) * kChunk), parts[c]);
    });
    Partial& total = parts[0];
    for (int64_t c = 1; c < n_chunks; ++c) {
        const Partial& part = parts[c];
        for (int64_t h = 0; h < p.n_head; ++h) {
            if (part.l[h] == 0) continue;
            const float m = std::max(total.m[h], part.m[h]);
            const float a = std::exp(total.m[h] - m), k = std::exp(part.m[h] - m);
            for (int64_t i = 0; i < p.d_v; ++i) total.o[h * p.d_v + i] = total.o[h * p.d_v + i] * a + part.o[h * p.d_v + i] * k;
            total.l[h] = total.l[h] * a + part.l[h] * k;
            total.m[h] = m;
        }
    }
    for (int64_t h = 0; h < p.n_head; ++h) {
        const float inv = total.l[h] > 0 ? 1.0f / total.l[h] : 0.0f;
        for (int64_t i = 0; i < p.d_v; ++i) p.out[h * p.d_v + i] = total.o[h * p.d_v + i] * inv;
    }
}

}  // namespace envforge::kernels
