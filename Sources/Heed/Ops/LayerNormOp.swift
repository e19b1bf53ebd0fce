extension Tensor {
    /// Layer normalisation of each row of `features` trailing elements, fused into one pass per
    /// row with its own pullback (the composite of mean, variance and division is its slow twin).
    ///
    /// `y = (x − mean) / sqrt(var + epsilon) · gamma + beta`, two-pass mean and biased variance
    /// per row.
    ///
    /// Shapes: `x [..., features]` viewed as `[rows, features]`; `gamma`, `beta` with
    /// `features` elements (any shape) → the shape of `x`.
    ///
    /// Gradients, with `x̂` the normalised row and `ĝ = g · gamma`:
    /// `dx = (ĝ − mean(ĝ) − x̂ · mean(ĝ · x̂)) / sqrt(var + epsilon)`, `dgamma = Σ_rows g · x̂`,
    /// `dbeta = Σ_rows g`.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    static func layerNormRows(_ x: Tensor, features n: Int, gamma: Tensor?, beta: Tensor?, epsilon: Scalar) -> Tensor {
        precondition(n > 0 && x.count % n == 0, "layerNormRows: \(x.shape) does not split into rows of \(n)")
        precondition(gamma.map { $0.count == n } ?? true && beta.map { $0.count == n } ?? true,
                     "layerNormRows: gamma/beta must have \(n) elements")
        let rows = x.count / n
        var normalized = [Scalar](repeating: 0, count: x.count)
        var inverseStd = [Scalar](repeating: 0, count: rows)
        var y = [Scalar](repeating: 0, count: x.count)
        let gammaValues = gamma?.scalars ?? [Scalar](repeating: 1, count: n)
        let betaValues = beta?.scalars ?? [Scalar](repeating: 0, count: n)
        x.scalars.withUnsafeBufferPointer { px in
            normalized.withUnsafeMutableBufferPointer { ph in
                y.withUnsafeMutableBufferPointer { py in
                    inverseStd.withUnsafeMutableBufferPointer { pinv in
                        gammaValues.withUnsafeBufferPointer { pgam in
                            betaValues.withUnsafeBufferPointer { pbet in
                                guard let x0 = px.baseAddress, let h0 = ph.baseAddress, let y0 = py.baseAddress,
                                      let gam = pgam.baseAddress, let bet = pbet.baseAddress else { return }
                                for r in 0..<rows {
                                    let xr = x0 + r * n, hr = h0 + r * n, yr = y0 + r * n
                                    let mean = rowSum(xr, n) / Scalar(n)
                                    for i in 0..<n { hr[i] = xr[i] - mean }
                                    let inv = 1 / (rowDot(hr, hr, n) / Scalar(n) + epsilon).squareRoot()
                                    pinv[r] = inv
                                    for i in 0..<n {
                                        let h = hr[i] * inv
                                        hr[i] = h
                                        yr[i] = h * gam[i] + bet[i]
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        let result = Tensor(uncheckedShape: x.shape, scalars: y)
        var inputs = [x]
        if let gamma { inputs.append(gamma) }
        if let beta { inputs.append(beta) }
        let gammaShape = gamma?.shape, betaShape = beta?.shape
        return record(result, inputs: inputs, label: "layerNorm") { g in
            var dx = [Scalar](repeating: 0, count: rows * n)
            var dGamma = [Scalar](repeating: 0, count: n)
            var dBeta = [Scalar](repeating: 0, count: n)
            var scaled = [Scalar](repeating: 0, count: n)
            g.scalars.withUnsafeBufferPointer { pg in
                normalized.withUnsafeBufferPointer { ph in
                    dx.withUnsafeMutableBufferPointer { pdx in
                        dGamma.withUnsafeMutableBufferPointer { pdg in
                            dBeta.withUnsafeMutableBufferPointer { pdb in
                                scaled.withUnsafeMutableBufferPointer { psc in
                                    inverseStd.withUnsafeBufferPointer { pinv in
                                        gammaValues.withUnsafeBufferPointer { pgam in
                                            guard let g0 = pg.baseAddress, let h0 = ph.baseAddress, let dx0 = pdx.baseAddress,
                                                  let dg = pdg.baseAddress, let db = pdb.baseAddress,
                                                  let sc = psc.baseAddress, let gam = pgam.baseAddress else { return }
                                            for r in 0..<rows {
                                                let gr = g0 + r * n, hr = h0 + r * n, dxr = dx0 + r * n
                                                for i in 0..<n {
                                                    db[i] += gr[i]
                                                    dg[i] += gr[i] * hr[i]
                                                    sc[i] = gr[i] * gam[i]
                                                }
                                                let meanG = rowSum(sc, n) / Scalar(n)
                                                let meanGH = rowDot(sc, hr, n) / Scalar(n)
                                                let inv = pinv[r]
                                                for i in 0..<n { dxr[i] = (sc[i] - meanG - hr[i] * meanGH) * inv }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            var grads: [Tensor?] = [Tensor(uncheckedShape: g.shape, scalars: dx)]
            if let gammaShape { grads.append(Tensor(uncheckedShape: gammaShape, scalars: dGamma)) }
            if let betaShape { grads.append(Tensor(uncheckedShape: betaShape, scalars: dBeta)) }
            return grads
        }
    }

    /// `Σ p[0..<n]` with eight partial sums, so the additions overlap (a single running sum waits
    /// on each add's latency).
    @inline(__always)
    static func rowSum(_ p: UnsafePointer<Scalar>, _ n: Int) -> Scalar {
        var s0: Scalar = 0, s1: Scalar = 0, s2: Scalar = 0, s3: Scalar = 0
        var s4: Scalar = 0, s5: Scalar = 0, s6: Scalar = 0, s7: Scalar = 0
        var i = 0
        while i + 8 <= n {
            s0 += p[i]; s1 += p[i + 1]; s2 += p[i + 2]; s3 += p[i + 3]
            s4 += p[i + 4]; s5 += p[i + 5]; s6 += p[i + 6]; s7 += p[i + 7]
            i += 8
        }
        while i < n { s0 += p[i]; i += 1 }
        return ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7))
    }

    /// `Σ a[i] · b[i]` over `n` elements, with eight partial sums as ``rowSum(_:_:)``.
    @inline(__always)
    static func rowDot(_ a: UnsafePointer<Scalar>, _ b: UnsafePointer<Scalar>, _ n: Int) -> Scalar {
        var s0: Scalar = 0, s1: Scalar = 0, s2: Scalar = 0, s3: Scalar = 0
        var s4: Scalar = 0, s5: Scalar = 0, s6: Scalar = 0, s7: Scalar = 0
        var i = 0
        while i + 8 <= n {
            s0 += a[i] * b[i]; s1 += a[i + 1] * b[i + 1]; s2 += a[i + 2] * b[i + 2]; s3 += a[i + 3] * b[i + 3]
            s4 += a[i + 4] * b[i + 4]; s5 += a[i + 5] * b[i + 5]; s6 += a[i + 6] * b[i + 6]; s7 += a[i + 7] * b[i + 7]
            i += 8
        }
        while i < n { s0 += a[i] * b[i]; i += 1 }
        return ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7))
    }
}
