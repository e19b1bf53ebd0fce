/* Shared by the vectorised kernels: the CPU's vector level, the target attributes that enable
   each instruction set per function, and exp for float32 (its constants, and the scalar form).
   The vector helpers of each instruction set are in heed_avx2.h and heed_avx512.h. Private to
   CHeedSupport. */
#ifndef HEED_CPU_H
#define HEED_CPU_H

#include <math.h>
#include <stdint.h>
#include <string.h>

/* exp(x) for x <= 0 (the shifted scores): x = n·ln2 + r, |r| <= ln2/2, e^r by the Cephes
   degree-6 polynomial, 2^n put into the exponent bits. Below ln(FLT_MIN) the result is 0, which
   is what flush-to-zero makes of it anyway. */
#define HEED_LOG2E 1.44269504088896341f
#define HEED_LN2_HI 0.693359375f
#define HEED_LN2_LO -2.12194440e-4f
#define HEED_EXP_MIN -87.3365447504f
#define HEED_P0 1.9875691500e-4f
#define HEED_P1 1.3981999507e-3f
#define HEED_P2 8.3334519073e-3f
#define HEED_P3 4.1665795894e-2f
#define HEED_P4 1.6666665459e-1f
#define HEED_P5 5.0000001201e-1f

static inline float heed_exp_scalar(float x) {
    if (!(x >= HEED_EXP_MIN)) return x != x ? x : 0.0f;
    float n = floorf(x * HEED_LOG2E + 0.5f);
    float r = x - n * HEED_LN2_HI;
    r = r - n * HEED_LN2_LO;
    float p = HEED_P0;
    p = p * r + HEED_P1;
    p = p * r + HEED_P2;
    p = p * r + HEED_P3;
    p = p * r + HEED_P4;
    p = p * r + HEED_P5;
    p = p * r * r + r + 1.0f;
    int32_t bits;
    memcpy(&bits, &p, sizeof bits);
    bits += (int32_t)n << 23;
    memcpy(&p, &bits, sizeof bits);
    return p;
}

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
/* Defined where the vector kernels are compiled: x86-64 with a compiler that takes per-function
   target attributes, so the default build flags serve every instruction set. */
#define HEED_X86_64 1

#include <cpuid.h>
#include <immintrin.h>

#define HEED_AVX2 __attribute__((target("avx2,fma")))
#define HEED_AVX512 __attribute__((target("avx512f,avx2,fma")))

/* 1 when AVX2 and FMA are present and their registers enabled by the OS; 2 when AVX-512F is
   too (and the OS saves the zmm registers); else 0. */
static inline int heed_cpu_level_detect(void) {
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return 0;
    int fma = (c >> 12) & 1, osxsave = (c >> 27) & 1, avx = (c >> 28) & 1;
    if (!(fma && osxsave && avx)) return 0;
    unsigned lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    if ((lo & 6) != 6) return 0;
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return 0;
    if (!((b >> 5) & 1)) return 0;
    return ((b >> 16) & 1) && (lo & 0xe0) == 0xe0 ? 2 : 1;
}

/* The CPU does not change while the process runs, so the answer is computed once. */
static int heed_cpu_level_state = -1;

static inline int heed_cpu_level(void) {
    int state = __atomic_load_n(&heed_cpu_level_state, __ATOMIC_RELAXED);
    if (state < 0) {
        state = heed_cpu_level_detect();
        __atomic_store_n(&heed_cpu_level_state, state, __ATOMIC_RELAXED);
    }
    return state;
}

/* 1 on an AMD CPU (the cpuid vendor string "AuthenticAMD"), else 0. */
static inline int heed_cpu_is_amd(void) {
    unsigned a, b, c, d;
    if (!__get_cpuid(0, &a, &b, &c, &d)) return 0;
    return b == 0x68747541u && d == 0x69746e65u && c == 0x444d4163u;
}

#else
static inline int heed_cpu_level(void) { return 0; }
static inline int heed_cpu_is_amd(void) { return 0; }
#endif

#endif
