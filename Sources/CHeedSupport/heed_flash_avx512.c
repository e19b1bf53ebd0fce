/* The tiled attention kernels for AVX-512F: heed_flash_impl.h instantiated for 16 lanes. */
#include "heed_flash_common.h"

#ifdef HEED_X86_64

#include <math.h>
#include <string.h>

#include "heed_avx512.h"

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
#include "heed_flash_impl.h"

#endif
