import Foundation
import Heed
import HeedText

/// A callback that writes the model folder after every epoch: weights with optimizer state
/// and epoch count, `history.csv`, the loss/accuracy charts and, for two classes, `roc.svg` on
/// the validation data. After early stopping restored the best weights, or `fit` replaced the
/// weights by their moving averages, it writes them again.
public final class EpochWriter: Callback {
    /// The model being trained.
    public let model: ReadyModel
    /// The model folder.
    public let folder: URL
    /// The history so far (including epochs from before a resume).
    public private(set) var history: History
    /// The held-out examples for the ROC curve.
    public let validation: EncodedTexts?
    private var completedEpochs: Int
    /// The message of the first epoch not written for a non-finite loss or weights, if any.
    public private(set) var divergence: String?

    /// A writer continuing `history` (empty for a fresh run) after `completedEpochs` epochs.
    public init(model: ReadyModel, folder: URL, history: History = History(), completedEpochs: Int = 0,
                validation: EncodedTexts?) {
        self.model = model
        self.folder = folder
        self.history = history
        self.completedEpochs = completedEpochs
        self.validation = validation
    }

    /// Records the epoch and writes the folder; an epoch whose loss or weights are not finite
    /// (training diverged) is not written, so the folder keeps the last sound epoch.
    public func onEpochEnd(_ epoch: Int, logs: [String: Double], context: TrainingContext) throws {
        guard divergence == nil else { return }
        let loss = logs["loss"] ?? 0
        guard loss.isFinite, try model.weightsAreFinite() else {
            divergence = "training diverged in epoch \(epoch + 1) (" + (loss.isFinite ? "weights not finite" : "loss \(loss)")
                + "); the model folder keeps " + (completedEpochs == 0 ? "no trained epoch" : "epoch \(completedEpochs)")
            context.write("EpochWriter: \(divergence ?? "")\n")
            return
        }
        history.append(epoch: epoch, logs: logs)
        completedEpochs = epoch + 1
        try ModelFolder.writeEpoch(of: model, history: history, completedEpochs: completedEpochs, to: folder)
        try writeROC()
    }

    /// Writes the weights again when training stopped early (the best weights may have been
    /// restored) or the weights became their moving averages.
    public func onTrainEnd(_ context: TrainingContext) throws {
        guard divergence == nil, context.stopTraining || model.config.training.emaMomentum != nil else { return }
        try ModelFolder.writeEpoch(of: model, history: history, completedEpochs: completedEpochs, to: folder)
        try writeROC()
    }

    private func writeROC() throws {
        guard model.config.classCount == 2, let validation, validation.count > 0 else { return }
        let probabilities = try model.probabilities(validation.inputs)
        let chart = ROCCurve.chart(scores: probabilities.map { $0[1] }, labels: validation.labels.scalars.map { $0 == 1 },
                                   title: "ROC curve (\(model.labels.classes[1]) vs \(model.labels.classes[0]))")
        try ModelFolder.write(Data(chart.svg().utf8), to: folder.appendingPathComponent("roc.svg"))
    }
}
