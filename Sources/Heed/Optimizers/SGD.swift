/// Stochastic gradient descent with optional momentum, as in tf-keras 2.x (`SGD`).
///
/// Without momentum `w ← w − lr·g`. With momentum `m ← momentum·m − lr·g`, then `w ← w + m`,
/// or with Nesterov `w ← w + momentum·m − lr·g` (Keras 2's form, using the new `m`).
public final class SGD<Scalar: TensorScalar>: Optimizer<Scalar> {
    /// The momentum factor (Keras default 0).
    public let momentum: Double
    /// Whether to use Nesterov momentum.
    public let nesterov: Bool

    /// SGD with Keras' defaults (`learning_rate=0.01, momentum=0, nesterov=False`).
    public init(learningRate: Double = 0.01, momentum: Double = 0, nesterov: Bool = false,
                clipping: GradientClipping = .none) {
        self.momentum = momentum
        self.nesterov = nesterov
        super.init(schedule: .constant(learningRate), clipping: clipping)
    }

    /// SGD following a learning-rate schedule.
    public init(schedule: LearningRateSchedule, momentum: Double = 0, nesterov: Bool = false,
                clipping: GradientClipping = .none) {
        self.momentum = momentum
        self.nesterov = nesterov
        super.init(schedule: schedule, clipping: clipping)
    }

    /// Keras' class name.
    public override var kerasName: String { "SGD" }
    /// The slots kept per parameter, with Keras' names.
    public override var slotNames: [String] { momentum != 0 ? ["m"] : [] }

    /// Applies this optimizer's formula to one parameter.
    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public override func update(weights: inout [Scalar], gradient: [Scalar], slots: inout [String: [Scalar]],
                                learningRate: Double, step: Int) {
        let lr = Scalar(learningRate), mu = Scalar(momentum)
        guard momentum != 0, var m = slots.removeValue(forKey: "m") else {
            weights.withUnsafeMutableBufferPointer { w in
                for i in 0..<w.count { w[i] -= lr * gradient[i] }
            }
            return
        }
        let nesterov = self.nesterov
        weights.withUnsafeMutableBufferPointer { w in
            m.withUnsafeMutableBufferPointer { m in
                gradient.withUnsafeBufferPointer { g in
                    for i in 0..<w.count {
                        m[i] = -g[i] * lr + m[i] * mu
                        w[i] += nesterov ? -g[i] * lr + m[i] * mu : m[i]
                    }
                }
            }
        }
        slots["m"] = m
    }
}
