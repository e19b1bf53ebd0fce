#include "HeedFlash.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "heed_cpu.h"

/* The dropout hash: a 32-bit integer mixer (xor-shift / multiply rounds), one key per row, then
   one mix per (row key, key index). keep = hash >= rate * 2^32. */
static inline uint32_t flash_mix32(uint32_t x) {
    x ^= x >> 16;
    x *= 0x7feb352dU;
    x ^= x >> 15;
    x *= 0x846ca68bU;
    x ^= x >> 16;
    return x;
}

static inline uint32_t flash_row_key(uint64_t seed, uint64_t row) {
    uint32_t h = flash_mix32((uint32_t)seed ^ ((uint32_t)row * 0x9e3779b1U));
    return flash_mix32(h ^ (uint32_t)(seed >> 32) ^ (uint32_t)(row >> 32));
}

static inline uint32_t flash_dropout_threshold(float rate) {
    if (!(rate > 0)) return 0;
    double t = (double)rate * 4294967296.0;
    return t >= 4294967295.0 ? 4294967295U : (uint32_t)t;
}

float heed_flash_dropout_multiplier(uint64_t seed, float rate, uint64_t row, uint32_t key) {
    if (!(rate > 0)) return 1.0f;
    return flash_mix32(key ^ flash_row_key(seed, row)) >= flash_dropout_threshold(rate)
        ? 1.0f / (1.0f - rate) : 0.0f;
}

/* The end of the keys that can carry weight for query rows [i0, i0 + rows) of mask index mb:
   past a causal block only when every row of it sees some key. */
static inline long flash_key_end(const heed_flash_problem *p, long mb, long i0, long rows) {
    if (!p->causal) return p->tv;
    if (p->row_has_key) {
        const unsigned char *h = p->row_has_key + mb * p->tq + i0;
        for (long r = 0; r < rows; r++) if (!h[r]) return p->tv;
    }
    return i0 + rows < p->tv ? i0 + rows : p->tv;
}

static void flash_pack_scalar(const float *x, long rows, long cols, long block, float *panels) {
    for (long j0 = 0; j0 < rows; j0 += block) {
        float *panel = panels + (j0 / block) * cols * block;
        const long n = block < rows - j0 ? block : rows - j0;
        for (long c = 0; c < cols; c++) {
            float *dst = panel + c * block;
            for (long j = 0; j < n; j++) dst[j] = x[(j0 + j) * cols + c];
            for (long j = n; j < block; j++) dst[j] = 0;
        }
    }
}

/* The level in use: -1 until first asked, then the CPU's level lowered by HEED_ATTENTION_KERNEL
   (`blas`, `avx2`, `avx512`) or by heed_flash_set_level. */
static int flash_selected = -1;

static int flash_level_from(int wanted) {
    const int cpu = heed_flash_cpu_level();
    return wanted < 0 ? 0 : wanted < cpu ? wanted : cpu;
}

int heed_flash_level(void) {
    int level = __atomic_load_n(&flash_selected, __ATOMIC_ACQUIRE);
    if (level >= 0) return level;
    int wanted = 2;
    const char *env = getenv("HEED_ATTENTION_KERNEL");
    if (env && strcmp(env, "blas") == 0) wanted = 0;
    else if (env && strcmp(env, "avx2") == 0) wanted = 1;
    level = flash_level_from(wanted);
    int expected = -1;
    if (!__atomic_compare_exchange_n(&flash_selected, &expected, level, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
        level = expected;
    return level;
}

int heed_flash_set_level(int level) {
    const int chosen = flash_level_from(level);
    __atomic_store_n(&flash_selected, chosen, __ATOMIC_RELEASE);
    return chosen;
}

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))

/* ---- AVX-512F ------------------------------------------------------------------------------ */

#define HEED_AVX512 __attribute__((target("avx512f,avx2,fma")))

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

#define HEED_M16(n) ((__mmask16)((n) >= 16 ? 0xffffu : ((1u << (n)) - 1u)))

/* Bytes [0, w) of p (w in [1, 16]) in the low lanes, without reading past them. */
HEED_AVX512 static inline __m128i flash_bytes16(const unsigned char *p, long w) {
    if (w >= 16) return _mm_loadu_si128((const __m128i *)p);
    unsigned char buffer[16] = {0};
    memcpy(buffer, p, (size_t)w);
    return _mm_loadu_si128((const __m128i *)buffer);
}

/* The lanes j + [0, w) that a mask hides. */
HEED_AVX512 static inline __mmask16 flash_hidden_avx512(const unsigned char *km, const unsigned char *fm,
                                                        long j, long causal_from, long w) {
    __mmask16 hidden = 0;
    const __mmask16 lanes = HEED_M16(w);
    if (km) hidden |= _mm512_cmpeq_epi32_mask(_mm512_cvtepu8_epi32(flash_bytes16(km + j, w)), _mm512_setzero_si512());
    if (fm) hidden |= _mm512_cmpeq_epi32_mask(_mm512_cvtepu8_epi32(flash_bytes16(fm + j, w)), _mm512_setzero_si512());
    if (causal_from < j + w) {
        const __m512i idx = _mm512_add_epi32(_mm512_set1_epi32((int)j), _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15));
        hidden |= _mm512_cmpge_epi32_mask(idx, _mm512_set1_epi32((int)causal_from));
    }
    return hidden & lanes;
}

HEED_AVX512 static inline __m512 flash_dropout_avx512(__m512 x, uint32_t j, uint32_t row_key, uint32_t threshold, float multiplier) {
    __m512i h = _mm512_xor_si512(_mm512_add_epi32(_mm512_set1_epi32((int)j), _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15)),
                                 _mm512_set1_epi32((int)row_key));
    h = _mm512_xor_si512(h, _mm512_srli_epi32(h, 16));
    h = _mm512_mullo_epi32(h, _mm512_set1_epi32((int)0x7feb352dU));
    h = _mm512_xor_si512(h, _mm512_srli_epi32(h, 15));
    h = _mm512_mullo_epi32(h, _mm512_set1_epi32((int)0x846ca68bU));
    h = _mm512_xor_si512(h, _mm512_srli_epi32(h, 16));
    const __mmask16 keep = _mm512_cmpge_epu32_mask(h, _mm512_set1_epi32((int)threshold));
    return _mm512_maskz_mul_ps(keep, x, _mm512_set1_ps(multiplier));
}

#define ATTR HEED_AVX512
#define FN(name) name##_avx512
#define V __m512
#define VL 16
#define MR 8
#define VZERO() _mm512_setzero_ps()
#define VSET1(x) _mm512_set1_ps(x)
#define VLOAD(p) _mm512_loadu_ps(p)
#define VSTORE(p, v) _mm512_storeu_ps(p, v)
#define VLOADN(p, n) _mm512_maskz_loadu_ps(HEED_M16(n), p)
#define VSTOREN(p, v, n) _mm512_mask_storeu_ps(p, HEED_M16(n), v)
#define VFMA(a, b, c) _mm512_fmadd_ps(a, b, c)
#define VADD(a, b) _mm512_add_ps(a, b)
#define VSUB(a, b) _mm512_sub_ps(a, b)
#define VMUL(a, b) _mm512_mul_ps(a, b)
#define VMAX(a, b) _mm512_max_ps(a, b)
#define VHSUM(v) _mm512_reduce_add_ps(v)
#define VHMAX(v) _mm512_reduce_max_ps(v)
#define VEXP(x) heed_exp_avx512(x)
#define VMASKED_SUB(s, km, fm, j, cf, w) \
    _mm512_mask_sub_ps(s, flash_hidden_avx512(km, fm, j, cf, w), s, _mm512_set1_ps(1e9f))
#define VDROPOUT(x, j, rk, t, m, w) flash_dropout_avx512(x, j, rk, t, m)
#include "heed_flash_impl.h"
#undef ATTR
#undef FN
#undef V
#undef VL
#undef MR
#undef VZERO
#undef VSET1
#undef VLOAD
#undef VSTORE
#undef VLOADN
#undef VSTOREN
#undef VFMA
#undef VADD
#undef VSUB
#undef VMUL
#undef VMAX
#undef VHSUM
#undef VHMAX
#undef VEXP
#undef VMASKED_SUB
#undef VDROPOUT

/* ---- AVX2 + FMA ---------------------------------------------------------------------------- */

/* Lanes [0, n) of an 8-lane mask (n in [0, 8]). */
static const int32_t flash_lane_table[16] = {-1, -1, -1, -1, -1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0};

HEED_AVX2 static inline __m256i flash_lanes_avx2(long n) {
    return _mm256_loadu_si256((const __m256i *)(flash_lane_table + 8 - (n > 8 ? 8 : n)));
}

HEED_AVX2 static inline __m256 flash_hidden_avx2(const unsigned char *km, const unsigned char *fm,
                                                 long j, long causal_from, long w) {
    __m256i hidden = _mm256_setzero_si256();
    if (km || fm) {
        unsigned char buffer[8] = {1, 1, 1, 1, 1, 1, 1, 1};
        for (long x = 0; x < w; x++) buffer[x] = (unsigned char)((!km || km[j + x]) && (!fm || fm[j + x]));
        uint64_t bytes;
        memcpy(&bytes, buffer, 8);
        const __m256i visible = _mm256_cvtepu8_epi32(_mm_cvtsi64_si128((long long)bytes));
        hidden = _mm256_cmpeq_epi32(visible, _mm256_setzero_si256());
    }
    if (causal_from < j + w) {
        const __m256i idx = _mm256_add_epi32(_mm256_set1_epi32((int)j), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
        hidden = _mm256_or_si256(hidden, _mm256_cmpgt_epi32(idx, _mm256_set1_epi32((int)causal_from - 1)));
    }
    return _mm256_castsi256_ps(_mm256_and_si256(hidden, flash_lanes_avx2(w)));
}

HEED_AVX2 static inline __m256 flash_dropout_avx2(__m256 x, uint32_t j, uint32_t row_key, uint32_t threshold, float multiplier) {
    __m256i h = _mm256_xor_si256(_mm256_add_epi32(_mm256_set1_epi32((int)j), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7)),
                                 _mm256_set1_epi32((int)row_key));
    h = _mm256_xor_si256(h, _mm256_srli_epi32(h, 16));
    h = _mm256_mullo_epi32(h, _mm256_set1_epi32((int)0x7feb352dU));
    h = _mm256_xor_si256(h, _mm256_srli_epi32(h, 15));
    h = _mm256_mullo_epi32(h, _mm256_set1_epi32((int)0x846ca68bU));
    h = _mm256_xor_si256(h, _mm256_srli_epi32(h, 16));
    /* unsigned h >= t  <=>  signed (h ^ 2^31) > (t ^ 2^31) - 1 */
    const __m256i bias = _mm256_set1_epi32((int)0x80000000U);
    const __m256i keep = _mm256_or_si256(
        _mm256_cmpgt_epi32(_mm256_xor_si256(h, bias), _mm256_xor_si256(_mm256_set1_epi32((int)threshold), bias)),
        _mm256_cmpeq_epi32(h, _mm256_set1_epi32((int)threshold)));
    return _mm256_and_ps(_mm256_castsi256_ps(keep), _mm256_mul_ps(x, _mm256_set1_ps(multiplier)));
}

#define ATTR HEED_AVX2
#define FN(name) name##_avx2
#define V __m256
#define VL 8
#define MR 6
#define VZERO() _mm256_setzero_ps()
#define VSET1(x) _mm256_set1_ps(x)
#define VLOAD(p) _mm256_loadu_ps(p)
#define VSTORE(p, v) _mm256_storeu_ps(p, v)
#define VLOADN(p, n) _mm256_maskload_ps(p, flash_lanes_avx2(n))
#define VSTOREN(p, v, n) _mm256_maskstore_ps(p, flash_lanes_avx2(n), v)
#define VFMA(a, b, c) _mm256_fmadd_ps(a, b, c)
#define VADD(a, b) _mm256_add_ps(a, b)
#define VSUB(a, b) _mm256_sub_ps(a, b)
#define VMUL(a, b) _mm256_mul_ps(a, b)
#define VMAX(a, b) _mm256_max_ps(a, b)
#define VHSUM(v) heed_hsum_avx2(v)
#define VHMAX(v) heed_hmax_avx2(v)
#define VEXP(x) heed_exp_avx2(x)
#define VMASKED_SUB(s, km, fm, j, cf, w) \
    _mm256_sub_ps(s, _mm256_and_ps(flash_hidden_avx2(km, fm, j, cf, w), _mm256_set1_ps(1e9f)))
#define VDROPOUT(x, j, rk, t, m, w) flash_dropout_avx2(x, j, rk, t, m)
#include "heed_flash_impl.h"

int heed_flash_cpu_level(void) { return heed_cpu_level(); }

/* dst[c * ldd + r] = src[r * lds + c] for an 8 x 8 block. */
HEED_AVX2 static inline void flash_transpose8(const float *src, long lds, float *dst, long ldd) {
    const __m256 r0 = _mm256_loadu_ps(src), r1 = _mm256_loadu_ps(src + lds), r2 = _mm256_loadu_ps(src + 2 * lds),
                 r3 = _mm256_loadu_ps(src + 3 * lds), r4 = _mm256_loadu_ps(src + 4 * lds),
                 r5 = _mm256_loadu_ps(src + 5 * lds), r6 = _mm256_loadu_ps(src + 6 * lds),
                 r7 = _mm256_loadu_ps(src + 7 * lds);
    const __m256 t0 = _mm256_unpacklo_ps(r0, r1), t1 = _mm256_unpackhi_ps(r0, r1), t2 = _mm256_unpacklo_ps(r2, r3),
                 t3 = _mm256_unpackhi_ps(r2, r3), t4 = _mm256_unpacklo_ps(r4, r5), t5 = _mm256_unpackhi_ps(r4, r5),
                 t6 = _mm256_unpacklo_ps(r6, r7), t7 = _mm256_unpackhi_ps(r6, r7);
    const __m256 u0 = _mm256_shuffle_ps(t0, t2, 0x44), u1 = _mm256_shuffle_ps(t0, t2, 0xee),
                 u2 = _mm256_shuffle_ps(t1, t3, 0x44), u3 = _mm256_shuffle_ps(t1, t3, 0xee),
                 u4 = _mm256_shuffle_ps(t4, t6, 0x44), u5 = _mm256_shuffle_ps(t4, t6, 0xee),
                 u6 = _mm256_shuffle_ps(t5, t7, 0x44), u7 = _mm256_shuffle_ps(t5, t7, 0xee);
    _mm256_storeu_ps(dst, _mm256_permute2f128_ps(u0, u4, 0x20));
    _mm256_storeu_ps(dst + ldd, _mm256_permute2f128_ps(u1, u5, 0x20));
    _mm256_storeu_ps(dst + 2 * ldd, _mm256_permute2f128_ps(u2, u6, 0x20));
    _mm256_storeu_ps(dst + 3 * ldd, _mm256_permute2f128_ps(u3, u7, 0x20));
    _mm256_storeu_ps(dst + 4 * ldd, _mm256_permute2f128_ps(u0, u4, 0x31));
    _mm256_storeu_ps(dst + 5 * ldd, _mm256_permute2f128_ps(u1, u5, 0x31));
    _mm256_storeu_ps(dst + 6 * ldd, _mm256_permute2f128_ps(u2, u6, 0x31));
    _mm256_storeu_ps(dst + 7 * ldd, _mm256_permute2f128_ps(u3, u7, 0x31));
}

HEED_AVX2 static void flash_pack_avx2(const float *x, long rows, long cols, long block, float *panels) {
    for (long j0 = 0; j0 < rows; j0 += block) {
        float *panel = panels + (j0 / block) * cols * block;
        const long n = block < rows - j0 ? block : rows - j0;
        const float *src = x + j0 * cols;
        long j = 0;
        for (; j + 8 <= n; j += 8) {
            long c = 0;
            for (; c + 8 <= cols; c += 8) flash_transpose8(src + j * cols + c, cols, panel + c * block + j, block);
            for (; c < cols; c++)
                for (long r = 0; r < 8; r++) panel[c * block + j + r] = src[(j + r) * cols + c];
        }
        for (; j < n; j++)
            for (long c = 0; c < cols; c++) panel[c * block + j] = src[j * cols + c];
        if (n < block)
            for (long c = 0; c < cols; c++) memset(panel + c * block + n, 0, (size_t)(block - n) * sizeof(float));
    }
}

void heed_flash_pack_transposed(const float *x, long rows, long cols, long block, float *panels) {
    if (heed_cpu_level() >= 1) flash_pack_avx2(x, rows, cols, block, panels);
    else flash_pack_scalar(x, rows, cols, block, panels);
}

void heed_flash_forward_block(int level, const heed_flash_problem *p, long b, long i0, const float *kt,
                              float *scratch) {
    if (level >= 2) forward_block_avx512(p, b, i0, kt, scratch);
    else forward_block_avx2(p, b, i0, kt, scratch);
}

void heed_flash_backward_block(int level, const heed_flash_problem *p, long b, long j0, const float *kt,
                               const float *vt, float *dq, float *dk, float *dv, float *scratch) {
    if (level >= 2) backward_block_avx512(p, b, j0, kt, vt, dq, dk, dv, scratch);
    else backward_block_avx2(p, b, j0, kt, vt, dq, dk, dv, scratch);
}

void heed_flash_row_dots(int level, const float *a, const float *b, long rows, long cols, float *out) {
    if (level >= 2) row_dots_avx512(a, b, rows, cols, cols, out);
    else row_dots_avx2(a, b, rows, cols, cols, out);
}

#else

/* No tiled kernels off x86-64: heed_flash_cpu_level() is 0 and callers use the BLAS path;
   reaching one of these is a caller's bug. */
#include <stdio.h>
#include <stdlib.h>

void heed_flash_pack_transposed(const float *x, long rows, long cols, long block, float *panels) {
    flash_pack_scalar(x, rows, cols, block, panels);
}

int heed_flash_cpu_level(void) { return 0; }

static void flash_unavailable(void) {
    fputs("heed: the tiled attention kernels need x86-64 with AVX2 or AVX-512\n", stderr);
    abort();
}

void heed_flash_forward_block(int level, const heed_flash_problem *p, long b, long i0, const float *kt,
                              float *scratch) {
    (void)level; (void)p; (void)b; (void)i0; (void)kt; (void)scratch;
    flash_unavailable();
}

void heed_flash_backward_block(int level, const heed_flash_problem *p, long b, long j0, const float *kt,
                               const float *vt, float *dq, float *dk, float *dv, float *scratch) {
    (void)level; (void)p; (void)b; (void)j0; (void)kt; (void)vt; (void)dq; (void)dk; (void)dv; (void)scratch;
    flash_unavailable();
}

void heed_flash_row_dots(int level, const float *a, const float *b, long rows, long cols, float *out) {
    (void)level; (void)a; (void)b; (void)rows; (void)cols; (void)out;
    flash_unavailable();
}

#endif
