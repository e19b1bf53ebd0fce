/* The rules every build of the tiled attention kernels shares, written once: Keras' mask
   penalty, the dropout hash, the causal key end; and the table through which heed_flash.c
   reaches one instruction set's kernels. Private to CHeedSupport. */
#ifndef HEED_FLASH_COMMON_H
#define HEED_FLASH_COMMON_H

#include <stdint.h>

#include "HeedFlash.h"
#include "heed_cpu.h"

/* Subtracted once from a masked score, in float32, as Keras does (not -inf: a row with no
   visible key gets the softmax of its penalised scores). */
#define HEED_FLASH_MASK_PENALTY 1e9f

/* The dropout hash's 32-bit integer mixer (xor-shift / multiply rounds). */
static inline uint32_t flash_mix32(uint32_t x) {
    x ^= x >> 16;
    x *= 0x7feb352dU;
    x ^= x >> 15;
    x *= 0x846ca68bU;
    return x ^ (x >> 16);
}

/* The dropout hash: one key per row, then one mix per (row key, key index); keep = hash >=
   rate * 2^32. */
static inline uint32_t flash_row_key(uint64_t seed, uint64_t row) {
    uint32_t h = flash_mix32((uint32_t)seed ^ ((uint32_t)row * 0x9e3779b1U));
    return flash_mix32(h ^ (uint32_t)(seed >> 32) ^ (uint32_t)(row >> 32));
}

static inline uint32_t flash_dropout_threshold(float rate) {
    if (!(rate > 0)) return 0;
    double t = (double)rate * 4294967296.0;
    return t >= 4294967295.0 ? 4294967295U : (uint32_t)t;
}

/* Whether dropout keeps the weight of key `key` in the row whose key is row_key: its hash at
   or above the threshold (the one rule of the scalar multiplier and the kernels' loops). */
static inline int flash_keeps(uint32_t row_key, uint32_t key, uint32_t threshold) {
    return flash_mix32(key ^ row_key) >= threshold;
}

/* What dropout (rate > 0) multiplies a kept weight by. */
static inline float flash_dropout_scale(float rate) { return 1.0f / (1.0f - rate); }

/* The end of the keys that can carry weight for query rows [i0, i0 + rows) of mask index mb:
   the key mask's end (past its last visible key), and under a causal mask the block's last
   row, when every row of the block sees some key. The forward pass computes no score past it
   and the backward pass skips the key blocks that start at or after it. */
static inline long flash_key_end(const heed_flash_problem *p, long mb, long i0, long rows) {
    if (p->row_has_key) {
        const unsigned char *h = p->row_has_key + mb * p->tq + i0;
        for (long r = 0; r < rows; r++) if (!h[r]) return p->tv;
    }
    const long end = p->key_end ? p->key_end[mb] : p->tv;
    if (!p->causal) return end;
    const long diagonal = i0 + rows < p->tv ? i0 + rows : p->tv;
    return diagonal < end ? diagonal : end;
}

#define HEED_FLASH_INTERNAL __attribute__((visibility("hidden")))

/* heed_flash_avx512.c and heed_flash_avx2.c (x86-64 only). */
HEED_FLASH_INTERNAL extern const heed_flash_kernels heed_flash_kernels_avx512;
HEED_FLASH_INTERNAL extern const heed_flash_kernels heed_flash_kernels_avx2;

#endif
