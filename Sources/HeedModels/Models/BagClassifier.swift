import Foundation
import Heed

/// A linear classifier over the set of a text's tokens, scaled by naive Bayes: NBSVM (Wang and
/// Manning, "Baselines and Bigrams", ACL 2012) trained as a logistic regression with Adam.
///
/// The input is each text's distinct token ids (see `TextDatasetOptions.distinctTokens`), 0 for
/// padding. Each token `i` has a fixed log-count ratio per class, `r[i, c]`, which
/// ``adapt(_:labels:)`` computes from the training texts, and a trained weight per class,
/// `w[i, c]`, starting at 0. The logit of class `c` is
///
///     z[c] = bias[c] + Σ over the text's tokens i of r[i, c] · (nbWeight + w[i, c])
///
/// so before training the model is naive Bayes scaled by `nbWeight` (times 2 for two classes),
/// and training moves each token away from its naive Bayes vote only as far as the data asks.
/// The ratios are one class against the rest with add-α smoothing over binarized counts:
///
///     p[i, c] = α + (texts of class c holding i),  q[i, c] = α + (texts of other classes holding i)
///     r[i, c] = log(p[i, c] / Σⱼ p[j, c]) − log(q[i, c] / Σⱼ q[j, c])
///
/// over the tokens `j ≥ 1` (id 0 is padding: its ratios stay 0, so it adds nothing and gets no
/// gradient). With two classes `r[i, 1] = −r[i, 0]`.
///
/// Shapes: token ids `[batch, time]` → logits `[batch, numClasses]`, softmax output. Weights:
/// `nb_linear/kernel [vocabSize, numClasses]` (trained), `nb_linear/bias [numClasses]`
/// (trained), `nb_linear/ratios [vocabSize, numClasses]` (not trained, saved with the others).
public final class BagClassifier<Scalar: TensorScalar>: Model<Scalar, IntTensor> {
    /// The naive Bayes–scaled linear layer (`nb_linear`).
    public let linear: NaiveBayesLinear<Scalar>

    /// A bag classifier with ratios 0 until ``adapt(_:labels:)``.
    ///
    /// - Throws: `ModelError.invalidArgument(_:)` when `vocabSize < 2`, there are fewer than two
    ///   classes, `nbWeight` is negative or not finite, or `alpha` is not positive.
    public init(vocabSize: Int, numClasses: Int, nbWeight: Double = 0.02, alpha: Double = 1, name: String = "bag_classifier") throws {
        guard vocabSize >= 2, numClasses >= 2, nbWeight >= 0, nbWeight.isFinite, alpha > 0, alpha.isFinite else {
            throw ModelError.invalidArgument(
                "BagClassifier: vocabSize (\(vocabSize)) must be ≥ 2, numClasses (\(numClasses)) ≥ 2, nbWeight (\(nbWeight)) ≥ 0 and alpha (\(alpha)) > 0")
        }
        linear = NaiveBayesLinear(vocabSize: vocabSize, numClasses: numClasses, nbWeight: nbWeight, alpha: alpha)
        super.init(name: name, outputActivation: .softmax)
        add(linear)
    }

    /// Sets the log-count ratios from the training texts (Keras `adapt`); call it before `fit`.
    ///
    /// - Throws: errors reading `texts`; `TensorError` for ids outside the vocabulary, labels
    ///   outside the classes or a label count that differs from the texts'.
    public func adapt<S: ExampleSource>(_ texts: S, labels: IntTensor) throws where S.Batch == IntTensor {
        try linear.adapt(texts, labels: labels)
    }

    /// The logits `[batch, numClasses]` for distinct token ids `[batch, time]`.
    ///
    /// - Throws: `TensorError` for ids outside the vocabulary or a bad shape.
    public override func forward(_ input: IntTensor, training: Bool) throws -> Tensor<Scalar> {
        try linear(input)
    }

    /// Each token's share of the logits: `r[i, c] · (nbWeight + w[i, c])`, `[batch, time,
    /// numClasses]`, 0 at padding; the logits are their sum over time plus the bias.
    ///
    /// - Throws: as ``forward(_:training:)``.
    public func contributions(_ ids: IntTensor) throws -> Tensor<Scalar> {
        try withoutGrad { try linear.contributions(ids) }
    }

    /// The forward pass with the tokens' contributions as the activation `contributions`.
    ///
    /// - Throws: as ``forward(_:training:)``.
    public func trace(_ ids: IntTensor) throws -> ForwardTrace<Scalar> {
        let parts = try linear.contributions(ids)
        var trace = ForwardTrace(logits: try linear.logits(from: parts))
        trace.activations["contributions"] = parts
        return trace
    }
}

/// The layer of ``BagClassifier``: fixed naive Bayes log-count ratios scaling a trained linear
/// layer over token ids (see ``BagClassifier`` for the formula).
///
/// Shapes: ids `[batch, time]` → `[batch, numClasses]`.
public final class NaiveBayesLinear<Scalar: TensorScalar>: Layer {
    /// The layer's name.
    public let name: String
    /// The added weight of each token's naive Bayes vote.
    public let nbWeight: Double
    /// The add-α smoothing of the counts.
    public let alpha: Double
    /// Each token's trained weight per class (`kernel`, zeros at first).
    public let kernel: Parameter<Scalar>
    /// Each class's bias (`bias`, zeros at first).
    public let bias: Parameter<Scalar>
    /// Each token's log-count ratio per class (`ratios`, not trained).
    public let ratios: Parameter<Scalar>

    /// A layer with zero weights and ratios.
    public init(vocabSize: Int, numClasses: Int, nbWeight: Double, alpha: Double = 1, name: String = "nb_linear") {
        self.name = name
        self.nbWeight = nbWeight
        self.alpha = alpha
        kernel = Parameter(path: "kernel", value: Tensor.zeros([vocabSize, numClasses]))
        bias = Parameter(path: "bias", value: Tensor.zeros([numClasses]))
        ratios = Parameter(path: "ratios", value: Tensor.zeros([vocabSize, numClasses]), trainable: false)
    }

    /// `kernel`, `bias`, then `ratios`.
    public var parameters: [Parameter<Scalar>] { [kernel, bias, ratios] }

    /// Counts, for each class, the texts holding each token (once per text, padding skipped)
    /// and sets ``ratios`` from the counts.
    ///
    /// - Throws: errors reading `texts`; `TensorError` for ids outside the vocabulary, labels
    ///   outside the classes or a label count that differs from the texts'.
    public func adapt<S: ExampleSource>(_ texts: S, labels: IntTensor) throws where S.Batch == IntTensor {
        let (rows, classes) = (kernel.shape[0], kernel.shape[1])
        guard labels.scalars.count == texts.exampleCount else {
            throw TensorError.shapeMismatch(operation: "NaiveBayesLinear '\(name)' adapt labels", lhs: [texts.exampleCount],
                                            rhs: labels.shape)
        }
        var counts = [Double](repeating: 0, count: rows * classes)
        var seen = Set<Int32>()
        for start in stride(from: 0, to: texts.exampleCount, by: 4096) {
            let indices = Array(start..<min(start + 4096, texts.exampleCount))
            let batch = try texts.examples(indices)
            guard batch.rank == 2 else {
                throw TensorError.invalidRank(operation: "NaiveBayesLinear '\(name)' adapt", expected: "token ids [batch, time]",
                                              shape: batch.shape)
            }
            let width = batch.shape[1]
            for (b, example) in indices.enumerated() {
                let label = Int(labels.scalars[example])
                guard label >= 0, label < classes else {
                    throw TensorError.indexOutOfRange(operation: "NaiveBayesLinear '\(name)' adapt label", index: label, count: classes)
                }
                seen.removeAll(keepingCapacity: true)
                for id in batch.scalars[(b * width)..<((b + 1) * width)] where id != 0 && seen.insert(id).inserted {
                    guard id > 0, Int(id) < rows else {
                        throw TensorError.indexOutOfRange(operation: "NaiveBayesLinear '\(name)' adapt", index: Int(id), count: rows)
                    }
                    counts[Int(id) * classes + label] += 1
                }
            }
        }
        try ratios.assign(Tensor(shape: [rows, classes], scalars: Self.logCountRatios(counts, rows: rows, classes: classes, alpha: alpha)
            .map { Scalar($0) }))
    }

    /// The log-count ratios `[rows, classes]` (row-major) of per-class text counts, row 0 left
    /// at 0.
    static func logCountRatios(_ counts: [Double], rows: Int, classes: Int, alpha: Double) -> [Double] {
        var totals = [Double](repeating: 0, count: classes)
        for i in 1..<rows {
            for c in 0..<classes { totals[c] += counts[i * classes + c] }
        }
        let all = totals.reduce(0, +)
        let tokens = Double(rows - 1)
        var out = [Double](repeating: 0, count: rows * classes)
        for i in 1..<rows {
            let row = counts[(i * classes)..<((i + 1) * classes)]
            let rowTotal = row.reduce(0, +)
            for c in 0..<classes {
                let p = (alpha + counts[i * classes + c]) / (alpha * tokens + totals[c])
                let q = (alpha + rowTotal - counts[i * classes + c]) / (alpha * tokens + all - totals[c])
                out[i * classes + c] = log(p) - log(q)
            }
        }
        return out
    }

    /// Each token's share of the logits, `r · (nbWeight + w)`: `[batch, time, classes]`.
    ///
    /// - Throws: `TensorError` for ids outside the vocabulary or ids that are not `[batch, time]`.
    public func contributions(_ ids: IntTensor) throws -> Tensor<Scalar> {
        guard ids.rank == 2 else {
            throw TensorError.invalidRank(operation: "NaiveBayesLinear '\(name)'", expected: "token ids [batch, time]", shape: ids.shape)
        }
        // The ratios are a constant of the graph: no gradient is kept for them.
        let r = try withoutGrad { try ratios.value.gatheringRows(ids) }
        return try (kernel.value.gatheringRows(ids) + Scalar(nbWeight)) * r
    }

    /// The logits from ``contributions(_:)``: their sum over time plus the bias.
    ///
    /// Shapes: `[batch, time, classes]` → `[batch, classes]`.
    public func logits(from contributions: Tensor<Scalar>) throws -> Tensor<Scalar> {
        try contributions.sum(alongAxis: 1) + bias.value
    }

    /// The logits for distinct token ids.
    ///
    /// Shapes: `[batch, time]` → `[batch, classes]`.
    /// - Throws: as ``contributions(_:)``.
    public func callAsFunction(_ ids: IntTensor) throws -> Tensor<Scalar> {
        try logits(from: contributions(ids))
    }
}
