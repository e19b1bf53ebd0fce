/// Stops training when a monitored value stops improving (Keras `EarlyStopping`).
///
/// An epoch improves when it beats the best so far by more than `minDelta`. After `patience`
/// epochs without improvement training stops; with `restoreBestWeights` the weights of the
/// best epoch are put back then.
public final class EarlyStopping: Callback {
    /// The log key watched (default `val_loss`).
    public let monitor: String
    /// The minimum change that counts as an improvement.
    public let minDelta: Double
    /// Epochs without improvement before stopping.
    public let patience: Int
    /// Whether to restore the best epoch's weights on stopping.
    public let restoreBestWeights: Bool
    private let higherIsBetter: Bool
    /// The best value seen.
    public private(set) var best: Double?
    /// The epoch training stopped at, if it did.
    public private(set) var stoppedEpoch: Int?
    /// The epoch with the best value.
    public private(set) var bestEpoch: Int?
    private var wait = 0
    private var bestWeights: WeightSnapshot?

    /// An early-stopping rule.
    public init(monitor: String = "val_loss", mode: MonitorMode = .auto, patience: Int = 0, minDelta: Double = 0,
                restoreBestWeights: Bool = false) {
        self.monitor = monitor
        self.minDelta = Swift.abs(minDelta)
        self.patience = patience
        self.restoreBestWeights = restoreBestWeights
        self.higherIsBetter = mode.higherIsBetter(for: monitor)
    }

    /// Resets the best value and the patience counter.
    public func onTrainBegin(_ context: TrainingContext) throws {
        best = nil
        wait = 0
        stoppedEpoch = nil
        bestEpoch = nil
        bestWeights = nil
    }

    /// Compares the monitored value with the best; stops (and restores) after `patience` epochs without improvement.
    public func onEpochEnd(_ epoch: Int, logs: [String: Double], context: TrainingContext) throws {
        guard let current = logs[monitor] else {
            context.write("EarlyStopping: '\(monitor)' is not in the logs (have \(logs.keys.sorted())); skipping\n")
            return
        }
        // A NaN value (a diverged run) is no improvement, as in Keras: it counts against the patience.
        let improved: Bool
        if current.isNaN {
            improved = false
        } else if let best {
            improved = higherIsBetter ? current - minDelta > best : current + minDelta < best
        } else {
            improved = true
        }
        wait += 1
        if improved {
            best = current
            bestEpoch = epoch
            wait = 0
            if restoreBestWeights { bestWeights = context.snapshotWeights() }
        }
        if wait >= patience && epoch > 0 && !improved {
            stoppedEpoch = epoch
            context.stopTraining = true
            context.stopReason = "EarlyStopping: \(monitor) did not improve for \(wait) epochs"
            if restoreBestWeights, let bestWeights {
                try bestWeights.restore()
                context.write("Restoring model weights from the end of the best epoch: \((bestEpoch ?? 0) + 1).\n")
            }
        }
    }

    /// Reports the epoch training stopped at.
    public func onTrainEnd(_ context: TrainingContext) throws {
        if let stoppedEpoch { context.write("Epoch \(stoppedEpoch + 1): early stopping\n") }
    }
}
