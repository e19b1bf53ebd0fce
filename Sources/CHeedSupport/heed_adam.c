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

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))

__attribute__((target("avx512f"))) static void adam_avx512(float *w, float *m, float *v, const float *g, long n,
                                                            float alpha, float c1, float c2, float eps) {
    const __m512 a = _mm512_set1_ps(alpha), k1 = _mm512_set1_ps(c1), k2 = _mm512_set1_ps(c2), e = _mm512_set1_ps(eps);
    long i = 0;
    for (; i + 16 <= n; i += 16) {
        const __m512 gi = _mm512_loadu_ps(g + i), mo = _mm512_loadu_ps(m + i), vo = _mm512_loadu_ps(v + i);
        const __m512 mi = _mm512_add_ps(mo, _mm512_mul_ps(_mm512_sub_ps(gi, mo), k1));
        const __m512 vi = _mm512_add_ps(vo, _mm512_mul_ps(_mm512_sub_ps(_mm512_mul_ps(gi, gi), vo), k2));
        _mm512_storeu_ps(m + i, mi);
        _mm512_storeu_ps(v + i, vi);
        const __m512 step = _mm512_div_ps(_mm512_mul_ps(mi, a), _mm512_add_ps(_mm512_sqrt_ps(vi), e));
        _mm512_storeu_ps(w + i, _mm512_sub_ps(_mm512_loadu_ps(w + i), step));
    }
    adam_scalar(w + i, m + i, v + i, g + i, n - i, alpha, c1, c2, eps);
}

HEED_AVX2 static void adam_avx2(float *w, float *m, float *v, const float *g, long n, float alpha, float c1,
                                float c2, float eps) {
    const __m256 a = _mm256_set1_ps(alpha), k1 = _mm256_set1_ps(c1), k2 = _mm256_set1_ps(c2), e = _mm256_set1_ps(eps);
    long i = 0;
    for (; i + 8 <= n; i += 8) {
        const __m256 gi = _mm256_loadu_ps(g + i), mo = _mm256_loadu_ps(m + i), vo = _mm256_loadu_ps(v + i);
        const __m256 mi = _mm256_add_ps(mo, _mm256_mul_ps(_mm256_sub_ps(gi, mo), k1));
        const __m256 vi = _mm256_add_ps(vo, _mm256_mul_ps(_mm256_sub_ps(_mm256_mul_ps(gi, gi), vo), k2));
        _mm256_storeu_ps(m + i, mi);
        _mm256_storeu_ps(v + i, vi);
        const __m256 step = _mm256_div_ps(_mm256_mul_ps(mi, a), _mm256_add_ps(_mm256_sqrt_ps(vi), e));
        _mm256_storeu_ps(w + i, _mm256_sub_ps(_mm256_loadu_ps(w + i), step));
    }
    adam_scalar(w + i, m + i, v + i, g + i, n - i, alpha, c1, c2, eps);
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
