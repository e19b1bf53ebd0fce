/// Matrix products spread over Heed's threads.
///
/// OpenBLAS runs single-threaded in Heed (``Heed/threads`` says why), so a large product is cut
/// here into `Heed.threads` blocks of rows of `C` (or of columns, when `C` is wider than tall),
/// each one `?gemm` call on its own worker. Every element of `C` is still one call's dot product
/// over the whole of `k`, in OpenBLAS's order, so the split does not change the result's
/// arithmetic. Inside a parallel loop the product stays on the loop's thread.
extension TensorScalar {
    /// `C ← alpha · op(A) · op(B) + beta · C` for row-major matrices: `op(A)` is `m × k`, `op(B)`
    /// is `k × n`, `C` is `m × n`; `lda`, `ldb` and `ldc` are the row strides of `A`, `B` and
    /// `C` as stored.
    public static func gemm(
        transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Self,
        a: UnsafePointer<Self>, lda: Int, b: UnsafePointer<Self>, ldb: Int,
        beta: Self, c: UnsafeMutablePointer<Self>, ldc: Int
    ) {
        let byRows = m >= n
        let parts = GemmSplit.parts(m: m, n: n, k: k, along: byRows ? m : n)
        if parts == 1 {
            blasGemm(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: alpha,
                     a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
            return
        }
        let chunk = GemmSplit.chunk(byRows ? m : n, parts: parts)
        KernelLoop.run(items: parts) { part in
            let start = part * chunk
            let count = min(chunk, (byRows ? m : n) - start)
            guard count > 0 else { return }
            if byRows {
                // Rows of op(A): rows of A as stored, or its columns when transposed.
                blasGemm(transposeA: transposeA, transposeB: transposeB, m: count, n: n, k: k, alpha: alpha,
                         a: a + (transposeA ? start : start * lda), lda: lda, b: b, ldb: ldb, beta: beta,
                         c: c + start * ldc, ldc: ldc)
            } else {
                // Columns of op(B): columns of B as stored, or its rows when transposed.
                blasGemm(transposeA: transposeA, transposeB: transposeB, m: m, n: count, k: k, alpha: alpha,
                         a: a, lda: lda, b: b + (transposeB ? start * ldb : start), ldb: ldb, beta: beta,
                         c: c + start, ldc: ldc)
            }
        }
    }
}

/// How a product is cut into blocks.
enum GemmSplit {
    /// Products below this many multiply-adds (`m·n·k`) run as one call: splitting them costs
    /// more in waking a thread than it saves (a 1M multiply-add product takes about 15 µs on
    /// one core). OpenBLAS 0.3.21 threads its own GEMM above a quarter of this (262,144).
    static let minimumMultiplyAdds = 1 << 20

    /// Blocks are whole multiples of this many rows or columns (a multiple of every OpenBLAS
    /// x86-64 micro-kernel's tile), so no block ends in a partial tile but the last.
    static let alignment = 16

    /// The number of blocks for a product whose split dimension is `along`.
    static func parts(m: Int, n: Int, k: Int, along: Int) -> Int {
        guard m * n * k >= minimumMultiplyAdds, along >= 2 * alignment, !KernelLoop.inWorker else { return 1 }
        return max(1, min(Heed.threads, along / alignment))
    }

    /// Rows (or columns) per block: `total / parts` rounded up to the alignment.
    static func chunk(_ total: Int, parts: Int) -> Int {
        let even = (total + parts - 1) / parts
        return (even + alignment - 1) / alignment * alignment
    }
}
