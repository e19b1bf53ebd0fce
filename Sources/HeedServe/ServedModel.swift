import Foundation
import Heed
import HeedModels
import HeedText

/// One model folder being served: the loaded model, its name in URLs, and its batcher.
///
/// The model's forward pass runs only on its batcher's thread; request handlers only read its
/// configuration, vocabulary and classes, which never change.
final class ServedModel: @unchecked Sendable {
    /// The name in `/v1/models/{name}` and `/v2/models/{name}`.
    let name: String
    /// The folder it was loaded from.
    let folder: String
    private let ready: ReadyModel
    let batcher: DynamicBatcher

    /// The class names, in the model's output order.
    var classes: [String] { ready.labels.classes }
    /// Whether each example is a pair of texts (`text` and `pair`).
    var isPair: Bool { ready.config.kind == .pair }
    /// The input names, in column order.
    var inputNames: [String] { isPair ? ["text", "pair"] : ["text"] }
    /// The architecture's name as config.json spells it.
    var kind: String { ready.config.kind.rawValue }

    init(name: String, folder: String, ready: ReadyModel, settings: ServeSettings, metrics: ServerMetrics) {
        self.name = name
        self.folder = folder
        self.ready = ready
        let model = UncheckedModel(ready: ready)
        batcher = DynamicBatcher(
            maxBatch: settings.maxBatch, delay: settings.batchDelay, maxQueue: settings.maxQueue,
            alwaysWaits: settings.batchesAlwaysWait,
            predict: { columns, passSize in try model.ready.probabilities(columns, batchSize: passSize) },
            observeBatch: { metrics.recordBatch(model: name, texts: $0) },
            observeQueue: { metrics.recordQueueDepth(model: name, texts: $0) })
    }

    /// Encodes one request's texts (one array per input, all of one length) for the batcher.
    ///
    /// - Throws: ``ServeError/badRequest(_:)`` for a text with no words after cleaning, naming it
    ///   by `label(input, index)`.
    func encode(_ columns: [[String]], label: (Int, Int) -> String) throws -> DynamicBatcher.Inputs {
        for (c, texts) in columns.enumerated() {
            for (i, text) in texts.enumerated() where !TextCleaner.hasTokens(text, keepingDigits: ready.config.keepsDigits) {
                throw ServeError.badRequest(
                    "\(label(c, i)) holds no words after cleaning (only digits, punctuation or symbols); "
                        + "there is nothing to classify")
            }
        }
        do {
            return DynamicBatcher.Inputs(columns: try ready.encode(columns))
        } catch {
            throw ServeError.internalError("could not encode the texts: \(error)")
        }
    }

    /// The index of the most likely class of each row.
    static func best(_ row: [Double]) -> Int {
        row.indices.max { row[$0] < row[$1] } ?? 0
    }
}

/// The model handed to the batcher's thread, its one user.
private struct UncheckedModel: @unchecked Sendable {
    let ready: ReadyModel
}
