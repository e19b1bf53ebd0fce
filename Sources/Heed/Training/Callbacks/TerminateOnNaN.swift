/// Stops training as soon as a batch's loss is NaN or infinite (Keras `TerminateOnNaN`).
public final class TerminateOnNaN: Callback {
    /// The message given when it stopped training.
    public private(set) var message: String?

    /// A NaN guard.
    public init() {}

    /// Stops training when the batch loss is not finite.
    public func onBatchEnd(_ step: Int, context: TrainingContext) throws {
        guard !context.batchLoss.isFinite else { return }
        let text = "TerminateOnNaN: invalid loss \(context.batchLoss) at epoch \(context.epoch + 1), step \(step + 1); terminating training"
        message = text
        context.stopReason = text
        context.stopTraining = true
        context.write(text + "\n")
    }
}
