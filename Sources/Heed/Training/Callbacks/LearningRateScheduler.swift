/// Sets the learning rate at the start of every epoch from `schedule(epoch, currentRate)`
/// (Keras `LearningRateScheduler`; epochs are 0-based).
public final class LearningRateScheduler: Callback {
    private let schedule: (Int, Double) -> Double

    /// A scheduler calling `schedule(epoch, currentRate)`.
    public init(_ schedule: @escaping (Int, Double) -> Double) { self.schedule = schedule }

    /// Sets the learning rate for this epoch.
    public func onEpochBegin(_ epoch: Int, context: TrainingContext) throws {
        context.learningRate = schedule(epoch, context.learningRate)
    }
}
