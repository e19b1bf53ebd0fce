import Foundation
import Heed
import HeedText

/// A model's results on labelled examples: loss, accuracy, macro-F1, the confusion matrix
/// and, for two classes, ROC AUC.
public struct EvaluationReport: Sendable {
    /// The number of examples.
    public var count: Int
    /// The mean loss (from the logits, as in training).
    public var loss: Double
    /// The fraction of examples whose most probable class is the label.
    public var accuracy: Double
    /// The mean F1 over classes.
    public var macroF1: Double
    /// Counts of (actual, predicted) classes.
    public var confusion: ConfusionMatrix
    /// ROC AUC of the second class's probability (two classes only).
    public var auc: Double?
    /// The class names by id.
    public var classes: [String]
    /// The probability of the second class per example (two classes only), for ROC curves.
    public var positiveScores: [Double]
    /// The label ids.
    public var labels: [Int]

    /// Evaluates `model` on encoded examples.
    ///
    /// - Throws: `TensorError` for ids outside the vocabulary; `ModelError` for an empty set.
    public init(model: ReadyModel, data: EncodedTexts, batchSize: Int = 64) throws {
        guard data.count > 0 else { throw ModelError.invalidArgument("there are no examples to evaluate") }
        let (probabilities, meanLoss) = try model.probabilitiesAndLoss(data, batchSize: batchSize)
        try self.init(model: model, probabilities: probabilities, loss: meanLoss, labels: data.labels)
    }

    /// Evaluates `model` on examples read from an id cache.
    ///
    /// - Throws: `TensorError` for ids outside the vocabulary; cache read errors; `ModelError`
    ///   for an empty set.
    public init(model: ReadyModel, data: CachedTexts, batchSize: Int = 64) throws {
        guard data.count > 0 else { throw ModelError.invalidArgument("there are no examples to evaluate") }
        let (probabilities, meanLoss) = try model.probabilitiesAndLoss(data, batchSize: batchSize)
        try self.init(model: model, probabilities: probabilities, loss: meanLoss, labels: data.labels)
    }

    private init(model: ReadyModel, probabilities: [[Double]], loss meanLoss: Double, labels ids: IntTensor) throws {
        let actual = ids.scalars.map { Int($0) }
        let predicted = probabilities.map { row in row.indices.max { row[$0] < row[$1] } ?? 0 }
        classes = model.labels.classes
        confusion = try ConfusionMatrix(classCount: classes.count, actual: actual, predicted: predicted)
        count = actual.count
        loss = meanLoss
        accuracy = confusion.accuracy
        macroF1 = confusion.macroF1
        labels = actual
        if classes.count == 2 {
            positiveScores = probabilities.map { $0[1] }
            auc = ROCAUC.compute(scores: positiveScores, labels: actual.map { $0 == 1 })
        } else {
            positiveScores = []
            auc = nil
        }
    }

    /// The results as one JSON object: `count`, `loss`, `accuracy`, `macro_f1`, `classes`,
    /// `confusion_matrix` (rows actual, columns predicted) and `auc` for two classes.
    public var json: String {
        func number(_ x: Double) -> String { x.isFinite ? String(format: "%.6f", x) : "null" }
        func string(_ s: String) -> String {
            let data = (try? JSONEncoder().encode(s)) ?? Data("\"\"".utf8)
            return String(decoding: data, as: UTF8.self)
        }
        var fields = [
            "\"count\": \(count)", "\"loss\": \(number(loss))", "\"accuracy\": \(number(accuracy))",
            "\"macro_f1\": \(number(macroF1))",
        ]
        if let auc { fields.append("\"auc\": \(number(auc))") }
        fields.append("\"classes\": [\(classes.map(string).joined(separator: ", "))]")
        fields.append("\"confusion_matrix\": [\(confusion.counts.map { "[\($0.map(String.init).joined(separator: ", "))]" }.joined(separator: ", "))]")
        return "{" + fields.joined(separator: ", ") + "}"
    }

    /// A readable multi-line summary with the confusion matrix.
    public var text: String {
        var lines = [
            "examples:  \(count)",
            "loss:      \(String(format: "%.4f", loss))",
            "accuracy:  \(String(format: "%.4f", accuracy))",
            "macro-F1:  \(String(format: "%.4f", macroF1))",
        ]
        if let auc { lines.append("ROC AUC:   \(String(format: "%.4f", auc))") }
        lines.append("confusion matrix (rows: actual, columns: predicted):")
        let width = max(8, (classes.map(\.count).max() ?? 0) + 2)
        func pad(_ s: String) -> String { String(repeating: " ", count: max(0, width - s.count)) + s }
        lines.append(pad("") + classes.map(pad).joined())
        for (i, row) in confusion.counts.enumerated() {
            lines.append(pad(classes[i]) + row.map { pad(String($0)) }.joined())
        }
        return lines.joined(separator: "\n")
    }
}
