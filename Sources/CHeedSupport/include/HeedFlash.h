#ifndef HEED_FLASH_H
#define HEED_FLASH_H

#include <stdint.h>

/* Tiled ("flash") dot-product attention in float32, forward and backward, for CPUs with AVX2+FMA
   or AVX-512F (docs/performance.md, "Attention kernels"). One call handles one block of query
   rows (forward) or of keys (backward) of one problem `b`; the caller spreads blocks over
   threads. A score is hidden when a mask below hides it, or `causal` and key > query; a hidden
   score gets Keras' penalty of one billion subtracted once, in float32. Dropout's keep mask is
   drawn from a hash of (seed, row, key), so the backward pass draws it again. */

typedef struct heed_flash_problem {
    long batch, tq, tv, d, dv;
    long br, bc;                     /* query rows per block, keys per block */
    float scale;
    int causal;
    long mask_group;                 /* problem b reads the masks at index b / mask_group */
    const unsigned char *key_mask;   /* [B/g, Tv], 1 = visible; or NULL */
    const unsigned char *full_mask;  /* [B/g, Tq, Tv], 1 = visible; or NULL */
    const unsigned char *row_has_key;/* [B/g, Tq], 1 = the row sees at least one key; NULL = all */
    const unsigned char *query_keep; /* [B/g, Tq], 0 = zero that output row; or NULL */
    const unsigned char *query_sees; /* [B/g, Tq], 0 = the query sees no key; or NULL */
    const int32_t *key_end;          /* [B/g]: one past the key mask's last visible key (Tv when
                                        it shows none); or NULL */
    const int32_t *query_end;        /* [B/g]: one past the last row query_keep keeps; query
                                        blocks from it on are zeroed, not computed; or NULL */
    float dropout_rate;              /* 0 = no dropout */
    uint64_t dropout_seed;
    const float *q, *k, *v;          /* [B, Tq, D], [B, Tv, D], [B, Tv, Dv] */
    float *out;                      /* [B, Tq, Dv] */
    float *row_max, *row_logsum;     /* [B, Tq] */
    /* The softmax weights [B, Tq, Tv] (before dropout), or NULL. When set, bc must equal tv (one
       key block): the forward pass writes them and the backward pass reads them instead of
       recomputing them from the statistics. */
    float *weights;
    /* backward only */
    const float *go;                 /* dO [B, Tq, Dv], rows of zeroed queries zeroed */
    const float *delta;              /* [B, Tq], rowsum(dO * O); not read with kept weights */
} heed_flash_problem;

/* 0: no tiled kernel on this CPU, 1: AVX2 + FMA, 2: AVX-512F. */
int heed_flash_cpu_level(void);

/* 1 on an AMD CPU, else 0 (the attention plan sizes some choices by it). */
int heed_flash_cpu_is_amd(void);

/* The level the attention ops use: the CPU's, lowered by the environment variable
   HEED_ATTENTION_KERNEL (`blas` = 0, `avx2` = 1, `avx512` = 2) read on first use. */
int heed_flash_level(void);

/* Selects min(level, CPU level) (0 = the BLAS kernels) and returns it. */
int heed_flash_set_level(int level);

/* One instruction set's kernels (heed_flash_impl.h), from heed_flash_kernels_at. */
typedef struct heed_flash_kernels {
    /* x [rows, cols] row-major -> panels [ceil(rows / block)][cols][block] (tail columns zero). */
    void (*pack)(const float *x, long rows, long cols, long block, float *panels);
    /* Output rows [i0, i0 + br) of problem b, and their row_max / row_logsum. kt: the Kᵀ panels of
       problem b, pack(K_b, Tv, D, bc). scratch: br * bc + br floats. */
    void (*forward_block)(const heed_flash_problem *p, long b, long i0, const float *kt, float *scratch);
    /* The keys [j0, j0 + bc) of problem b: writes dk (rows j0.., [*, D], scaled by `scale`) and
       dv (rows j0.., [*, Dv]), and adds the unscaled dS K of every query block into dq ([Tq, D]
       of problem b). kt, vt: the Kᵀ and Vᵀ panels of problem b. scratch: 2 * br * bc + br
       floats. With kept weights (one key block) it reads no kt (may be NULL), no delta (it forms
       rowsum(dO * O) as rowsum(P * dP) from the block), and writes dq instead of adding to it. */
    void (*backward_block)(const heed_flash_problem *p, long b, long j0, const float *kt, const float *vt,
                           float *dq, float *dk, float *dv, float *scratch);
    /* out[r] = sum over j < cols of a[r, j] * b[r, j], rows `ld` floats apart. */
    void (*row_dots)(const float *a, const float *b, long rows, long cols, long ld, float *out);
} heed_flash_kernels;

/* The kernels of level 1 (AVX2 + FMA) or 2 (AVX-512F); aborts off x86-64 or for level 0, which
   selects the BLAS kernels instead. */
const heed_flash_kernels *heed_flash_kernels_at(int level);

/* The dropout multiplier of weight (row, key): 0 or 1 / (1 - rate); row = b * Tq + query.
   The kernels draw their keep mask by the same rule. */
float heed_flash_dropout_multiplier(uint64_t seed, float rate, uint64_t row, uint32_t key);

#endif
