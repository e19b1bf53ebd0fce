/* The tiled attention kernels for AVX2 + FMA: heed_flash_impl.h instantiated for 8 lanes, and
   the transposed packing of K and V that every x86-64 level uses. */
#include "heed_flash_common.h"

#ifdef HEED_X86_64

#include <math.h>
#include <string.h>

#include "heed_avx2.h"

#define ATTR HEED_AVX2
#define FN(name) name##_avx2
#define V __m256
#define VL 8
#define MR 6
#define VZERO() _mm256_setzero_ps()
#define VSET1(x) _mm256_set1_ps(x)
#define VLOAD(p) _mm256_loadu_ps(p)
#define VSTORE(p, v) _mm256_storeu_ps(p, v)
#define VLOADN(p, n) _mm256_maskload_ps(p, heed_lanes_avx2(n))
#define VSTOREN(p, v, n) _mm256_maskstore_ps(p, heed_lanes_avx2(n), v)
#define VFMA(a, b, c) _mm256_fmadd_ps(a, b, c)
#define VADD(a, b) _mm256_add_ps(a, b)
#define VSUB(a, b) _mm256_sub_ps(a, b)
#define VMUL(a, b) _mm256_mul_ps(a, b)
#define VMAX(a, b) _mm256_max_ps(a, b)
#define VHSUM(v) heed_hsum_avx2(v)
#define VHMAX(v) heed_hmax_avx2(v)
#define VEXP(x) heed_exp_avx2(x)
#include "heed_flash_impl.h"

const heed_flash_kernels heed_flash_kernels_avx2 = {
    .pack = heed_flash_pack_avx2, .forward_block = forward_block_avx2, .backward_block = backward_block_avx2,
    .row_dots = row_dots_avx2};

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

HEED_AVX2 void heed_flash_pack_avx2(const float *x, long rows, long cols, long block, float *panels) {
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

#endif
