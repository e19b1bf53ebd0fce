/* The tiled attention kernels for one vector width; each heed_flash_<isa>.c includes this file
   once, after heed_flash_common.h, with these defined:
     ATTR                 the target attribute
     FN(name)             the suffixed function name
     V, VL                the float vector type and its lane count
     MR                   rows of the GEMM register tile (the tile is MR x 2 vectors)
     VZERO, VSET1, VLOAD, VSTORE, VLOADN(p, n), VSTOREN(p, v, n), VFMA, VADD, VSUB, VMUL, VMAX,
     VHSUM, VHMAX, VEXP   vector operations (the N forms touch lanes [0, n) only, n in [0, VL])
   It defines the instruction set's table, FN(heed_flash_kernels). The masking and the dropout
   are plain C, which the compiler vectorizes for the target. */

/* One register tile: C[R, n <= 2 VL] = alpha * A B (+ C), A's element (r, p) at a[r * rs + p * ps];
   a full tile (n = 2 VL) with plain loads and stores, a narrower one with masked ones (lanes past
   n read as 0). */
#define FLASH_TILE_DEFINE(R)                                                                       \
    ATTR static void FN(tile_##R)(long k, const float *a, long rs, long ps, const float *b,        \
                                  long ldb, float *c, long ldc, long n, float alpha, int acc) {    \
        V c0[R], c1[R];                                                                            \
        for (int r = 0; r < R; r++) { c0[r] = VZERO(); c1[r] = VZERO(); }                          \
        const int full = n >= 2 * VL;                                                              \
        const long n0 = n < VL ? n : VL, n1 = n - n0;                                              \
        for (long p = 0; p < k; p++) {                                                             \
            const V b0 = full ? VLOAD(b + p * ldb) : VLOADN(b + p * ldb, n0);                      \
            const V b1 = full ? VLOAD(b + p * ldb + VL) : VLOADN(b + p * ldb + VL, n1);            \
            for (int r = 0; r < R; r++) {                                                          \
                const V x = VSET1(a[r * rs + p * ps]);                                             \
                c0[r] = VFMA(x, b0, c0[r]);                                                        \
                if (n1 > 0) c1[r] = VFMA(x, b1, c1[r]);                                            \
            }                                                                                      \
        }                                                                                          \
        const V va = VSET1(alpha);                                                                 \
        for (int r = 0; r < R; r++) {                                                              \
            float *cr = c + r * ldc;                                                               \
            V x0 = VMUL(c0[r], va), x1 = VMUL(c1[r], va);                                          \
            if (full) {                                                                            \
                if (acc) { x0 = VADD(x0, VLOAD(cr)); x1 = VADD(x1, VLOAD(cr + VL)); }              \
                VSTORE(cr, x0);                                                                    \
                VSTORE(cr + VL, x1);                                                               \
            } else {                                                                               \
                if (acc) { x0 = VADD(x0, VLOADN(cr, n0)); x1 = VADD(x1, VLOADN(cr + VL, n1)); }    \
                VSTOREN(cr, x0, n0);                                                               \
                VSTOREN(cr + VL, x1, n1);                                                          \
            }                                                                                      \
        }                                                                                          \
    }

FLASH_TILE_DEFINE(MR)
FLASH_TILE_DEFINE(4)
FLASH_TILE_DEFINE(2)
FLASH_TILE_DEFINE(1)

/* C[m, n] = alpha * A B (+ C when acc), A [m, k] row-major (or, when at, the transpose of a
   [k, m] row-major array), B [k, n] row-major. Row tiles outside: the MR rows of A stay in L1
   while the tile passes over the column panels of B (from L2); the rows left over go by column
   panels. */
ATTR static void FN(gemm)(long m, long n, long k, float alpha, const float *a, long lda, int at,
                          const float *b, long ldb, float *c, long ldc, int acc) {
    const long rs = at ? 1 : lda, ps = at ? lda : 1;  /* strides, not a choice in the tile's loop */
    long i = 0;
    for (; i + MR <= m; i += MR)
        for (long j = 0; j < n; j += 2 * VL) FN(tile_MR)(k, a + i * rs, rs, ps, b + j, ldb, c + i * ldc + j, ldc, n - j, alpha, acc);
    for (long j = 0; j < n; j += 2 * VL) {
        const long nn = n - j;
        long r = i;
        for (; r + 4 <= m; r += 4) FN(tile_4)(k, a + r * rs, rs, ps, b + j, ldb, c + r * ldc + j, ldc, nn, alpha, acc);
        for (; r + 2 <= m; r += 2) FN(tile_2)(k, a + r * rs, rs, ps, b + j, ldb, c + r * ldc + j, ldc, nn, alpha, acc);
        for (; r < m; r++) FN(tile_1)(k, a + r * rs, rs, ps, b + j, ldb, c + r * ldc + j, ldc, nn, alpha, acc);
    }
}

/* Subtracts the mask penalty from the masked scores of one row: keys j0 + [0, n) of query i.
   Plain loops, which the compiler vectorizes. */
ATTR static void FN(mask_row)(const heed_flash_problem *p, long mb, long i, long j0, long n, float *s) {
    const unsigned char *km = p->key_mask ? p->key_mask + mb * p->tv + j0 : NULL;
    const unsigned char *fm = p->full_mask ? p->full_mask + (mb * p->tq + i) * p->tv + j0 : NULL;
    /* every key from `hidden` on is hidden: all of them when the query sees none, else under a
       causal mask the keys after the query (local index >= i + 1 - j0) */
    long hidden = p->query_sees && !p->query_sees[mb * p->tq + i] ? 0 : p->causal ? i + 1 - j0 : n;
    hidden = hidden < 0 ? 0 : hidden > n ? n : hidden;
    if (km || fm) {  /* one loop for either mask or both (a mask ANDed with itself) */
        const unsigned char *a = km ? km : fm, *c = fm ? fm : km;
        for (long j = 0; j < hidden; j++) s[j] -= (a[j] & c[j]) ? 0.0f : HEED_FLASH_MASK_PENALTY;
    }
    for (long j = hidden; j < n; j++) s[j] -= HEED_FLASH_MASK_PENALTY;
}

ATTR static float FN(row_max)(const float *s, long n) {
    V m0 = VSET1(-INFINITY), m1 = m0;
    long j = 0;
    for (; j + 2 * VL <= n; j += 2 * VL) {
        m0 = VMAX(m0, VLOAD(s + j));
        m1 = VMAX(m1, VLOAD(s + j + VL));
    }
    for (; j + VL <= n; j += VL) m0 = VMAX(m0, VLOAD(s + j));
    float r = VHMAX(VMAX(m0, m1));
    for (; j < n; j++) r = s[j] > r ? s[j] : r;
    return r;
}

/* s <- exp(s - shift1 - shift2) over n keys; returns the sum. The two shifts are subtracted one
   after the other (the row maximum first), so a row whose scores all sit near minus the mask
   penalty keeps its small differences. */
ATTR static float FN(exp_row)(float *s, long n, float shift1, float shift2) {
    const V a = VSET1(shift1), b = VSET1(shift2);
    V acc0 = VZERO(), acc1 = VZERO();
    long j = 0;
    for (; j + 2 * VL <= n; j += 2 * VL) {
        const V e0 = VEXP(VSUB(VSUB(VLOAD(s + j), a), b));
        const V e1 = VEXP(VSUB(VSUB(VLOAD(s + j + VL), a), b));
        VSTORE(s + j, e0);
        VSTORE(s + j + VL, e1);
        acc0 = VADD(acc0, e0);
        acc1 = VADD(acc1, e1);
    }
    for (; j < n; j += VL) {
        const long w = n - j < VL ? n - j : VL;
        const V e = VEXP(VSUB(VSUB(VLOADN(s + j, w), a), b));
        if (w == VL) VSTORE(s + j, e); else VSTOREN(s + j, e, w);
        /* VLOADN zeroes the lanes past w, whose exp is not 0: add the stored lanes only. */
        acc0 = VADD(acc0, w == VL ? e : VLOADN(s + j, w));
    }
    return VHSUM(VADD(acc0, acc1));
}

ATTR static void FN(scale_row)(float *x, long n, float f) {
    const V vf = VSET1(f);
    long j = 0;
    for (; j + VL <= n; j += VL) VSTORE(x + j, VMUL(VLOAD(x + j), vf));
    if (j < n) VSTOREN(x + j, VMUL(VLOADN(x + j, n - j), vf), n - j);
}

/* dst <- src times the dropout multipliers of keys j0 + [0, n) of the row whose key is row_key
   (dst src itself or apart from it): the scalar rule of heed_flash_dropout_multiplier, which the
   compiler vectorizes (each lane reads and writes its own key only; 32-bit key indices). */
ATTR static void FN(dropout_row)(uint32_t row_key, uint32_t threshold, float multiplier, long j0, long n, float *dst,
                                 const float *src) {
    const uint32_t k0 = (uint32_t)j0;
#pragma clang loop vectorize(assume_safety)
    for (uint32_t j = 0; j < (uint32_t)n; j++) dst[j] = flash_keeps(row_key, k0 + j, threshold) ? src[j] * multiplier : 0.0f;
}

ATTR static void FN(forward_block)(const heed_flash_problem *p, long b, long i0, const float *kt, float *s) {
    const long tq = p->tq, tv = p->tv, d = p->d, dv = p->dv, bc = p->bc;
    const long rows = p->br < tq - i0 ? p->br : tq - i0;
    const long mb = b / p->mask_group;
    const long kend = flash_key_end(p, mb, i0, rows);
    const float *q = p->q + (b * tq + i0) * d;
    float *o = p->out + (b * tq + i0) * dv;
    float *m = p->row_max + b * tq + i0, *l = p->row_logsum + b * tq + i0;
    const int dropout = p->dropout_rate > 0, masked = p->key_mask || p->full_mask || p->query_sees || p->causal;
    const uint32_t threshold = flash_dropout_threshold(p->dropout_rate);
    const float multiplier = flash_dropout_scale(p->dropout_rate);
    float *correction = s + p->br * bc;  /* per row: the row maximum, then exp(old - new maximum) */
    if (p->query_end && i0 >= p->query_end[mb]) {
        /* Hidden query rows past the last kept one (trailing padding): their output is 0. */
        memset(o, 0, (size_t)(rows * dv) * sizeof(float));
        for (long r = 0; r < rows; r++) { m[r] = 0; l[r] = 0; }
        if (p->weights) memset(p->weights + (b * tq + i0) * tv, 0, (size_t)(rows * tv) * sizeof(float));
        return;
    }
    for (long r = 0; r < rows; r++) { m[r] = -INFINITY; l[r] = 0; }
    /* Kept weights: one key block (bc = tv) formed in place and normalised there, so O needs no
       final scaling, and keys past the key end get weight 0; the dropped weights go to the
       scratch. One pass over the rows per step, so that the rows' reductions overlap. */
    float *kept = p->weights ? p->weights + (b * tq + i0) * tv : NULL;
    for (long j0 = 0, jb = 0; j0 < kend; j0 += bc, jb++) {
        const long cols = bc < kend - j0 ? bc : kend - j0;
        float *sb = kept ? kept : s, *dropped = kept ? s : sb;
        FN(gemm)(rows, cols, d, p->scale, q, d, 0, kt + jb * d * bc, bc, sb, bc, 0);
        if (masked) for (long r = 0; r < rows; r++) FN(mask_row)(p, mb, i0 + r, j0, cols, sb + r * bc);
        for (long r = 0; r < rows; r++) correction[r] = FN(row_max)(sb + r * bc, cols);
        for (long r = 0; r < rows; r += VL) {  /* the new maxima, and exp(old - new maximum) */
            const long w = rows - r < VL ? rows - r : VL;
            const V old = VLOADN(m + r, w), mnew = VMAX(VLOADN(correction + r, w), old);
            VSTOREN(correction + r, VEXP(VSUB(old, mnew)), w);
            VSTOREN(m + r, mnew, w);
        }
        for (long r = 0; r < rows; r++) l[r] = l[r] * correction[r] + FN(exp_row)(sb + r * bc, cols, m[r], 0.0f);
        for (long r = 0; r < rows; r++) {
            if (j0 > 0 && correction[r] != 1.0f) FN(scale_row)(o + r * dv, dv, correction[r]);
            if (kept) {
                FN(scale_row)(sb + r * bc, cols, 1.0f / l[r]);
                if (kend < tv) memset(sb + r * bc + kend, 0, (size_t)(tv - kend) * sizeof(float));
            }
            if (dropout) FN(dropout_row)(flash_row_key(p->dropout_seed, (uint64_t)(b * tq + i0 + r)), threshold, multiplier, j0, cols, dropped + r * bc, sb + r * bc);
        }
        FN(gemm)(rows, dv, cols, 1.0f, dropout ? dropped : sb, bc, 0, p->v + (b * tv + j0) * dv, dv, o, dv, j0 > 0);
    }
    const unsigned char *keep = p->query_keep ? p->query_keep + mb * tq + i0 : NULL;
    for (long r = 0; r < rows; r++) {
        if (keep && !keep[r]) {
            memset(o + r * dv, 0, (size_t)dv * sizeof(float));
        } else {
            if (!p->weights) FN(scale_row)(o + r * dv, dv, 1.0f / l[r]);
        }
        l[r] = logf(l[r]);
    }
}

ATTR static void FN(row_dots)(const float *a, const float *b, long rows, long cols, long ld, float *out) {
    for (long r = 0; r < rows; r++) {
        const float *x = a + r * ld, *y = b + r * ld;
        V acc0 = VZERO(), acc1 = VZERO();
        long j = 0;
        for (; j + 2 * VL <= cols; j += 2 * VL) {
            acc0 = VFMA(VLOAD(x + j), VLOAD(y + j), acc0);
            acc1 = VFMA(VLOAD(x + j + VL), VLOAD(y + j + VL), acc1);
        }
        for (; j < cols; j += VL) {
            const long w = cols - j < VL ? cols - j : VL;
            acc0 = VFMA(VLOADN(x + j, w), VLOADN(y + j, w), acc0);
        }
        out[r] = VHSUM(VADD(acc0, acc1));
    }
}

/* dS = P * (dP' * keep - delta), written over dp (dP' is the gradient of the dropped weights). */
ATTR static void FN(softmax_backward_row)(const float *pr, float *dp, long n, float delta) {
    const V vd = VSET1(delta);
    long j = 0;
    for (; j + VL <= n; j += VL) VSTORE(dp + j, VMUL(VLOAD(pr + j), VSUB(VLOAD(dp + j), vd)));
    if (j < n) VSTOREN(dp + j, VMUL(VLOADN(pr + j, n - j), VSUB(VLOADN(dp + j, n - j), vd)), n - j);
}

/* C rows [0, m) += or = alpha * Aᵀ B (A given as [k, m], at = 1): rows below `written` add
   into C, the rows from it on are written. */
ATTR static void FN(gemm_at_rows)(long written, long m, long n, long k, const float *a, long lda,
                                  const float *b, long ldb, float *c, long ldc) {
    const long added = written < m ? written : m;
    if (added > 0) FN(gemm)(added, n, k, 1.0f, a, lda, 1, b, ldb, c, ldc, 1);
    if (m > added) FN(gemm)(m - added, n, k, 1.0f, a + added, lda, 1, b, ldb, c + added * ldc, ldc, 0);
}

ATTR static void FN(backward_block)(const heed_flash_problem *p, long b, long j0, const float *kt_b,
                                    const float *vt_b, float *dq, float *dk, float *dvv, float *scratch) {
    const long tq = p->tq, tv = p->tv, d = p->d, dv = p->dv, br = p->br, bc = p->bc;
    const long cols = bc < tv - j0 ? bc : tv - j0;
    const long mb = b / p->mask_group;
    const long jb = j0 / bc;
    const float *kt = p->weights ? NULL : kt_b + jb * d * bc, *vt = vt_b + jb * dv * bc;
    const float *kj = p->k + (b * tv + j0) * d;
    const int dropout = p->dropout_rate > 0, masked = p->key_mask || p->full_mask || p->query_sees || p->causal;
    const uint32_t threshold = flash_dropout_threshold(p->dropout_rate);
    const float multiplier = flash_dropout_scale(p->dropout_rate);
    float *s = scratch, *dp = scratch + br * bc, *block_delta = scratch + 2 * br * bc;
    long written = 0;  /* rows of dk and dv written so far; the rest are added into */
    const long qend = p->query_end ? p->query_end[mb] : tq;
    for (long i0 = 0; i0 < tq; i0 += br) {
        if (i0 >= qend) {  /* hidden query rows past the last kept one: no gradient flows from them */
            if (p->weights) memset(dq + i0 * d, 0, (size_t)((tq - i0) * d) * sizeof(float));
            break;
        }
        const long rows = br < tq - i0 ? br : tq - i0;
        const long kend = flash_key_end(p, mb, i0, rows);
        if (j0 >= kend) continue;  /* skipped by the forward pass */
        /* the keys of this block that carry weight for these rows */
        const long n = cols < kend - j0 ? cols : kend - j0;
        const float *qi = p->q + (b * tq + i0) * d, *goi = p->go + (b * tq + i0) * dv;
        if (p->weights) {
            s = p->weights + (b * tq + i0) * tv;  /* bc = tv: one key block, j0 = 0 */
        } else {
            const float *m = p->row_max + b * tq + i0, *ls = p->row_logsum + b * tq + i0;
            FN(gemm)(rows, n, d, p->scale, qi, d, 0, kt, bc, s, bc, 0);
            for (long r = 0; r < rows; r++) {
                float *sr = s + r * bc;
                if (masked) FN(mask_row)(p, mb, i0 + r, j0, n, sr);
                FN(exp_row)(sr, n, m[r], ls[r]);
            }
        }
        /* dP' = dO Vᵀ; dS = P * (dP' * keep - delta). First, so that P is read in row order
           (from memory, when kept) before the GEMM that reads it by columns. */
        FN(gemm)(rows, n, dv, 1.0f, goi, dv, 0, vt, bc, dp, bc, 0);
        if (dropout)
            for (long r = 0; r < rows; r++)
                FN(dropout_row)(flash_row_key(p->dropout_seed, (uint64_t)(b * tq + i0 + r)), threshold, multiplier, j0, n, dp + r * bc, dp + r * bc);
        /* With the whole row in this block, rowsum(dO * O) = rowsum(P * dP' * keep), from the cache. */
        const float *delta = block_delta;
        if (p->weights) FN(row_dots)(s, dp, rows, n, bc, block_delta);
        else delta = p->delta + b * tq + i0;
        for (long r = 0; r < rows; r++) FN(softmax_backward_row)(s + r * bc, dp + r * bc, n, delta[r]);
        /* dV += (P * keep)ᵀ dO; the dropped weights go over the recomputed ones, or into the
           scratch the kept ones leave free. */
        float *pz = s;
        if (dropout) {
            pz = p->weights ? scratch : s;
            for (long r = 0; r < rows; r++)
                FN(dropout_row)(flash_row_key(p->dropout_seed, (uint64_t)(b * tq + i0 + r)), threshold, multiplier, j0, n, pz + r * bc, s + r * bc);
        }
        FN(gemm_at_rows)(written, n, dv, rows, pz, bc, goi, dv, dvv, dv);
        /* dK += dSᵀ Q, dQ += dS K (both unscaled here; dQ written, not added, with one key block) */
        FN(gemm_at_rows)(written, n, d, rows, dp, bc, qi, d, dk, d);
        FN(gemm)(rows, d, n, 1.0f, dp, bc, 0, kj, d, dq + i0 * d, d, !p->weights);
        if (n > written) written = n;
    }
    if (written < cols) {  /* keys no query of this problem weighs */
        memset(dk + written * d, 0, (size_t)((cols - written) * d) * sizeof(float));
        memset(dvv + written * dv, 0, (size_t)((cols - written) * dv) * sizeof(float));
    }
    if (p->scale != 1.0f)
        for (long c = 0; c < written; c++) FN(scale_row)(dk + c * d, d, p->scale);
}

/* x [rows, cols] -> panels [ceil(rows / block)][cols][block], by 4 x 4 blocks transposed in SSE
   registers (packing is about 1 % of the attention's time). */
ATTR static void FN(pack)(const float *x, long rows, long cols, long block, float *panels) {
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

const heed_flash_kernels FN(heed_flash_kernels) = {
    .pack = FN(pack), .forward_block = FN(forward_block), .backward_block = FN(backward_block), .row_dots = FN(row_dots)};
