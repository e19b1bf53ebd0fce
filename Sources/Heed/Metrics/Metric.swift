/// A metric computed over a whole data set (accumulated over batches, then computed once, not
/// averaged per batch).
///
/// Predictions are the model's outputs after its ``OutputActivation``: `[batch, classes]`
/// class scores, or `[batch]`/`[batch, 1]` probabilities of the positive class (binary).
public enum Metric: Sendable, Equatable, Hashable {
    /// Fraction of argmax predictions equal to the class id (Keras `sparse_categorical_accuracy`).
    case accuracy
    /// Fraction of `(p > threshold) == label` for one-output binary models (Keras `binary_accuracy`).
    case binaryAccuracy(threshold: Double = 0.5)
    /// Exact ROC AUC of the positive-class score; for more than two classes the mean of the
    /// one-vs-rest AUCs.
    case auc
    /// Precision of one class.
    case precision(classID: Int)
    /// Recall of one class.
    case recall(classID: Int)
    /// F1 of one class.
    case f1(classID: Int)
    /// Macro-averaged F1 over all classes.
    case macroF1

    /// The key in logs and history (`accuracy`, `auc`, `precision_1`, …).
    public var name: String {
        switch self {
        case .accuracy, .binaryAccuracy: return "accuracy"
        case .auc: return "auc"
        case let .precision(c): return "precision_\(c)"
        case let .recall(c): return "recall_\(c)"
        case let .f1(c): return "f1_\(c)"
        case .macroF1: return "macro_f1"
        }
    }
}

/// Accumulates predictions and targets over batches and computes ``Metric``s over all of them.
public struct MetricAccumulator: Sendable {
    /// The metrics to compute.
    public let metrics: [Metric]
    private var actual: [Int] = []
    private var predicted: [Int] = []
    private var scores: [Double] = []
    private var scoreWidth = 0
    private var classCount = 0
    private let keepsScores: Bool

    /// An empty accumulator for `metrics`.
    public init(metrics: [Metric]) {
        self.metrics = metrics
        self.keepsScores = metrics.contains(.auc)
    }

    /// The number of examples seen.
    public var count: Int { actual.count }

    /// Adds a batch.
    ///
    /// Shapes: predictions `[batch, classes]` or `[batch]`/`[batch, 1]` (binary); targets
    /// `[batch]` class ids (or 0/1 values), or `[batch, classes]` one-hot values.
    /// - Throws: ``TensorError/shapeMismatch(operation:lhs:rhs:)`` when the batch sizes differ.
    public mutating func add<Scalar: TensorScalar>(predictions: Tensor<Scalar>, targets: Targets<Scalar>) throws {
        let batch = predictions.shape.first ?? 1
        let width = predictions.rank >= 2 ? predictions.count / Swift.max(batch, 1) : 1
        let ids: [Int]
        switch targets {
        case let .values(t) where t.rank >= 2 && t.shape.last ?? 1 > 1:
            ids = try t.argmax(alongAxis: -1).scalars.map { Int($0) }
        default:
            ids = targets.classIDs
        }
        if let negative = ids.first(where: { $0 < 0 }) {
            throw TensorError.indexOutOfRange(operation: "metrics class id", index: negative, count: Swift.max(classCount, width))
        }
        guard ids.count == batch else {
            throw TensorError.shapeMismatch(operation: "metrics (predictions vs. targets)", lhs: predictions.shape,
                                            rhs: [ids.count])
        }
        let threshold = metrics.compactMap { m -> Double? in
            if case let .binaryAccuracy(t) = m { return t } else { return nil }
        }.first ?? 0.5
        if keepsScores {
            guard scoreWidth == 0 || scoreWidth == width else {
                throw TensorError.shapeMismatch(operation: "metrics (score width changed between batches)",
                                                lhs: [scoreWidth], rhs: [width])
            }
            scoreWidth = width
        }
        predictions.scalars.withUnsafeBufferPointer { p in
            for b in 0..<batch {
                let row = p[(b * width)..<((b + 1) * width)]
                if width == 1 {
                    predicted.append(Double(row[row.startIndex]) > threshold ? 1 : 0)
                } else {
                    var best = row.startIndex
                    for j in row.indices where row[j] > row[best] { best = j }
                    predicted.append(best - row.startIndex)
                }
                if keepsScores { for j in row.indices { scores.append(Double(row[j])) } }
            }
        }
        actual.append(contentsOf: ids)
        classCount = Swift.max(classCount, width == 1 ? 2 : width, (ids.max() ?? 0) + 1)
    }

    /// The value of every metric over all examples added, keyed by ``Metric/name``.
    ///
    /// Metrics that are undefined (AUC with one class only, or no examples) are NaN.
    public func results() -> [String: Double] {
        var out: [String: Double] = [:]
        guard !actual.isEmpty else {
            for m in metrics { out[m.name] = .nan }
            return out
        }
        var matrix = ConfusionMatrix(classCount: Swift.max(classCount, 1))
        // Ids are non-negative (checked in add) and classCount ≥ every id + 1, so this cannot throw.
        try? matrix.add(actual: actual, predicted: predicted)
        for m in metrics {
            switch m {
            case .accuracy, .binaryAccuracy: out[m.name] = matrix.accuracy
            case let .precision(c): out[m.name] = c < matrix.classCount ? matrix.precision(ofClass: c) : 0
            case let .recall(c): out[m.name] = c < matrix.classCount ? matrix.recall(ofClass: c) : 0
            case let .f1(c): out[m.name] = c < matrix.classCount ? matrix.f1(ofClass: c) : 0
            case .macroF1: out[m.name] = matrix.macroF1
            case .auc: out[m.name] = auc()
            }
        }
        return out
    }

    /// The accumulated examples as one flat list, for merging the accumulators of several
    /// processes with ``merging(_:metrics:)``: class count, score width, example count, then
    /// the true ids, the predicted ids and the scores.
    func flattened() -> [Double] {
        var out: [Double] = [Double(classCount), Double(scoreWidth), Double(actual.count)]
        out.reserveCapacity(3 + 2 * actual.count + scores.count)
        out.append(contentsOf: actual.lazy.map(Double.init))
        out.append(contentsOf: predicted.lazy.map(Double.init))
        out.append(contentsOf: scores)
        return out
    }

    /// One accumulator holding the examples of every ``flattened()`` part, in order.
    static func merging(_ parts: [[Double]], metrics: [Metric]) -> MetricAccumulator {
        var out = MetricAccumulator(metrics: metrics)
        for part in parts where part.count >= 3 {
            let n = Int(part[2])
            guard part.count >= 3 + 2 * n else { continue }
            out.classCount = Swift.max(out.classCount, Int(part[0]))
            if part[1] > 0 { out.scoreWidth = Int(part[1]) }
            out.actual.append(contentsOf: part[3..<(3 + n)].map { Int($0) })
            out.predicted.append(contentsOf: part[(3 + n)..<(3 + 2 * n)].map { Int($0) })
            out.scores.append(contentsOf: part[(3 + 2 * n)...])
        }
        return out
    }

    private func auc() -> Double {
        let width = scoreWidth
        guard width > 0 else { return .nan }
        func column(_ c: Int) -> [Double] { stride(from: c, to: scores.count, by: width).map { scores[$0] } }
        if width <= 2 {
            return ROCAUC.compute(scores: column(width - 1), labels: actual.map { $0 == 1 }) ?? .nan
        }
        let perClass = (0..<width).compactMap { c in
            ROCAUC.compute(scores: column(c), labels: actual.map { $0 == c })
        }
        return perClass.isEmpty ? .nan : perClass.reduce(0, +) / Double(perClass.count)
    }
}
