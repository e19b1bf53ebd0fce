import Foundation

/// Writes the per-epoch logs to a CSV file, `epoch` first then the keys sorted (Keras
/// `CSVLogger`; `history.csv` in a model folder). The file is rewritten atomically after every
/// epoch, so it is always complete.
public final class CSVLogger: Callback {
    /// The file written.
    public let url: URL
    private var history = History()

    /// A logger writing to `url`.
    public init(url: URL) { self.url = url }

    /// Starts a new file.
    public func onTrainBegin(_ context: TrainingContext) throws { history = History() }

    /// Appends the epoch and rewrites the file atomically.
    public func onEpochEnd(_ epoch: Int, logs: [String: Double], context: TrainingContext) throws {
        history.append(epoch: epoch, logs: logs)
        try AtomicFile.write(Array(history.csv.utf8), to: url)
    }
}
