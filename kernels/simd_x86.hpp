// x86 vector helpers for the fast CPU paths, compiled per function with target attributes so
// the binary runs on any x86-64 and picks AVX-512 or AVX2 at run time (cpu_features.hpp).
// Include only from *_fast.cpp files.
#pragma once

// GCC 12's AVX-512 headers build vectors from _mm512_undefined_*(), which -Wuninitialized flags
// at -O3 (GCC bug 105593); these files include this header only, so silence it for them.
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>

#include <cstdint>

#define EF_AVX512 __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,fma"), always_inline)) inline
#define EF_AVX2 __attribute__((target("avx2,fma,f16c"), always_inline)) inline
#define EF_AVX512_FN __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,fma")))
#define EF_AVX2_FN __attribute__((target("avx2,fma,f16c")))

namespace envforge::kernels::simd {

// ---- AVX-512: 16 floats ----
EF_AVX512 __m512 load16(const float* p) { return _mm512_loadu_ps(p); }
EF_AVX512 __m512 load16(const uint16_t* p) {
    return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p))), 16));
}
// The first n (< 16) elements, zeros after.
EF_AVX512 __m512 load16_tail(const float* p, int n) { return _mm512_maskz_loadu_ps(static_cast<__mmask16>((1u << n) - 1), p); }
EF_AVX512 __m512 load16_tail(const uint16_t* p, int n) {
    const __m256i h = _mm256_maskz_loadu_epi16(static_cast<__mmask16>((1u << n) - 1), p);
    return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(h), 16));
}
EF_AVX512 float hsum(__m512 v) { return _mm512_reduce_add_ps(v); }

// ---- AVX2: 8 floats ----
EF_AVX2 __m256 load8(const float* p) { return _mm256_loadu_ps(p); }
EF_AVX2 __m256 load8(const uint16_t* p) {
    return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p))), 16));
}
EF_AVX2 float hsum(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

inline float scalar(const float* p, int64_t i) { return p[i]; }
inline float scalar(const uint16_t* p, int64_t i) {
    const uint32_t u = static_cast<uint32_t>(p[i]) << 16;
    float f;
    __builtin_memcpy(&f, &u, 4);
    return f;
}

}  // namespace envforge::kernels::simd
