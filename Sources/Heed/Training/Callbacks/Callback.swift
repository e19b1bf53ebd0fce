import Foundation

/// Hooks into `fit`, as Keras callbacks. Every method has an empty default.
///
/// To stop training, set ``TrainingContext/stopTraining`` (checked after every batch and
/// every epoch).
public protocol Callback: AnyObject {
    /// Before the first epoch.
    func onTrainBegin(_ context: TrainingContext) throws
    /// Before each epoch (0-based).
    func onEpochBegin(_ epoch: Int, context: TrainingContext) throws
    /// After each optimizer step; ``TrainingContext/batchLoss`` and
    /// ``TrainingContext/runningLogs()`` describe it.
    func onBatchEnd(_ step: Int, context: TrainingContext) throws
    /// After each epoch with its logs (`loss`, metrics, `val_…`).
    func onEpochEnd(_ epoch: Int, logs: [String: Double], context: TrainingContext) throws
    /// After the last epoch (also when stopped early).
    func onTrainEnd(_ context: TrainingContext) throws
    /// Before the validation data of an epoch is evaluated.
    func onTestBegin(_ context: TrainingContext) throws
    /// After the validation data of an epoch was evaluated.
    func onTestEnd(_ context: TrainingContext) throws
}

extension Callback {
    /// Called before the first epoch.
    public func onTrainBegin(_ context: TrainingContext) throws {}
    /// Called before each epoch.
    public func onEpochBegin(_ epoch: Int, context: TrainingContext) throws {}
    /// Called after each optimizer step.
    public func onBatchEnd(_ step: Int, context: TrainingContext) throws {}
    /// Called after each epoch with its logs.
    public func onEpochEnd(_ epoch: Int, logs: [String: Double], context: TrainingContext) throws {}
    /// Called after training ends.
    public func onTrainEnd(_ context: TrainingContext) throws {}
    /// Called before each evaluation of the validation data.
    public func onTestBegin(_ context: TrainingContext) throws {}
    /// Called after each evaluation of the validation data.
    public func onTestEnd(_ context: TrainingContext) throws {}
}

/// A restorable copy of a model's weights.
public struct WeightSnapshot {
    let restoreBody: () throws -> Void

    /// A snapshot restored by `restore`.
    public init(restore: @escaping () throws -> Void) { restoreBody = restore }

    /// Puts the saved weights back.
    public func restore() throws { try restoreBody() }
}

/// The state of a running `fit` that callbacks can read and steer.
public final class TrainingContext {
    /// The epoch to stop before (the `epochs` argument of `fit`).
    public let epochs: Int
    /// The first epoch of this run (non-zero when resuming).
    public let initialEpoch: Int
    /// Optimizer steps per epoch.
    public let stepsPerEpoch: Int
    /// The current epoch (0-based).
    public internal(set) var epoch = 0
    /// The current step within the epoch (0-based).
    public internal(set) var step = 0
    /// The loss of the last batch.
    public internal(set) var batchLoss = 0.0
    /// The order of log keys for display (`loss`, metrics, `val_loss`, val metrics).
    public let logOrder: [String]
    /// Set to `true` to end training after the current batch.
    public var stopTraining = false
    /// Why training was stopped, if a callback said so.
    public var stopReason: String?

    var runningLogsBody: () -> [String: Double] = { [:] }
    let learningRateGet: () -> Double
    let learningRateSet: (Double) -> Void
    let snapshotBody: () -> WeightSnapshot
    let checkpointBody: (URL, Int) throws -> Void
    let writeBody: (String) -> Void
    /// Exchanges the weights with the optimizer's moving averages (set by `fit`).
    var swapEMABody: () throws -> Void = {}

    /// A context; `fit` makes one, tests may make their own.
    public init(epochs: Int, initialEpoch: Int = 0, stepsPerEpoch: Int, logOrder: [String] = ["loss"],
                learningRate: @escaping () -> Double = { 0 }, setLearningRate: @escaping (Double) -> Void = { _ in },
                snapshot: @escaping () -> WeightSnapshot = { WeightSnapshot {} },
                saveCheckpoint: @escaping (URL, Int) throws -> Void = { _, _ in },
                write: @escaping (String) -> Void = { _ in }) {
        self.epochs = epochs
        self.initialEpoch = initialEpoch
        self.stepsPerEpoch = stepsPerEpoch
        self.logOrder = logOrder
        self.learningRateGet = learningRate
        self.learningRateSet = setLearningRate
        self.snapshotBody = snapshot
        self.checkpointBody = saveCheckpoint
        self.writeBody = write
    }

    /// The loss and metrics of the epoch so far (computed on demand over the examples seen).
    public func runningLogs() -> [String: Double] { runningLogsBody() }

    /// The optimizer's current learning rate; setting it replaces the schedule by a constant.
    public var learningRate: Double {
        get { learningRateGet() }
        set { learningRateSet(newValue) }
    }

    /// A copy of the current weights.
    public func snapshotWeights() -> WeightSnapshot { snapshotBody() }

    /// Exchanges the weights with the optimizer's moving averages
    /// (``Optimizer/swapEMAWeights(_:)``); nothing without ``Optimizer/useEMA``.
    public func swapEMAWeights() throws { try swapEMABody() }

    /// Saves weights and optimizer state with `completedEpochs` in the metadata.
    ///
    /// - Throws: ``SafeTensorsError/io(path:message:)`` when writing fails.
    public func saveCheckpoint(to url: URL, completedEpochs: Int) throws { try checkpointBody(url, completedEpochs) }

    /// Writes a message to the training output (stdout unless `fit` was told otherwise).
    public func write(_ text: String) { writeBody(text) }
}
