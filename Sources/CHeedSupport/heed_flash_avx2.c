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

/* x [rows, cols] -> panels [ceil(rows / block)][cols][block], by 4 x 4 blocks transposed in SSE
   registers (packing is about 1 % of the attention's time). */
HEED_AVX2 void heed_flash_pack_avx2(const float *x, long rows, long cols, long block, float *panels) {
    for (long j0 = 0; j0 < rows; j0 += block) {
        float *panel = panels + (j0 / block) * cols * block;
        const long n = block < rows - j0 ? block : rows - j0;
        const float *src = x + j0 * cols;
        for (long c = 0; c < cols; c++) memset(panel + c * block + n, 0, (size_t)(block - n) * sizeof(float));
        long j = 0;
        for (; j + 4 <= n; j += 4) {
            long c = 0;
            for (; c + 4 <= cols; c += 4) {
                const float *s = src + j * cols + c;
                __m128 r0 = _mm_loadu_ps(s), r1 = _mm_loadu_ps(s + cols), r2 = _mm_loadu_ps(s + 2 * cols),
                       r3 = _mm_loadu_ps(s + 3 * cols);
                _MM_TRANSPOSE4_PS(r0, r1, r2, r3);
                float *d = panel + c * block + j;
                _mm_storeu_ps(d, r0);
                _mm_storeu_ps(d + block, r1);
                _mm_storeu_ps(d + 2 * block, r2);
                _mm_storeu_ps(d + 3 * block, r3);
            }
            for (; c < cols; c++)
                for (long r = 0; r < 4; r++) panel[c * block + j + r] = src[(j + r) * cols + c];
        }
        for (; j < n; j++)
            for (long c = 0; c < cols; c++) panel[c * block + j] = src[j * cols + c];
    }
}

#endif
