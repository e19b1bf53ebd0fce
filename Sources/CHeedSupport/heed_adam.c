#include "HeedAdam.h"

#include <math.h>

#include "heed_cpu.h"

#pragma STDC FP_CONTRACT OFF

static void adam_scalar(float *w, float *m, float *v, const float *g, long n, float alpha, float c1, float c2,
                        float eps) {
    for (long i = 0; i < n; i++) {
        const float gi = g[i];
        const float mi = m[i] + (gi - m[i]) * c1;
        const float vi = v[i] + (gi * gi - v[i]) * c2;
        m[i] = mi;
        v[i] = vi;
        w[i] = w[i] - (mi * alpha) / (sqrtf(vi) + eps);
    }
}

#ifdef HEED_X86_64

/* The vector loop for one instruction set: V the vector type, P the intrinsics' prefix
   (_mm512 or _mm256), VL its lanes; the last n % VL weights go through the scalar loop. */
#define HEED_ADAM_LOOP(V, P, VL)                                                                   \
    const V a = P##_set1_ps(alpha), k1 = P##_set1_ps(c1), k2 = P##_set1_ps(c2), e = P##_set1_ps(eps); \
    long i = 0;                                                                                     \
    for (; i + (VL) <= n; i += (VL)) {                                                              \
        const V gi = P##_loadu_ps(g + i), mo = P##_loadu_ps(m + i), vo = P##_loadu_ps(v + i);       \
        const V mi = P##_add_ps(mo, P##_mul_ps(P##_sub_ps(gi, mo), k1));                            \
        const V vi = P##_add_ps(vo, P##_mul_ps(P##_sub_ps(P##_mul_ps(gi, gi), vo), k2));            \
        P##_storeu_ps(m + i, mi);                                                                   \
        P##_storeu_ps(v + i, vi);                                                                   \
        const V step = P##_div_ps(P##_mul_ps(mi, a), P##_add_ps(P##_sqrt_ps(vi), e));               \
        P##_storeu_ps(w + i, P##_sub_ps(P##_loadu_ps(w + i), step));                                \
    }                                                                                               \
    adam_scalar(w + i, m + i, v + i, g + i, n - i, alpha, c1, c2, eps);

__attribute__((target("avx512f"))) static void adam_avx512(float *w, float *m, float *v, const float *g, long n,
                                                            float alpha, float c1, float c2, float eps) {
    HEED_ADAM_LOOP(__m512, _mm512, 16)
}

HEED_AVX2 static void adam_avx2(float *w, float *m, float *v, const float *g, long n, float alpha, float c1,
                                float c2, float eps) {
    HEED_ADAM_LOOP(__m256, _mm256, 8)
}

void heed_adam_step_f32(float *w, float *m, float *v, const float *g, long n, float alpha, float c1, float c2,
                        float eps) {
    const int level = heed_cpu_level();
    if (level >= 2) adam_avx512(w, m, v, g, n, alpha, c1, c2, eps);
    else if (level >= 1) adam_avx2(w, m, v, g, n, alpha, c1, c2, eps);
    else adam_scalar(w, m, v, g, n, alpha, c1, c2, eps);
}

#else

void heed_adam_step_f32(float *w, float *m, float *v, const float *g, long n, float alpha, float c1, float c2,
                        float eps) {
    adam_scalar(w, m, v, g, n, alpha, c1, c2, eps);
}

#endif
