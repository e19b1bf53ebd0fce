extension Tensor {
    /// `e^x` elementwise.
    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func exp() -> Tensor {
        unary(label: "exp", { Scalar.exp($0) }, derivative: { _, y in y })
    }

    /// Natural logarithm elementwise.
    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func log() -> Tensor {
        unary(label: "log", { Scalar.log($0) }, derivative: { x, _ in 1 / x })
    }

    /// Square root elementwise.
    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func sqrt() -> Tensor {
        unary(label: "sqrt", { $0.squareRoot() }, derivative: { _, y in 1 / (2 * y) })
    }

    /// `x²` elementwise.
    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func squared() -> Tensor {
        unary(label: "square", { $0 * $0 }, derivative: { x, _ in 2 * x })
    }

    /// `x^exponent` elementwise for a scalar exponent.
    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func pow(_ exponent: Scalar) -> Tensor {
        unary(label: "pow", { Scalar.pow($0, exponent) },
              derivative: { x, _ in exponent * Scalar.pow(x, exponent - 1) })
    }

    /// Absolute value elementwise (gradient 0 at 0).
    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func abs() -> Tensor {
        unary(label: "abs", { Swift.abs($0) }, derivative: { x, _ in x > 0 ? 1 : (x < 0 ? -1 : 0) })
    }

    /// Hyperbolic tangent elementwise.
    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func tanh() -> Tensor {
        unary(label: "tanh", { Scalar.tanh($0) }, derivative: { _, y in 1 - y * y })
    }

    /// The logistic sigmoid `1 / (1 + e^-x)` elementwise, computed without overflow.
    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func sigmoid() -> Tensor {
        unary(label: "sigmoid", { Scalar.logistic($0) }, derivative: { _, y in y * (1 - y) })
    }

    /// `max(x, 0)` elementwise; the gradient at exactly 0 is 0, as in TensorFlow.
    ///
    /// NaN stays NaN (as in TensorFlow), so a diverging model shows its NaN loss instead of a
    /// layer silently turning it into zeros.
    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func relu() -> Tensor {
        // Its own pullback (not `unary`'s), so that the derivative is inlined into the loop.
        let x = detached
        return Tensor.record(map { $0 < 0 ? 0 : $0 }, inputs: [self], label: "relu") { g in
            [g.zipMap(x) { gi, xi in gi * (xi > 0 ? 1 : 0) }]
        }
    }

    /// The Gaussian error linear unit. `approximate: false` (Keras' default) is
    /// `x·Φ(x)` with the exact normal CDF; `true` is the tanh approximation.
    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func gelu(approximate: Bool = false) -> Tensor {
        let c = Scalar(0.7978845608028654)  // sqrt(2/pi)
        let invSqrt2 = Scalar(0.7071067811865476)
        let invSqrt2Pi = Scalar(0.3989422804014327)
        if approximate {
            return unary(label: "gelu(tanh)", { x in
                Scalar(0.5) * x * (1 + Scalar.tanh(c * (x + Scalar(0.044715) * x * x * x)))
            }, derivative: { x, _ in
                let u = c * (x + Scalar(0.044715) * x * x * x)
                let t = Scalar.tanh(u)
                let du = c * (1 + 3 * Scalar(0.044715) * x * x)
                return Scalar(0.5) * (1 + t) + Scalar(0.5) * x * (1 - t * t) * du
            })
        }
        return unary(label: "gelu", { x in
            Scalar(0.5) * x * (1 + Scalar.erf(x * invSqrt2))
        }, derivative: { x, _ in
            Scalar(0.5) * (1 + Scalar.erf(x * invSqrt2)) + x * invSqrt2Pi * Scalar.exp(-x * x / 2)
        })
    }
}

extension TensorScalar {
    /// `1 / (1 + e^-x)` without overflow: for negative `x` it is computed as `e^x / (1 + e^x)`.
    @inline(__always)
    static func logistic(_ x: Self) -> Self {
        if x >= 0 { return 1 / (1 + exp(-x)) }
        let e = exp(x)
        return e / (1 + e)
    }
}
