/* AVX-512F vector helpers shared by the kernels: exp and the lane masks of partial loads and
   stores. Private to CHeedSupport; x86-64 only. */
#ifndef HEED_AVX512_H
#define HEED_AVX512_H

#include "heed_cpu.h"

#ifdef HEED_X86_64

HEED_AVX512 static inline __m512 heed_exp_avx512(__m512 x) {
    const __mmask16 small = _mm512_cmp_ps_mask(x, _mm512_set1_ps(HEED_EXP_MIN), _CMP_LT_OQ);
    const __m512 n = _mm512_roundscale_ps(_mm512_mul_ps(x, _mm512_set1_ps(HEED_LOG2E)),
                                          _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m512 r = _mm512_fnmadd_ps(n, _mm512_set1_ps(HEED_LN2_HI), x);
    r = _mm512_fnmadd_ps(n, _mm512_set1_ps(HEED_LN2_LO), r);
    __m512 p = _mm512_set1_ps(HEED_P0);
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(HEED_P1));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(HEED_P2));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(HEED_P3));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(HEED_P4));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(HEED_P5));
    p = _mm512_fmadd_ps(p, _mm512_mul_ps(r, r), _mm512_add_ps(r, _mm512_set1_ps(1.0f)));
    return _mm512_maskz_mov_ps((__mmask16)~small, _mm512_scalef_ps(p, n));
}

/* Lanes [0, n) of a 16-lane mask (n >= 0). */
#define HEED_M16(n) ((__mmask16)((n) >= 16 ? 0xffffu : ((1u << (n)) - 1u)))

#endif
#endif
