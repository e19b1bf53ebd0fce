#include "HeedSoftmax.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

#include "heed_avx2.h"

static void softmax_row_scalar(float *s, long n) {
    float m = -INFINITY;
    for (long j = 0; j < n; j++) m = s[j] > m ? s[j] : m;
    float sum = 0;
    for (long j = 0; j < n; j++) {
        float e = heed_exp_scalar(s[j] - m);
        s[j] = e;
        sum += e;
    }
    float r = 1.0f / sum;
    for (long j = 0; j < n; j++) s[j] *= r;
}

static void softmax_backward_row_scalar(float *g, const float *w, long n) {
    float dot = 0;
    for (long j = 0; j < n; j++) dot += g[j] * w[j];
    for (long j = 0; j < n; j++) g[j] = w[j] * (g[j] - dot);
}

#ifdef HEED_X86_64

HEED_AVX2 static void softmax_row_avx2(float *s, long n) {
    long j = 0;
    __m256 vm = _mm256_set1_ps(-INFINITY);
    for (; j + 8 <= n; j += 8) vm = _mm256_max_ps(vm, _mm256_loadu_ps(s + j));
    float m = heed_hmax_avx2(vm);
    for (; j < n; j++) m = s[j] > m ? s[j] : m;
    const __m256 shift = _mm256_set1_ps(m);
    __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
    j = 0;
    for (; j + 16 <= n; j += 16) {
        __m256 e0 = heed_exp_avx2(_mm256_sub_ps(_mm256_loadu_ps(s + j), shift));
        __m256 e1 = heed_exp_avx2(_mm256_sub_ps(_mm256_loadu_ps(s + j + 8), shift));
        _mm256_storeu_ps(s + j, e0);
        _mm256_storeu_ps(s + j + 8, e1);
        acc0 = _mm256_add_ps(acc0, e0);
        acc1 = _mm256_add_ps(acc1, e1);
    }
    for (; j + 8 <= n; j += 8) {
        __m256 e0 = heed_exp_avx2(_mm256_sub_ps(_mm256_loadu_ps(s + j), shift));
        _mm256_storeu_ps(s + j, e0);
        acc0 = _mm256_add_ps(acc0, e0);
    }
    float sum = heed_hsum_avx2(_mm256_add_ps(acc0, acc1));
    for (; j < n; j++) {
        float e = heed_exp_scalar(s[j] - m);
        s[j] = e;
        sum += e;
    }
    const float r = 1.0f / sum;
    const __m256 vr = _mm256_set1_ps(r);
    j = 0;
    for (; j + 8 <= n; j += 8) _mm256_storeu_ps(s + j, _mm256_mul_ps(_mm256_loadu_ps(s + j), vr));
    for (; j < n; j++) s[j] *= r;
}

HEED_AVX2 static void softmax_backward_row_avx2(float *g, const float *w, long n) {
    long j = 0;
    __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
    for (; j + 16 <= n; j += 16) {
        acc0 = _mm256_fmadd_ps(_mm256_loadu_ps(g + j), _mm256_loadu_ps(w + j), acc0);
        acc1 = _mm256_fmadd_ps(_mm256_loadu_ps(g + j + 8), _mm256_loadu_ps(w + j + 8), acc1);
    }
    for (; j + 8 <= n; j += 8) acc0 = _mm256_fmadd_ps(_mm256_loadu_ps(g + j), _mm256_loadu_ps(w + j), acc0);
    float dot = heed_hsum_avx2(_mm256_add_ps(acc0, acc1));
    for (; j < n; j++) dot += g[j] * w[j];
    const __m256 vd = _mm256_set1_ps(dot);
    j = 0;
    for (; j + 8 <= n; j += 8) {
        __m256 wv = _mm256_loadu_ps(w + j);
        _mm256_storeu_ps(g + j, _mm256_mul_ps(wv, _mm256_sub_ps(_mm256_loadu_ps(g + j), vd)));
    }
    for (; j < n; j++) g[j] = w[j] * (g[j] - dot);
}

void heed_softmax_row_f32(float *scores, long count) {
    if (heed_cpu_level() >= 1) softmax_row_avx2(scores, count);
    else softmax_row_scalar(scores, count);
}

void heed_softmax_backward_row_f32(float *grad, const float *weights, long count) {
    if (heed_cpu_level() >= 1) softmax_backward_row_avx2(grad, weights, count);
    else softmax_backward_row_scalar(grad, weights, count);
}

#else

void heed_softmax_row_f32(float *scores, long count) { softmax_row_scalar(scores, count); }

void heed_softmax_backward_row_f32(float *grad, const float *weights, long count) {
    softmax_backward_row_scalar(grad, weights, count);
}

#endif
