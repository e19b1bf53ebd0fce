/// The layout of one batched matrix product, resolved from the operand shapes.
struct MatmulPlan {
    let m: Int, n: Int, k: Int
    let batchShape: [Int]
    let batchCount: Int
    /// Element offsets of each batch's A, B matrices.
    let aOffsets: [Int], bOffsets: [Int]
    /// Whether A's batch axes fold into its rows (B has no batch axes, A is not transposed).
    let foldsIntoRows: Bool

    init(a: [Int], b: [Int], transposeA: Bool, transposeB: Bool) throws {
        guard a.count >= 2, b.count >= 2 else {
            throw TensorError.invalidRank(operation: "matmul", expected: "rank ≥ 2 operands", shape: a.count < 2 ? a : b)
        }
        let (ar, ac) = (a[a.count - 2], a[a.count - 1])
        let (br, bc) = (b[b.count - 2], b[b.count - 1])
        m = transposeA ? ac : ar
        k = transposeA ? ar : ac
        let kb = transposeB ? bc : br
        n = transposeB ? br : bc
        guard k == kb else { throw TensorError.shapeMismatch(operation: "matmul", lhs: a, rhs: b) }
        let aBatch = Array(a.dropLast(2)), bBatch = Array(b.dropLast(2))
        batchShape = try Shape.broadcast(aBatch, bBatch, operation: "matmul")
        batchCount = Shape.count(batchShape)
        foldsIntoRows = bBatch.isEmpty && !transposeA && !aBatch.isEmpty
        let sa = Shape.broadcastStrides(aBatch, to: batchShape)
        let sb = Shape.broadcastStrides(bBatch, to: batchShape)
        var ao = [Int](), bo = [Int]()
        ao.reserveCapacity(batchCount)
        bo.reserveCapacity(batchCount)
        let aSize = ar * ac, bSize = br * bc
        if batchShape.isEmpty {
            ao = [0]
            bo = [0]
        } else {
            forEachBroadcastRun(shape: batchShape, strides: [sa, sb]) { _, offs, count, st in
                for j in 0..<count {
                    ao.append((offs[0] + j * st[0]) * aSize)
                    bo.append((offs[1] + j * st[1]) * bSize)
                }
            }
        }
        aOffsets = ao
        bOffsets = bo
    }
}

extension Tensor {
    /// `C[i] = op(A[i]) · op(B[i])` over every batch of the plan, through BLAS (values only).
    static func gemmBatched(
        _ a: [Scalar], _ b: [Scalar], plan p: MatmulPlan, transposeA: Bool, transposeB: Bool,
        aCols: Int, bCols: Int
    ) -> [Scalar] {
        // BLAS overwrites C when beta is 0, so the result need not be zero-filled first.
        var c = [Scalar].uninitialized(count: p.batchCount * p.m * p.n) { buffer in
            if p.k == 0 { buffer.initialize(repeating: 0, count: p.batchCount * p.m * p.n) }
        }
        a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                c.withUnsafeMutableBufferPointer { pc in
                    guard let baseA = pa.baseAddress, let baseB = pb.baseAddress, let baseC = pc.baseAddress,
                          p.m > 0, p.n > 0, p.k > 0 else { return }
                    if p.foldsIntoRows {
                        Scalar.gemm(transposeA: false, transposeB: transposeB, m: p.batchCount * p.m, n: p.n, k: p.k,
                                    alpha: 1, a: baseA, lda: aCols, b: baseB, ldb: bCols, beta: 0, c: baseC, ldc: p.n)
                        return
                    }
                    for i in 0..<p.batchCount {
                        Scalar.gemm(transposeA: transposeA, transposeB: transposeB, m: p.m, n: p.n, k: p.k,
                                    alpha: 1, a: baseA + p.aOffsets[i], lda: aCols, b: baseB + p.bOffsets[i],
                                    ldb: bCols, beta: 0, c: baseC + i * p.m * p.n, ldc: p.n)
                    }
                }
            }
        }
        return c
    }

    /// The matrix product over the last two axes, batched (with NumPy broadcasting) over the
    /// leading ones. Transposes are passed to BLAS as flags; nothing is copied to transpose.
    ///
    /// Shapes: `a [..., M, K]` (or `[..., K, M]` with `transposeA`), `b [..., K, N]` (or
    /// `[..., N, K]` with `transposeB`) → `[broadcast(...), M, N]`.
    ///
    /// - Throws: ``TensorError/shapeMismatch(operation:lhs:rhs:)`` when the inner sizes or the
    ///   batch axes do not fit.
    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public static func matmul(_ a: Tensor, _ b: Tensor, transposeA: Bool = false, transposeB: Bool = false) throws -> Tensor {
        let p = try MatmulPlan(a: a.shape, b: b.shape, transposeA: transposeA, transposeB: transposeB)
        let aCols = a.shape[a.rank - 1], bCols = b.shape[b.rank - 1]
        let c = gemmBatched(a.scalars, b.scalars, plan: p, transposeA: transposeA, transposeB: transposeB,
                            aCols: aCols, bCols: bCols)
        let result = Tensor(uncheckedShape: p.batchShape + [p.m, p.n], scalars: c)
        let av = a.detached, bv = b.detached
        let needA = a.node != nil, needB = b.node != nil
        return record(result, inputs: [a, b], label: "matmul") { g in
            [needA ? matmulGradA(g, av, bv, plan: p, transposeA: transposeA, transposeB: transposeB) : nil,
             needB ? matmulGradB(g, av, bv, plan: p, transposeA: transposeA, transposeB: transposeB) : nil]
        }
    }

    /// `d op(A) = dC · op(B)ᵀ`, laid out like A and summed over broadcast batch axes.
    static func matmulGradA(_ g: Tensor, _ a: Tensor, _ b: Tensor, plan p: MatmulPlan,
                            transposeA: Bool, transposeB: Bool) -> Tensor {
        let (m, n, k) = (p.m, p.n, p.k)
        var full = [Scalar](repeating: 0, count: p.batchCount * m * k)
        let bCols = b.shape[b.rank - 1]
        g.scalars.withUnsafeBufferPointer { pg in
            b.scalars.withUnsafeBufferPointer { pb in
                full.withUnsafeMutableBufferPointer { pf in
                    guard let G = pg.baseAddress, let B = pb.baseAddress, let F = pf.baseAddress, k > 0, m > 0 else { return }
                    if p.foldsIntoRows {
                        Scalar.gemm(transposeA: false, transposeB: !transposeB, m: p.batchCount * m, n: k, k: n,
                                    alpha: 1, a: G, lda: n, b: B, ldb: bCols, beta: 0, c: F, ldc: k)
                        return
                    }
                    for i in 0..<p.batchCount {
                        let gi = G + i * m * n, bi = B + p.bOffsets[i], fi = F + i * m * k
                        if transposeA {
                            // A is [K, M]: dA = op(B) · dCᵀ
                            Scalar.gemm(transposeA: transposeB, transposeB: true, m: k, n: m, k: n,
                                        alpha: 1, a: bi, lda: bCols, b: gi, ldb: n, beta: 0, c: fi, ldc: m)
                        } else {
                            Scalar.gemm(transposeA: false, transposeB: !transposeB, m: m, n: k, k: n,
                                        alpha: 1, a: gi, lda: n, b: bi, ldb: bCols, beta: 0, c: fi, ldc: k)
                        }
                    }
                }
            }
        }
        let aMat = Array(a.shape.suffix(2))
        return Tensor(uncheckedShape: p.batchShape + aMat, scalars: full).summed(toShape: a.shape)
    }

    /// `d op(B) = op(A)ᵀ · dC`, laid out like B and summed over broadcast batch axes.
    static func matmulGradB(_ g: Tensor, _ a: Tensor, _ b: Tensor, plan p: MatmulPlan,
                            transposeA: Bool, transposeB: Bool) -> Tensor {
        let (m, n, k) = (p.m, p.n, p.k)
        let aCols = a.shape[a.rank - 1]
        let bMat = Array(b.shape.suffix(2))
        if p.foldsIntoRows {
            // One GEMM over all rows: dB = A_flatᵀ · dC_flat (or its transpose).
            var out = [Scalar](repeating: 0, count: k * n)
            let rows = p.batchCount * m
            g.scalars.withUnsafeBufferPointer { pg in
                a.scalars.withUnsafeBufferPointer { pa in
                    out.withUnsafeMutableBufferPointer { po in
                        guard let G = pg.baseAddress, let A = pa.baseAddress, let O = po.baseAddress, rows > 0 else { return }
                        if transposeB {
                            Scalar.gemm(transposeA: true, transposeB: false, m: n, n: k, k: rows,
                                        alpha: 1, a: G, lda: n, b: A, ldb: aCols, beta: 0, c: O, ldc: k)
                        } else {
                            Scalar.gemm(transposeA: true, transposeB: false, m: k, n: n, k: rows,
                                        alpha: 1, a: A, lda: aCols, b: G, ldb: n, beta: 0, c: O, ldc: n)
                        }
                    }
                }
            }
            return Tensor(uncheckedShape: bMat, scalars: out)
        }
        var full = [Scalar](repeating: 0, count: p.batchCount * k * n)
        g.scalars.withUnsafeBufferPointer { pg in
            a.scalars.withUnsafeBufferPointer { pa in
                full.withUnsafeMutableBufferPointer { pf in
                    guard let G = pg.baseAddress, let A = pa.baseAddress, let F = pf.baseAddress, k > 0, n > 0 else { return }
                    for i in 0..<p.batchCount {
                        let gi = G + i * m * n, ai = A + p.aOffsets[i], fi = F + i * k * n
                        if transposeB {
                            // B is [N, K]: dB = dCᵀ · op(A)
                            Scalar.gemm(transposeA: true, transposeB: transposeA, m: n, n: k, k: m,
                                        alpha: 1, a: gi, lda: n, b: ai, ldb: aCols, beta: 0, c: fi, ldc: k)
                        } else {
                            Scalar.gemm(transposeA: !transposeA, transposeB: false, m: k, n: n, k: m,
                                        alpha: 1, a: ai, lda: aCols, b: gi, ldb: n, beta: 0, c: fi, ldc: n)
                        }
                    }
                }
            }
        }
        return Tensor(uncheckedShape: p.batchShape + bMat, scalars: full).summed(toShape: b.shape)
    }

    /// `self · other` over the last two axes; see ``matmul(_:_:transposeA:transposeB:)``.
    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func matmul(_ other: Tensor, transposeOther: Bool = false) throws -> Tensor {
        try Tensor.matmul(self, other, transposeB: transposeOther)
    }
}
