
/// Adam as in Keras (`Adam`): bias correction folded into the step size and ε added to
/// `sqrt(v)` without bias-correcting `v` (the "epsilon hat" form).
///
/// Per step `t` (1 for the first update): `m ← m + (g − m)(1 − β1)`,
/// `v ← v + (g² − v)(1 − β2)`, `α = lr·sqrt(1 − β2^t)/(1 − β1^t)`,
/// `w ← w − α·m/(sqrt(v) + ε)`; with AMSGrad `v̂ ← max(v̂, v)` replaces `v` in the last step.
public class Adam<Scalar: TensorScalar>: Optimizer<Scalar> {
    /// Decay of the first moment (default 0.9).
    public let beta1: Double
    /// Decay of the second moment (default 0.999).
    public let beta2: Double
    /// Added to `sqrt(v)` (default 1e-7).
    public let epsilon: Double
    /// Whether to use the running maximum of `v` (default false).
    public let amsgrad: Bool

    /// Adam with Keras' defaults.
    public init(learningRate: Double = 0.001, beta1: Double = 0.9, beta2: Double = 0.999,
                epsilon: Double = 1e-7, amsgrad: Bool = false, clipping: GradientClipping = .none) {
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.amsgrad = amsgrad
        super.init(schedule: .constant(learningRate), clipping: clipping)
    }

    /// Adam following a learning-rate schedule.
    public init(schedule: LearningRateSchedule, beta1: Double = 0.9, beta2: Double = 0.999,
                epsilon: Double = 1e-7, amsgrad: Bool = false, clipping: GradientClipping = .none) {
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.amsgrad = amsgrad
        super.init(schedule: schedule, clipping: clipping)
    }

    /// Keras' class name.
    public override var kerasName: String { "Adam" }
    /// The slots kept per parameter, with Keras' names.
    public override var slotNames: [String] { amsgrad ? ["m", "v", "vhat"] : ["m", "v"] }

    /// Applies this optimizer's formula to one parameter.
    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public override func update(weights: inout [Scalar], gradient: [Scalar], slots: inout [String: [Scalar]],
                                learningRate: Double, step: Int) {
        adamStep(weights: &weights, gradient: gradient, slots: &slots, learningRate: learningRate, step: step)
    }

    /// The Adam update shared with ``AdamW``.
    final func adamStep(weights: inout [Scalar], gradient: [Scalar], slots: inout [String: [Scalar]],
                        learningRate: Double, step: Int) {
        // Float32 arithmetic in the order tf-keras uses.
        let b1 = Scalar(beta1), b2 = Scalar(beta2), eps = Scalar(epsilon), t = Scalar(step)
        let alpha = Scalar(learningRate) * (1 - Scalar.pow(b2, t)).squareRoot() / (1 - Scalar.pow(b1, t))
        var m = slots.removeValue(forKey: "m") ?? [], v = slots.removeValue(forKey: "v") ?? []
        var vhat = amsgrad ? (slots.removeValue(forKey: "vhat") ?? []) : []
        let ams = amsgrad, count = weights.count
        weights.withUnsafeMutableBufferPointer { w in
            m.withUnsafeMutableBufferPointer { m in
                v.withUnsafeMutableBufferPointer { v in
                    vhat.withUnsafeMutableBufferPointer { vh in
                        gradient.withUnsafeBufferPointer { g in
                            guard let w = w.baseAddress, let m = m.baseAddress, let v = v.baseAddress,
                                  let g = g.baseAddress else { return }
                            let vh = vh.baseAddress
                            // Large weights (an embedding table) are updated in chunks on the
                            // kernel threads; each element's arithmetic is the same either way.
                            let c1 = 1 - b1, c2 = 1 - b2
                            KernelLoop.run(elements: count) { range in
                                guard ams, let vh else {
                                    Scalar.adamStep(weights: w + range.lowerBound, m: m + range.lowerBound,
                                                    v: v + range.lowerBound, gradient: g + range.lowerBound,
                                                    count: range.count, alpha: alpha, c1: c1, c2: c2, epsilon: eps)
                                    return
                                }
                                for i in range {
                                    m[i] += (g[i] - m[i]) * c1
                                    v[i] += (g[i] * g[i] - v[i]) * c2
                                    vh[i] = Swift.max(vh[i], v[i])
                                    w[i] -= (m[i] * alpha) / (vh[i].squareRoot() + eps)
                                }
                            }
                        }
                    }
                }
            }
        }
        slots["m"] = m
        slots["v"] = v
        if ams { slots["vhat"] = vhat }
    }
}
