extension Tensor {
    /// Softmax or log-softmax along one axis given as (outer, size, inner), max-subtracted.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    static func softmaxValues(_ x: [Scalar], outer: Int, n: Int, inner: Int, log: Bool) -> [Scalar] {
        var out = [Scalar](repeating: 0, count: x.count)
        x.withUnsafeBufferPointer { p in
            out.withUnsafeMutableBufferPointer { po in
                for o in 0..<outer {
                    for i in 0..<inner {
                        let base = o * n * inner + i
                        var m = -Scalar.infinity
                        for k in 0..<n { m = Swift.max(m, p[base + k * inner]) }
                        var s: Scalar = 0
                        for k in 0..<n {
                            let e = Scalar.exp(p[base + k * inner] - m)
                            po[base + k * inner] = e
                            s += e
                        }
                        if log {
                            // (x − m) − log s keeps the precision of x − m, unlike x − (m + log s).
                            let logS = Scalar.log(s)
                            for k in 0..<n { po[base + k * inner] = (p[base + k * inner] - m) - logS }
                        } else {
                            let r = 1 / s
                            for k in 0..<n { po[base + k * inner] *= r }
                        }
                    }
                }
            }
        }
        return out
    }

    /// The softmax along `axis` (default the last), computed with the maximum subtracted.
    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func softmax(alongAxis axis: Int = -1) throws -> Tensor {
        let ax = try Shape.normalize(axis: axis, rank: rank, operation: "softmax")
        let (outer, n, inner) = Shape.split(shape, axis: ax)
        let y = Tensor(uncheckedShape: shape, scalars: Tensor.softmaxValues(scalars, outer: outer, n: n, inner: inner, log: false))
        let yv = y.detached
        return Tensor.record(y, inputs: [self], label: "softmax") { g in
            // dx = y ⊙ (g − Σ_k g_k y_k)
            var dx = [Scalar](repeating: 0, count: g.count)
            for o in 0..<outer {
                for i in 0..<inner {
                    let base = o * n * inner + i
                    var dot: Scalar = 0
                    for k in 0..<n { dot += g.scalars[base + k * inner] * yv.scalars[base + k * inner] }
                    for k in 0..<n {
                        dx[base + k * inner] = yv.scalars[base + k * inner] * (g.scalars[base + k * inner] - dot)
                    }
                }
            }
            return [Tensor(uncheckedShape: g.shape, scalars: dx)]
        }
    }

    /// The log-softmax along `axis` (default the last), computed as `x − max − log Σ e^(x−max)`.
    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func logSoftmax(alongAxis axis: Int = -1) throws -> Tensor {
        let ax = try Shape.normalize(axis: axis, rank: rank, operation: "logSoftmax")
        let (outer, n, inner) = Shape.split(shape, axis: ax)
        let y = Tensor(uncheckedShape: shape, scalars: Tensor.softmaxValues(scalars, outer: outer, n: n, inner: inner, log: true))
        let yv = y.detached
        return Tensor.record(y, inputs: [self], label: "logSoftmax") { g in
            // dx = g − softmax(x) · Σ_k g_k
            var dx = [Scalar](repeating: 0, count: g.count)
            for o in 0..<outer {
                for i in 0..<inner {
                    let base = o * n * inner + i
                    var s: Scalar = 0
                    for k in 0..<n { s += g.scalars[base + k * inner] }
                    for k in 0..<n {
                        let idx = base + k * inner
                        dx[idx] = g.scalars[idx] - Scalar.exp(yv.scalars[idx]) * s
                    }
                }
            }
            return [Tensor(uncheckedShape: g.shape, scalars: dx)]
        }
    }
}
