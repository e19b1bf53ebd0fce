/// How gradients are clipped before an optimizer uses them (Keras' `clipvalue`, `clipnorm`,
/// `global_clipnorm`).
public enum GradientClipping: Sendable, Equatable {
    /// No clipping.
    case none
    /// Each element clamped to `[-limit, limit]`.
    case byValue(Double)
    /// Each gradient tensor rescaled to an L2 norm of at most `limit`.
    case byNorm(Double)
    /// All gradients rescaled together so that their joint L2 norm is at most `limit`.
    case byGlobalNorm(Double)

    /// Clips the gradients in place.
    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func apply<Scalar: TensorScalar>(to gradients: inout [[Scalar]]) {
        switch self {
        case .none:
            return
        case let .byValue(limit):
            let l = Scalar(limit)
            for i in gradients.indices {
                gradients[i].withUnsafeMutableBufferPointer { g in
                    for j in 0..<g.count { g[j] = Swift.min(Swift.max(g[j], -l), l) }
                }
            }
        case let .byNorm(limit):
            for i in gradients.indices {
                let norm = Self.squaredNorm(gradients[i]).squareRoot()
                Self.scale(&gradients[i], by: limit / Swift.max(norm, limit))
            }
        case let .byGlobalNorm(limit):
            let norm = gradients.reduce(0) { $0 + Self.squaredNorm($1) }.squareRoot()
            let factor = limit / Swift.max(norm, limit)
            for i in gradients.indices { Self.scale(&gradients[i], by: factor) }
        }
    }

    static func squaredNorm<Scalar: TensorScalar>(_ values: [Scalar]) -> Double {
        values.withUnsafeBufferPointer { g in
            var s = 0.0
            for x in g { s += Double(x) * Double(x) }
            return s
        }
    }

    static func scale<Scalar: TensorScalar>(_ values: inout [Scalar], by factor: Double) {
        guard factor != 1 else { return }
        let f = Scalar(factor)
        values.withUnsafeMutableBufferPointer { g in
            for j in 0..<g.count { g[j] *= f }
        }
    }
}
