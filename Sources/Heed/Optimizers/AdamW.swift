/// Adam with decoupled weight decay, as in Keras (`AdamW`): first `w ← w − w·wd·lr`, then
/// the ``Adam`` update.
public final class AdamW<Scalar: TensorScalar>: Adam<Scalar> {
    /// The decay factor per step, scaled by the learning rate (Keras default 0.004).
    public let weightDecay: Double

    /// AdamW with Keras' defaults.
    public init(learningRate: Double = 0.001, weightDecay: Double = 0.004, beta1: Double = 0.9,
                beta2: Double = 0.999, epsilon: Double = 1e-7, amsgrad: Bool = false,
                clipping: GradientClipping = .none) {
        self.weightDecay = weightDecay
        super.init(learningRate: learningRate, beta1: beta1, beta2: beta2, epsilon: epsilon,
                   amsgrad: amsgrad, clipping: clipping)
    }

    /// AdamW following a learning-rate schedule.
    public init(schedule: LearningRateSchedule, weightDecay: Double = 0.004, beta1: Double = 0.9,
                beta2: Double = 0.999, epsilon: Double = 1e-7, amsgrad: Bool = false,
                clipping: GradientClipping = .none) {
        self.weightDecay = weightDecay
        super.init(schedule: schedule, beta1: beta1, beta2: beta2, epsilon: epsilon,
                   amsgrad: amsgrad, clipping: clipping)
    }

    /// Keras' class name.
    public override var kerasName: String { "AdamW" }

    /// Applies this optimizer's formula to one parameter.
    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public override func update(weights: inout [Scalar], gradient: [Scalar], slots: inout [String: [Scalar]],
                                learningRate: Double, step: Int) {
        let decay = Scalar(weightDecay) * Scalar(learningRate)
        weights.withUnsafeMutableBufferPointer { w in
            for i in 0..<w.count { w[i] -= w[i] * decay }
        }
        adamStep(weights: &weights, gradient: gradient, slots: &slots, learningRate: learningRate, step: step)
    }
}
