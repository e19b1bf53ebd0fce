/* The tiled attention kernels' entry points: the level in use, the choice of the instruction
   set's kernels (heed_flash_avx512.c, heed_flash_avx2.c), and the dropout multiplier, the scalar
   twin of the vector kernels' mask. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "heed_flash_common.h"

int heed_flash_cpu_level(void) { return heed_cpu_level(); }

int heed_flash_cpu_is_amd(void) { return heed_cpu_is_amd(); }

/* The level in use: -1 until first asked, then the CPU's level lowered by HEED_ATTENTION_KERNEL
   (`blas`, `avx2`, `avx512`) or by heed_flash_set_level. */
static int flash_selected = -1;

static int flash_level_from(int wanted) {
    const int cpu = heed_flash_cpu_level();
    return wanted < 0 ? 0 : wanted < cpu ? wanted : cpu;
}

int heed_flash_level(void) {
    int level = __atomic_load_n(&flash_selected, __ATOMIC_ACQUIRE), unset = -1;
    if (level >= 0) return level;
    const char *env = getenv("HEED_ATTENTION_KERNEL");
    level = flash_level_from(env && !strcmp(env, "blas") ? 0 : env && !strcmp(env, "avx2") ? 1 : 2);
    /* A level set in the meantime wins. */
    if (!__atomic_compare_exchange_n(&flash_selected, &unset, level, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) level = unset;
    return level;
}

int heed_flash_set_level(int level) {
    const int chosen = flash_level_from(level);
    __atomic_store_n(&flash_selected, chosen, __ATOMIC_RELEASE);
    return chosen;
}

const heed_flash_kernels *heed_flash_kernels_at(int level) {
#ifdef HEED_X86_64
    if (level >= 1) return level >= 2 ? &heed_flash_kernels_avx512 : &heed_flash_kernels_avx2;
#endif
    fprintf(stderr, "heed: the tiled attention kernels need x86-64 with AVX2 or AVX-512 (asked for level %d)\n", level);
    abort();
}

float heed_flash_dropout_multiplier(uint64_t seed, float rate, uint64_t row, uint32_t key) {
    if (!(rate > 0)) return 1.0f;
    return flash_keeps(flash_row_key(seed, row), key, flash_dropout_threshold(rate)) ? flash_dropout_scale(rate) : 0.0f;
}
