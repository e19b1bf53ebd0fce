/* The tiled attention kernels' scalar forms: the dropout multiplier (the vector kernels' twin),
   the transposed packing for a CPU without AVX2, and the kernels of a CPU without a vector unit
   the kernels are written for, which stop the process (heed_flash_cpu_level() is 0 there, so
   callers use the BLAS kernels; reaching one is a caller's bug). */
#include <stdio.h>
#include <stdlib.h>

#include "heed_flash_common.h"

float heed_flash_dropout_multiplier(uint64_t seed, float rate, uint64_t row, uint32_t key) {
    if (!(rate > 0)) return 1.0f;
    return flash_mix32(key ^ flash_row_key(seed, row)) >= flash_dropout_threshold(rate) ? flash_dropout_scale(rate)
                                                                                         : 0.0f;
}

void heed_flash_pack_scalar(const float *x, long rows, long cols, long block, float *panels) {
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

static void flash_unavailable(void) {
    fputs("heed: the tiled attention kernels need x86-64 with AVX2 or AVX-512\n", stderr);
    abort();
}

static void forward_block_scalar(const heed_flash_problem *p, long b, long i0, const float *kt, float *scratch) {
    (void)p; (void)b; (void)i0; (void)kt; (void)scratch;
    flash_unavailable();
}

static void backward_block_scalar(const heed_flash_problem *p, long b, long j0, const float *kt, const float *vt,
                                  float *dq, float *dk, float *dv, float *scratch) {
    (void)p; (void)b; (void)j0; (void)kt; (void)vt; (void)dq; (void)dk; (void)dv; (void)scratch;
    flash_unavailable();
}

static void row_dots_scalar(const float *a, const float *b, long rows, long cols, long ld, float *out) {
    (void)a; (void)b; (void)rows; (void)cols; (void)ld; (void)out;
    flash_unavailable();
}

const heed_flash_kernels heed_flash_kernels_scalar = {forward_block_scalar, backward_block_scalar, row_dots_scalar};
