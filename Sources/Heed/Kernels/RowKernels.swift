import CHeedSupport

// The element loops that `Float` runs as C vector kernels, with their plain twins: the
// `TensorScalar` requirements are the seam, so generic code calls `Scalar.softmaxRow` and the
// type picks its kernel, with no type tests or casts at the call site.

extension TensorScalar {
    /// `false`: the tiled attention kernels are float32 code.
    public static var runsTiledAttention: Bool { false }

    /// Each element converted to `Float`.
    public static func tiledAttentionInput(_ x: [Self]) -> [Float] { x.map { Float($0) } }

    /// Each element converted from `Float`.
    public static func tiledAttentionOutput(_ x: [Float]) -> [Self] { x.map { Self($0) } }

    /// The plain softmax of one row (also `Double`'s).
    public static func softmaxRow(_ row: UnsafeMutablePointer<Self>, count: Int) {
        var m = -Self.infinity
        for j in 0..<count { m = Swift.max(m, row[j]) }
        var sum: Self = 0
        for j in 0..<count {
            let e = Self.exp(row[j] - m)
            row[j] = e
            sum += e
        }
        let r = 1 / sum
        for j in 0..<count { row[j] *= r }
    }

    /// The plain softmax backward of one row (also `Double`'s).
    public static func softmaxBackwardRow(_ g: UnsafeMutablePointer<Self>, weights w: UnsafePointer<Self>, count: Int) {
        var dot: Self = 0
        for j in 0..<count { dot += g[j] * w[j] }
        for j in 0..<count { g[j] = w[j] * (g[j] - dot) }
    }

    /// The plain Adam step (also `Double`'s).
    public static func adamStep(weights w: UnsafeMutablePointer<Self>, m: UnsafeMutablePointer<Self>,
                                v: UnsafeMutablePointer<Self>, gradient g: UnsafePointer<Self>, count: Int,
                                alpha: Self, c1: Self, c2: Self, epsilon: Self) {
        for i in 0..<count {
            let gi = g[i]
            let mi = m[i] + (gi - m[i]) * c1
            let vi = v[i] + (gi * gi - v[i]) * c2
            m[i] = mi
            v[i] = vi
            w[i] -= (mi * alpha) / (vi.squareRoot() + epsilon)
        }
    }
}

/// `Float`'s element loops: the C vector kernels behind the `TensorScalar` requirements.
extension Float {
    /// `true`: the tiled attention kernels run `Float` tensors.
    public static var runsTiledAttention: Bool { true }

    /// The same array.
    public static func tiledAttentionInput(_ x: [Float]) -> [Float] { x }

    /// The same array.
    public static func tiledAttentionOutput(_ x: [Float]) -> [Float] { x }

    /// The softmax of one row through the vector kernel (`heed_softmax_row_f32`).
    public static func softmaxRow(_ row: UnsafeMutablePointer<Float>, count: Int) {
        heed_softmax_row_f32(row, count)
    }

    /// The softmax backward of one row through the vector kernel.
    public static func softmaxBackwardRow(_ g: UnsafeMutablePointer<Float>, weights w: UnsafePointer<Float>, count: Int) {
        heed_softmax_backward_row_f32(g, w, count)
    }

    /// The Adam step through the vector kernel (Swift's generic square root is a libm call,
    /// which keeps the plain loop scalar).
    public static func adamStep(weights w: UnsafeMutablePointer<Float>, m: UnsafeMutablePointer<Float>,
                                v: UnsafeMutablePointer<Float>, gradient g: UnsafePointer<Float>, count: Int,
                                alpha: Float, c1: Float, c2: Float, epsilon: Float) {
        heed_adam_step_f32(w, m, v, g, count, alpha, c1, c2, epsilon)
    }
}
