/* AVX2 + FMA vector helpers shared by the kernels: exp, horizontal sum and maximum, and the
   lane masks of partial loads and stores. Private to CHeedSupport; x86-64 only. */
#ifndef HEED_AVX2_H
#define HEED_AVX2_H

#include "heed_cpu.h"

#ifdef HEED_X86_64

HEED_AVX2 static inline __m256 heed_exp_avx2(__m256 x) {
    const __m256 tooSmall = _mm256_cmp_ps(x, _mm256_set1_ps(HEED_EXP_MIN), _CMP_LT_OQ);
    __m256 n = _mm256_floor_ps(_mm256_fmadd_ps(x, _mm256_set1_ps(HEED_LOG2E), _mm256_set1_ps(0.5f)));
    __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(HEED_LN2_HI), x);
    r = _mm256_fnmadd_ps(n, _mm256_set1_ps(HEED_LN2_LO), r);
    __m256 p = _mm256_set1_ps(HEED_P0);
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(HEED_P1));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(HEED_P2));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(HEED_P3));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(HEED_P4));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(HEED_P5));
    p = _mm256_fmadd_ps(p, _mm256_mul_ps(r, r), _mm256_add_ps(r, _mm256_set1_ps(1.0f)));
    /* Clamp n so that the shift below stays defined; those lanes are zeroed anyway. */
    __m256i e = _mm256_slli_epi32(_mm256_cvtps_epi32(_mm256_max_ps(n, _mm256_set1_ps(-127.0f))), 23);
    __m256 result = _mm256_castsi256_ps(_mm256_add_epi32(_mm256_castps_si256(p), e));
    return _mm256_andnot_ps(tooSmall, result);
}

HEED_AVX2 static inline float heed_hsum_avx2(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

HEED_AVX2 static inline float heed_hmax_avx2(__m256 v) {
    __m128 s = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_max_ps(s, _mm_movehl_ps(s, s));
    s = _mm_max_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

/* Lanes [0, n) of an 8-lane mask (n in [0, 8]), for _mm256_maskload_ps / _mm256_maskstore_ps. */
HEED_AVX2 static inline __m256i heed_lanes_avx2(long n) {
    static const int32_t table[16] = {-1, -1, -1, -1, -1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0};
    return _mm256_loadu_si256((const __m256i *)(table + 8 - (n > 8 ? 8 : n)));
}

#endif
#endif
