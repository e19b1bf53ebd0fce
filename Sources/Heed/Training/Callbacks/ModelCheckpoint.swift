import Foundation

/// Saves weights and optimizer state after epochs (Keras `ModelCheckpoint`).
///
/// The file is safetensors, written atomically, with the number of completed epochs in its
/// metadata so that `fit(resumeFrom:)` continues from it. `{epoch}` in the file name is
/// replaced by the 1-based epoch number, `{epoch:02d}` by the same padded to two digits.
///
/// An epoch whose loss is NaN or infinite (a diverged model, typically stopped by
/// ``TerminateOnNaN``) is never saved, so the last good checkpoint is not overwritten by
/// broken weights.
public final class ModelCheckpoint: Callback {
    /// Where to save (may contain `{epoch}` or `{epoch:02d}`).
    public let url: URL
    /// The log key compared when `saveBestOnly`.
    public let monitor: String
    /// Whether to save only when `monitor` improves.
    public let saveBestOnly: Bool
    private let higherIsBetter: Bool
    /// The best value seen.
    public private(set) var best: Double?

    /// A checkpoint rule.
    public init(url: URL, monitor: String = "val_loss", mode: MonitorMode = .auto, saveBestOnly: Bool = false) {
        self.url = url
        self.monitor = monitor
        self.saveBestOnly = saveBestOnly
        self.higherIsBetter = mode.higherIsBetter(for: monitor)
    }

    /// The file for a 0-based epoch.
    public func url(forEpoch epoch: Int) -> URL {
        let name = url.lastPathComponent
            .replacingOccurrences(of: "{epoch:02d}", with: String(format: "%02d", epoch + 1))
            .replacingOccurrences(of: "{epoch}", with: String(epoch + 1))
        return url.deletingLastPathComponent().appendingPathComponent(name)
    }

    /// Saves the checkpoint (when the monitored value improved, with `saveBestOnly`; never when
    /// the epoch's loss is not finite).
    public func onEpochEnd(_ epoch: Int, logs: [String: Double], context: TrainingContext) throws {
        if let loss = logs["loss"], !loss.isFinite {
            context.write("ModelCheckpoint: the loss of epoch \(epoch + 1) is \(loss); keeping the last checkpoint\n")
            return
        }
        if saveBestOnly {
            guard let current = logs[monitor], !current.isNaN else {
                context.write("ModelCheckpoint: '\(monitor)' is not in the logs; not saving\n")
                return
            }
            if let best, !(higherIsBetter ? current > best : current < best) { return }
            best = current
        }
        try context.saveCheckpoint(to: url(forEpoch: epoch), completedEpochs: epoch + 1)
    }
}
