/// RMSprop as in tf-keras 2.x (`RMSprop`).
///
/// `velocity ← ρ·velocity + (1 − ρ)·g²`; centered: `avg ← ρ·avg + (1 − ρ)·g` and the
/// denominator is `velocity − avg² + ε`, else `velocity + ε`;
/// `increment = lr·g/sqrt(denominator)`; with momentum `mom ← μ·mom + increment`, `w ← w − mom`,
/// else `w ← w − increment`.
public final class RMSprop<Scalar: TensorScalar>: Optimizer<Scalar> {
    /// Decay of the squared-gradient average (default 0.9).
    public let rho: Double
    /// Momentum factor (default 0).
    public let momentum: Double
    /// Added inside the square root (default 1e-7).
    public let epsilon: Double
    /// Whether to subtract the squared mean gradient (default false).
    public let centered: Bool

    /// RMSprop with Keras' defaults.
    public init(learningRate: Double = 0.001, rho: Double = 0.9, momentum: Double = 0, epsilon: Double = 1e-7,
                centered: Bool = false, clipping: GradientClipping = .none) {
        self.rho = rho
        self.momentum = momentum
        self.epsilon = epsilon
        self.centered = centered
        super.init(schedule: .constant(learningRate), clipping: clipping)
    }

    /// RMSprop following a learning-rate schedule.
    public init(schedule: LearningRateSchedule, rho: Double = 0.9, momentum: Double = 0, epsilon: Double = 1e-7,
                centered: Bool = false, clipping: GradientClipping = .none) {
        self.rho = rho
        self.momentum = momentum
        self.epsilon = epsilon
        self.centered = centered
        super.init(schedule: schedule, clipping: clipping)
    }

    /// Keras' class name.
    public override var kerasName: String { "RMSprop" }
    /// The slots kept per parameter, with Keras' names.
    public override var slotNames: [String] {
        ["velocity"] + (momentum > 0 ? ["momentum"] : []) + (centered ? ["average_gradient"] : [])
    }

    /// Applies this optimizer's formula to one parameter.
    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public override func update(weights: inout [Scalar], gradient: [Scalar], slots: inout [String: [Scalar]],
                                learningRate: Double, step: Int) {
        let r = Scalar(rho), mu = Scalar(momentum), eps = Scalar(epsilon), lr = Scalar(learningRate)
        var velocity = slots.removeValue(forKey: "velocity") ?? []
        var mom = slots.removeValue(forKey: "momentum") ?? []
        var average = slots.removeValue(forKey: "average_gradient") ?? []
        let useMomentum = momentum > 0, isCentered = centered
        weights.withUnsafeMutableBufferPointer { w in
            velocity.withUnsafeMutableBufferPointer { vel in
                mom.withUnsafeMutableBufferPointer { mo in
                    average.withUnsafeMutableBufferPointer { avg in
                        gradient.withUnsafeBufferPointer { g in
                            for i in 0..<w.count {
                                vel[i] = r * vel[i] + (1 - r) * g[i] * g[i]
                                var denominator = vel[i] + eps
                                if isCentered {
                                    avg[i] = r * avg[i] + (1 - r) * g[i]
                                    denominator = vel[i] - avg[i] * avg[i] + eps
                                }
                                let increment = g[i] * lr / denominator.squareRoot()
                                if useMomentum {
                                    mo[i] = mu * mo[i] + increment
                                    w[i] -= mo[i]
                                } else {
                                    w[i] -= increment
                                }
                            }
                        }
                    }
                }
            }
        }
        slots["velocity"] = velocity
        if useMomentum { slots["momentum"] = mom }
        if isCentered { slots["average_gradient"] = average }
    }
}
