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
            if hasBias { grads.append(needBias ? Tensor(uncheckedShape: [n], scalars: columnSums(g.scalars, rows: rows, n: n)) : nil) }
            return grads
        }
    }

    /// `x [rows, k] · kernel [k, n] (+ bias [n] on every row)`, values only.
    static func affineRows(_ x: [Scalar], rows: Int, kernel: [Scalar], k: Int, n: Int, bias: [Scalar]?) -> [Scalar] {
        [Scalar](unsafeUninitializedCapacity: rows * n) { out, initialized in
            initialized = rows * n
            guard let c = out.baseAddress, rows > 0, n > 0 else { return }
            if let bias {
                bias.withUnsafeBufferPointer { b in
                    for r in 0..<rows { (c + r * n).update(from: b.baseAddress!, count: n) }
                }
            } else if k == 0 {
                c.initialize(repeating: 0, count: rows * n)
            }
            guard k > 0 else { return }
            x.withUnsafeBufferPointer { a in
                kernel.withUnsafeBufferPointer { b in
                    Scalar.gemm(transposeA: false, transposeB: false, m: rows, n: n, k: k, alpha: 1,
                                a: a.baseAddress!, lda: k, b: b.baseAddress!, ldb: n,
                                beta: bias == nil ? 0 : 1, c: c, ldc: n)
                }
            }
        }
    }

    /// `dx = dy · kernelᵀ`, shaped like the input.
    static func linearGradInput(_ g: Tensor, kernel: Tensor, rows: Int, inputShape: [Int]) -> Tensor {
        let (k, n) = (kernel.shape[0], kernel.shape[1])
        let dx = [Scalar](unsafeUninitializedCapacity: rows * k) { out, initialized in
            initialized = rows * k
            guard let c = out.baseAddress, rows > 0, k > 0 else { return }
            guard n > 0 else { return c.initialize(repeating: 0, count: rows * k) }
            g.scalars.withUnsafeBufferPointer { pg in
                kernel.scalars.withUnsafeBufferPointer { pk in
                    Scalar.gemm(transposeA: false, transposeB: true, m: rows, n: k, k: n, alpha: 1,
                                a: pg.baseAddress!, lda: n, b: pk.baseAddress!, ldb: n, beta: 0, c: c, ldc: k)
                }
            }
        }
        return Tensor(uncheckedShape: inputShape, scalars: dx)
    }

    /// `dkernel = xᵀ · dy` over all rows.
    static func linearGradKernel(_ g: Tensor, input: Tensor, rows: Int, k: Int, n: Int) -> Tensor {
        let dw = [Scalar](unsafeUninitializedCapacity: k * n) { out, initialized in
            initialized = k * n
            guard let c = out.baseAddress, k > 0, n > 0 else { return }
            guard rows > 0 else { return c.initialize(repeating: 0, count: k * n) }
            input.scalars.withUnsafeBufferPointer { pa in
                g.scalars.withUnsafeBufferPointer { pg in
                    Scalar.gemm(transposeA: true, transposeB: false, m: k, n: n, k: rows, alpha: 1,
                                a: pa.baseAddress!, lda: k, b: pg.baseAddress!, ldb: n, beta: 0, c: c, ldc: n)
                }
            }
        }
        return Tensor(uncheckedShape: [k, n], scalars: dw)
    }

    /// The sums of the `n` columns of a row-major `[rows, n]` array.
    static func columnSums(_ x: [Scalar], rows: Int, n: Int) -> [Scalar] {
        var sums = [Scalar](repeating: 0, count: n)
        x.withUnsafeBufferPointer { px in
            sums.withUnsafeMutableBufferPointer { ps in
                guard let s = ps.baseAddress, let p = px.baseAddress else { return }
                for r in 0..<rows {
                    let row = p + r * n
                    for j in 0..<n { s[j] += row[j] }
                }
            }
        }
        return sums
    }
}
