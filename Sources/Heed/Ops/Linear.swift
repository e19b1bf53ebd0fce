extension Tensor {
    /// `x · kernel + bias` over the last axis of `x`, as one op (a dense layer's affine map).
    ///
    /// The bias rows are written into the output first and the GEMM adds the product onto them
    /// (BLAS `beta = 1`), so no separate broadcast add reads and writes the output again. The
    /// leading axes of `x` fold into the GEMM's rows. The pullback gives `dx = dy · kernelᵀ`,
    /// `dkernel = xᵀ · dy` and `dbias = Σ_rows dy`.
    ///
    /// Shapes: `x [..., K]`, `kernel [K, N]`, `bias [N]` (optional) → `[..., N]`.
    ///
    /// - Throws: ``TensorError/invalidRank(operation:expected:shape:)`` when `x` is a scalar or
    ///   `kernel` is not a matrix; ``TensorError/shapeMismatch(operation:lhs:rhs:)`` when `x`'s
    ///   last axis is not the kernel's first or the bias is not `[N]`.
    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public static func linear(_ x: Tensor, kernel: Tensor, bias: Tensor? = nil) throws -> Tensor {
        guard x.rank >= 1 else {
            throw TensorError.invalidRank(operation: "linear input", expected: "rank ≥ 1 [..., K]", shape: x.shape)
        }
        guard kernel.rank == 2 else {
            throw TensorError.invalidRank(operation: "linear kernel", expected: "rank 2 [K, N]", shape: kernel.shape)
        }
        let (k, n) = (kernel.shape[0], kernel.shape[1])
        guard x.shape[x.rank - 1] == k else {
            throw TensorError.shapeMismatch(operation: "linear: input last axis vs kernel [K, N]", lhs: x.shape, rhs: kernel.shape)
        }
        if let bias, bias.shape != [n] {
            throw TensorError.shapeMismatch(operation: "linear: bias vs kernel [K, N]", lhs: bias.shape, rhs: kernel.shape)
        }
        let rows = Shape.count(Array(x.shape.dropLast()))
        let y = affineRows(x.scalars, rows: rows, kernel: kernel.scalars, k: k, n: n, bias: bias?.scalars)
        let result = Tensor(uncheckedShape: Array(x.shape.dropLast()) + [n], scalars: y)
        let xv = x.detached, kv = kernel.detached
        let needX = x.node != nil, needKernel = kernel.node != nil, needBias = bias?.node != nil
        let hasBias = bias != nil
        return record(result, inputs: [x, kernel] + (bias.map { [$0] } ?? []), label: "linear") { g in
            var grads: [Tensor?] = [
                needX ? linearGradInput(g, kernel: kv, rows: rows, inputShape: xv.shape) : nil,
                needKernel ? linearGradKernel(g, input: xv, rows: rows, k: k, n: n) : nil,
            ]
            if hasBias { grads.append(needBias ? g.summed(toShape: [n]) : nil) }
            return grads
        }
    }

    /// `x [rows, k] · kernel [k, n] (+ bias [n] on every row)`, values only.
    static func affineRows(_ x: [Scalar], rows: Int, kernel: [Scalar], k: Int, n: Int, bias: [Scalar]?) -> [Scalar] {
        guard let bias else {
            return product(m: rows, n: n, k: k, x, transposeA: false, lda: k, kernel, transposeB: false, ldb: n)
        }
        return [Scalar].uninitialized(count: rows * n) { c in
            bias.withUnsafeBufferPointer { b in
                for r in 0..<rows { (c + r * n).update(from: b.baseAddress!, count: n) }
            }
            guard k > 0 else { return }
            x.withUnsafeBufferPointer { a in
                kernel.withUnsafeBufferPointer { b in
                    Scalar.gemm(transposeA: false, transposeB: false, m: rows, n: n, k: k, alpha: 1,
                                a: a.baseAddress!, lda: k, b: b.baseAddress!, ldb: n, beta: 1, c: c, ldc: n)
                }
            }
        }
    }

    /// `dx = dy · kernelᵀ`, shaped like the input.
    static func linearGradInput(_ g: Tensor, kernel: Tensor, rows: Int, inputShape: [Int]) -> Tensor {
        let (k, n) = (kernel.shape[0], kernel.shape[1])
        return Tensor(uncheckedShape: inputShape, scalars: product(
            m: rows, n: k, k: n, g.scalars, transposeA: false, lda: n, kernel.scalars, transposeB: true, ldb: n))
    }

    /// `dkernel = xᵀ · dy` over all rows.
    static func linearGradKernel(_ g: Tensor, input: Tensor, rows: Int, k: Int, n: Int) -> Tensor {
        Tensor(uncheckedShape: [k, n], scalars: product(
            m: k, n: n, k: rows, input.scalars, transposeA: true, lda: k, g.scalars, transposeB: false, ldb: n))
    }

    /// `op(A) · op(B)` as a new row-major `[m, n]` array (zeros when the inner size is 0).
    static func product(m: Int, n: Int, k: Int, _ a: [Scalar], transposeA: Bool, lda: Int,
                        _ b: [Scalar], transposeB: Bool, ldb: Int) -> [Scalar] {
        [Scalar].uninitialized(count: m * n) { c in
            guard k > 0 else { return c.initialize(repeating: 0, count: m * n) }
            a.withUnsafeBufferPointer { pa in
                b.withUnsafeBufferPointer { pb in
                    Scalar.gemm(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: 1,
                                a: pa.baseAddress!, lda: lda, b: pb.baseAddress!, ldb: ldb, beta: 0, c: c, ldc: n)
                }
            }
        }
    }
}
