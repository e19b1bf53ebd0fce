/* The tiled attention kernels for AVX2 + FMA: heed_flash_impl.h instantiated for 8 lanes. */
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

#endif
