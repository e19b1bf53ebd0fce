import Foundation
import Heed
import HeedText

/// A ready model together with what turns text into its input: the configuration, the
/// vocabulary and the class names. It encodes texts, trains, evaluates and predicts.
///
/// Two-class pair models have one sigmoid output and train with binary cross-entropy; every
/// other model has one softmax output per class and trains with sparse categorical
/// cross-entropy (from the logits, as Keras).
public final class ReadyModel {
    /// The network with its concrete type.
    public enum Network {
        /// A ``TextClassifier``.
        case text(TextClassifier<Float>)
        /// A ``PairClassifier``.
        case pair(PairClassifier<Float>)
        /// A ``TransformerClassifier``.
        case transformer(TransformerClassifier<Float>)
        /// A ``BagClassifier``.
        case bag(BagClassifier<Float>)
    }

    /// The architecture, sizes and training settings.
    public let config: ModelConfig
    /// The token table.
    public let vocabulary: Vocabulary
    /// The class table.
    public let labels: LabelEncoder
    /// The network.
    public let network: Network

    /// Builds the network `config` describes, with fresh weights from `config.seed`.
    ///
    /// - Throws: ``ModelFolderError/invalidConfig(file:reason:)`` for a configuration that does
    ///   not fit the vocabulary or labels; `ModelError` for bad sizes.
    public init(config: ModelConfig, vocabulary: Vocabulary, labels: LabelEncoder) throws {
        try config.validate()
        guard vocabulary.count == config.vocabSize else {
            throw ModelFolderError.invalidConfig(
                file: "config.json", reason: "vocab_size \(config.vocabSize) differs from the vocabulary's \(vocabulary.count) tokens")
        }
        guard labels.classes == config.classes else {
            throw ModelFolderError.invalidConfig(
                file: "config.json", reason: "classes \(config.classes) differ from the labels \(labels.classes)")
        }
        self.config = config
        self.vocabulary = vocabulary
        self.labels = labels
        switch config.kind {
        case .text:
            network = .text(try TextClassifier(vocabSize: config.vocabSize, embedDim: config.embedDim,
                                               numClasses: config.classCount, maskZero: config.maskZero,
                                               dropout: config.embeddingDropout ?? 0, seed: config.seed))
        case .pair:
            network = .pair(try PairClassifier(vocabSize: config.vocabSize, embedDim: config.embedDim, filters: config.filters,
                                               kernelSize: config.kernelSize, numClasses: config.classCount,
                                               maskZero: config.maskZero, interactionHead: config.interactionHead,
                                               hiddenUnits: config.hiddenUnits,
                                               overlapFeatures: config.overlapFeatures ?? false, seed: config.seed))
        case .transformer:
            network = .transformer(try TransformerClassifier(
                vocabSize: config.vocabSize, embedDim: config.embedDim, numHeads: config.numHeads, keyDim: config.keyDim,
                ffDim: config.ffDim, blocks: config.blocks, dropout: config.dropout, numClasses: config.classCount,
                scaleEmbeddings: config.transformerScalesEmbeddings, seed: config.seed))
        case .bag:
            network = .bag(try BagClassifier(vocabSize: config.vocabSize, numClasses: config.classCount,
                                             nbWeight: config.nbWeight ?? ModelConfig.defaultNBWeight))
        }
    }

    /// The network by what it reads: one id matrix (every kind but the pair model) or two.
    private enum Reader {
        case one(Model<Float, IntTensor>)
        case two(PairClassifier<Float>)
    }

    /// The network by what it reads.
    private var reader: Reader {
        switch network {
        case let .text(m): return .one(m)
        case let .transformer(m): return .one(m)
        case let .bag(m): return .one(m)
        case let .pair(m): return .two(m)
        }
    }

    /// Whether the network has one sigmoid output for two classes (binary cross-entropy).
    public var hasSigmoidOutput: Bool {
        if case let .pair(model) = network { return model.outputActivation == .sigmoid }
        return false
    }

    /// Every weight by full Keras name.
    ///
    /// - Throws: `ModelError.duplicateParameterName(_:)`.
    public func namedParameters() throws -> [(name: String, parameter: Parameter<Float>)] {
        switch reader {
        case let .one(m): return try m.namedParameters()
        case let .two(m): return try m.namedParameters()
        }
    }

    /// The loss the model trains with.
    public var loss: Loss {
        hasSigmoidOutput ? .binaryCrossentropy(fromLogits: false) : .sparseCategoricalCrossentropy(fromLogits: false)
    }

    /// The metrics logged while training: accuracy, and AUC for two classes.
    public var metrics: [Metric] {
        let accuracy: Metric = hasSigmoidOutput ? .binaryAccuracy() : .accuracy
        return config.classCount == 2 ? [accuracy, .auc] : [accuracy]
    }

    /// Sets the loss, the optimizer (Adam with the configured learning rate and schedule, or
    /// AdamW with a weight decay; with a moving average of the weights when configured) and the
    /// metrics.
    public func compile() {
        let schedule = config.training.schedule
        let optimizer = config.training.weightDecay.map { AdamW<Float>(schedule: schedule, weightDecay: $0) }
            ?? Adam<Float>(schedule: schedule)
        if let momentum = config.training.emaMomentum {
            optimizer.useEMA = true
            optimizer.emaMomentum = momentum
        }
        switch reader {
        case let .one(m): m.compile(loss: loss, optimizer: optimizer, metrics: metrics)
        case let .two(m): m.compile(loss: loss, optimizer: optimizer, metrics: metrics)
        }
    }

    /// Encoded model inputs for raw texts: one id matrix per text column.
    ///
    /// Shapes: each column `[count]` → `[count, maxLength]`.
    /// - Throws: ``ModelFolderError/invalidConfig(file:reason:)`` for the wrong number of columns.
    public func encode(_ texts: [[String]]) throws -> [IntTensor] {
        let columns = config.kind == .pair ? 2 : 1
        guard texts.count == columns else {
            throw ModelFolderError.invalidConfig(file: "config.json",
                                                 reason: "the model reads \(columns) text column(s), got \(texts.count)")
        }
        return try texts.map {
            try TextDataset.encode($0, vocabulary: vocabulary, maxLength: config.maxLength, ngrams: config.ngramWidth,
                                   keepingDigits: config.keepsDigits, distinct: config.kind == .bag)
        }
    }

    /// The tokens the model reads from `text`: its cleaned words and, with ``ModelConfig/ngrams``,
    /// their n-grams, cut to ``ModelConfig/maxLength``; for a bag model, the first token of each
    /// distinct id (every unknown token is `<UNK>`), in the order of the encoded ids.
    public func tokens(of text: String) -> [String] {
        let all = NGrams.tokens(in: text, upTo: config.ngramWidth, keepingDigits: config.keepsDigits)
        guard config.kind == .bag else { return Array(all.prefix(config.maxLength)) }
        var seen = Set<Int32>()
        return Array(all.filter { seen.insert(vocabulary.id(for: $0)).inserted }.prefix(config.maxLength))
    }

    /// The targets of class ids in the form the loss expects.
    func targets(_ classIDs: IntTensor) -> Targets<Float> {
        hasSigmoidOutput
            ? .values((try? Tensor(shape: [classIDs.scalars.count, 1], scalars: classIDs.scalars.map { Float($0) })) ?? .zeros([0, 1]))
            : .classes(classIDs)
    }

    /// Trains on encoded examples (see `Model.fit`), with optional validation data.
    ///
    /// - Throws: `ModelError`, `TensorError`, checkpoint errors from callbacks.
    @discardableResult
    public func fit(_ train: EncodedTexts, validation: EncodedTexts?, epochs: Int, callbacks: [any Callback],
                    verbose: Verbosity, resumeFrom: URL?, stepsPerEpoch: Int? = nil) throws -> History {
        try fit(inputs: train.inputs, labels: train.labels, validation: validation.map { ($0.inputs, $0.labels) },
                epochs: epochs, callbacks: callbacks, verbose: verbose, resumeFrom: resumeFrom, stepsPerEpoch: stepsPerEpoch)
    }

    /// Trains on examples read from an id cache (see `StreamedTextDataset`), batch by batch;
    /// with the same rows, seed and options the weights equal those of
    /// ``fit(_:validation:epochs:callbacks:verbose:resumeFrom:stepsPerEpoch:)-(EncodedTexts,_,_,_,_,_,_)``.
    ///
    /// - Throws: `ModelError`, `TensorError`, cache read errors, checkpoint errors from callbacks.
    @discardableResult
    public func fit(_ train: CachedTexts, validation: CachedTexts?, epochs: Int, callbacks: [any Callback],
                    verbose: Verbosity, resumeFrom: URL?, stepsPerEpoch: Int? = nil) throws -> History {
        try fit(inputs: train.inputs, labels: train.labels, validation: validation.map { ($0.inputs, $0.labels) },
                epochs: epochs, callbacks: callbacks, verbose: verbose, resumeFrom: resumeFrom, stepsPerEpoch: stepsPerEpoch)
    }

    /// Trains on one source of id matrices per text input, in memory or on disk alike.
    private func fit<S: ExampleSource>(
        inputs: [S], labels: IntTensor, validation: (inputs: [S], labels: IntTensor)?, epochs: Int,
        callbacks: [any Callback], verbose: Verbosity, resumeFrom: URL?, stepsPerEpoch: Int?
    ) throws -> History where S.Batch == IntTensor {
        let settings = config.training
        let y = targets(labels)
        let held = validation.map { (inputs: $0.inputs, y: targets($0.labels)) }
        // Statistics of the training data, before the first epoch; a resumed run restores them
        // with the other weights.
        if resumeFrom == nil {
            switch network {
            case let .bag(m): try m.adapt(inputs[0], labels: labels)
            case let .pair(m): try m.adaptOverlapNormalization(PairedSource(inputs[0], inputs[1]))
            case .text, .transformer: break
            }
        }
        switch reader {
        case let .one(m):
            return try m.fit(x: inputs[0], y: y, batchSize: settings.batchSize, epochs: epochs,
                             validationData: held.map { ($0.inputs[0], $0.y) }, seed: config.seed, callbacks: callbacks,
                             verbose: verbose, resumeFrom: resumeFrom, stepsPerEpoch: stepsPerEpoch)
        case let .two(m):
            return try m.fit(x: PairedSource(inputs[0], inputs[1]), y: y, batchSize: settings.batchSize, epochs: epochs,
                             validationData: held.map { (PairedSource($0.inputs[0], $0.inputs[1]), $0.y) },
                             seed: config.seed, callbacks: callbacks, verbose: verbose, resumeFrom: resumeFrom,
                             stepsPerEpoch: stepsPerEpoch)
        }
    }

    /// Class probabilities `[count, classCount]` for encoded inputs (a sigmoid output `p`
    /// becomes the two columns `1 − p`, `p`).
    ///
    /// - Throws: `TensorError` for ids outside the vocabulary or bad shapes.
    public func probabilities(_ inputs: [IntTensor], batchSize: Int = 64) throws -> [[Double]] {
        let out: Tensor<Float>
        switch reader {
        case let .one(m): out = try m.predict(inputs[0], batchSize: batchSize)
        case let .two(m): out = try m.predict(InputPair(inputs[0], inputs[1]), batchSize: batchSize)
        }
        return rows(of: out, count: inputs[0].shape[0])
    }

    /// The mean loss over encoded examples, computed from the logits in batches.
    ///
    /// - Throws: `TensorError` for ids outside the vocabulary or bad shapes.
    public func meanLoss(_ data: EncodedTexts, batchSize: Int = 64) throws -> Double {
        try probabilitiesAndLoss(data, batchSize: batchSize).loss
    }

    /// Class probabilities (as ``probabilities(_:batchSize:)``) and the mean loss (from the
    /// logits, as in training) of labelled examples, from one forward pass per batch.
    ///
    /// Shapes: probabilities `[count, classCount]`.
    /// - Throws: `TensorError` for ids outside the vocabulary or bad shapes;
    ///   `ModelError.invalidArgument(_:)` for a batch size below 1.
    public func probabilitiesAndLoss(_ data: EncodedTexts, batchSize: Int = 64) throws
        -> (probabilities: [[Double]], loss: Double) {
        try probabilitiesAndLoss(inputs: data.inputs, labels: data.labels, batchSize: batchSize)
    }

    /// ``probabilitiesAndLoss(_:batchSize:)-(EncodedTexts,_)`` of examples read from an id cache.
    ///
    /// - Throws: `TensorError`; cache read errors; `ModelError.invalidArgument(_:)` for a batch
    ///   size below 1.
    public func probabilitiesAndLoss(_ data: CachedTexts, batchSize: Int = 64) throws
        -> (probabilities: [[Double]], loss: Double) {
        try probabilitiesAndLoss(inputs: data.inputs, labels: data.labels, batchSize: batchSize)
    }

    private func probabilitiesAndLoss<S: ExampleSource>(inputs: [S], labels: IntTensor, batchSize: Int) throws
        -> (probabilities: [[Double]], loss: Double) where S.Batch == IntTensor {
        let y = targets(labels)
        let (out, loss): (Tensor<Float>, Double)
        switch reader {
        case let .one(m): (out, loss) = try Self.outputsAndLoss(of: m, x: inputs[0], y: y, loss: self.loss, batchSize: batchSize)
        case let .two(m):
            (out, loss) = try Self.outputsAndLoss(of: m, x: PairedSource(inputs[0], inputs[1]), y: y, loss: self.loss,
                                                  batchSize: batchSize)
        }
        return (rows(of: out, count: labels.scalars.count), loss)
    }

    /// The model's predictions (after its output activation) and the mean of `loss` over the
    /// examples, batch by batch in inference mode: what `predict` and `evaluate` compute, from
    /// one forward pass.
    private static func outputsAndLoss<X: ExampleSource>(
        of model: Model<Float, X.Batch>, x: X, y: Targets<Float>, loss: Loss, batchSize: Int
    ) throws -> (Tensor<Float>, Double) {
        guard batchSize > 0 else { throw ModelError.invalidArgument("batchSize must be positive, got \(batchSize)") }
        let n = x.exampleCount
        var scalars: [Float] = []
        var width = 0
        var lossSum = 0.0
        try withoutGrad {
            for start in stride(from: 0, to: n, by: batchSize) {
                let indices = Array(start..<Swift.min(n, start + batchSize))
                let logits = try model.forward(x.examples(indices), training: false)
                lossSum += Double(try loss(logits, y.selectingExamples(indices), outputActivation: model.outputActivation).scalar)
                    * Double(indices.count)
                let predictions = try model.outputActivation.apply(logits)
                width = predictions.count / Swift.max(indices.count, 1)
                scalars.append(contentsOf: predictions.scalars)
            }
        }
        return (try Tensor(shape: [n, width], scalars: scalars), n == 0 ? .nan : lossSum / Double(n))
    }

    /// One row of class probabilities per example of the predictions `out`.
    private func rows(of out: Tensor<Float>, count n: Int) -> [[Double]] {
        let width = n == 0 ? 0 : out.scalars.count / n
        return (0..<n).map { i in
            if hasSigmoidOutput {
                let p = Double(out.scalars[i])
                return [1 - p, p]
            }
            return (0..<width).map { Double(out.scalars[i * width + $0]) }
        }
    }

    /// The class probabilities of a traced forward pass: its logits through the network's output
    /// activation, as ``probabilities(_:batchSize:)`` gives them, without running the model again.
    ///
    /// - Throws: `TensorError` if the logits do not fit the activation.
    public func probabilities(of trace: ForwardTrace<Float>) throws -> [[Double]] {
        let activation: OutputActivation
        switch reader {
        case let .one(m): activation = m.outputActivation
        case let .two(m): activation = m.outputActivation
        }
        return rows(of: try withoutGrad { try activation.apply(trace.logits) }, count: trace.logits.shape[0])
    }

    /// The forward trace of one example (for attention heatmaps).
    ///
    /// - Throws: `TensorError` for ids outside the vocabulary or bad shapes.
    public func trace(_ inputs: [IntTensor]) throws -> ForwardTrace<Float> {
        try withoutGrad {
            switch network {
            case let .text(m): return try m.trace(inputs[0])
            case let .transformer(m): return try m.trace(inputs[0])
            case let .pair(m): return try m.trace(InputPair(inputs[0], inputs[1]))
            case let .bag(m): return try m.trace(inputs[0])
            }
        }
    }

    /// Saves the weights (and the optimizer state when compiled) with the completed epoch and
    /// metadata, atomically.
    ///
    /// - Throws: checkpoint and file errors.
    public func saveWeights(to url: URL, epoch: Int?, metadata: [String: String]) throws {
        switch reader {
        case let .one(m): try m.save(to: url, includeOptimizer: true, epoch: epoch, metadata: metadata)
        case let .two(m): try m.save(to: url, includeOptimizer: true, epoch: epoch, metadata: metadata)
        }
    }

    /// Whether every weight is a finite number (no NaN or infinity from a diverged update).
    ///
    /// - Throws: what listing the weights throws (a name used twice).
    public func weightsAreFinite() throws -> Bool {
        func finite(_ parameters: [(name: String, parameter: Parameter<Float>)]) -> Bool {
            parameters.allSatisfy { $0.parameter.value.scalars.allSatisfy(\.isFinite) }
        }
        switch reader {
        case let .one(m): return finite(try m.namedParameters())
        case let .two(m): return finite(try m.namedParameters())
        }
    }

    /// Loads the weights strictly by name (optimizer state ignored).
    ///
    /// - Throws: `SafeTensorsError` or `CheckpointError` naming the tensor that does not fit.
    @discardableResult
    public func loadWeights(from url: URL) throws -> CheckpointInfo {
        switch reader {
        case let .one(m): return try m.load(from: url)
        case let .two(m): return try m.load(from: url)
        }
    }
}
