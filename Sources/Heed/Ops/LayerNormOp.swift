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
        let gammaValues = gamma?.scalars, betaValues = beta?.scalars
        x.scalars.withUnsafeBufferPointer { px in
            normalized.withUnsafeMutableBufferPointer { ph in
                y.withUnsafeMutableBufferPointer { py in
                    for r in 0..<rows {
                        let base = r * n
                        var sum: Scalar = 0
                        for i in 0..<n { sum += px[base + i] }
                        let mean = sum / Scalar(n)
                        var squares: Scalar = 0
                        for i in 0..<n {
                            let d = px[base + i] - mean
                            squares += d * d
                        }
                        let inv = 1 / (squares / Scalar(n) + epsilon).squareRoot()
                        inverseStd[r] = inv
                        for i in 0..<n {
                            let h = (px[base + i] - mean) * inv
                            ph[base + i] = h
                            var v = h
                            if let gammaValues { v *= gammaValues[i] }
                            if let betaValues { v += betaValues[i] }
                            py[base + i] = v
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
            let scale = gammaValues ?? [Scalar](repeating: 1, count: n)
            g.scalars.withUnsafeBufferPointer { pg in
                normalized.withUnsafeBufferPointer { ph in
                    dx.withUnsafeMutableBufferPointer { pdx in
                        for r in 0..<rows {
                            let base = r * n
                            var meanG: Scalar = 0, meanGH: Scalar = 0
                            for i in 0..<n {
                                let gi = pg[base + i]
                                dBeta[i] += gi
                                dGamma[i] += gi * ph[base + i]
                                let scaled = gi * scale[i]
                                meanG += scaled
                                meanGH += scaled * ph[base + i]
                            }
                            meanG /= Scalar(n)
                            meanGH /= Scalar(n)
                            let inv = inverseStd[r]
                            for i in 0..<n {
                                let scaled = pg[base + i] * scale[i]
                                pdx[base + i] = (scaled - meanG - ph[base + i] * meanGH) * inv
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
}
