import Foundation
import Heed

/// Everything needed to rebuild a trained model and feed it text, saved as `config.json`:
/// the model kind and its sizes, the sequence length, the data layout it was trained on and
/// the training settings.
///
/// The JSON keys are snake_case (`vocab_size`, `max_length`, …).
public struct ModelConfig: Codable, Equatable, Sendable {
    /// The model architecture.
    public var kind: ModelKind
    /// Rows of the embedding table: the vocabulary size, padding and `<UNK>` included.
    public var vocabSize: Int
    /// The sequence length texts are cut or padded to.
    public var maxLength: Int
    /// The embedding width.
    public var embedDim: Int
    /// The class names by id (as in `labels.json`).
    public var classes: [String]
    /// The text column, or the two columns of a pair model.
    public var textColumns: [String]
    /// The label column.
    public var labelColumn: String
    /// The data file layout (`csv` or `tsv`) the model was trained on, if known.
    public var format: String?
    /// The widest word n-gram among the tokens (Keras `TextVectorization`'s `ngrams`, see
    /// `NGrams`); `nil`, as in folders written before n-grams existed, means words alone.
    public var ngrams: Int?
    /// Whether digits are kept as word characters when texts are cleaned (`TextCleaner`'s
    /// `keepingDigits`); `nil`, as in folders written before the option existed, means no.
    public var keepDigits: Bool?
    /// Whether id 0 is masked in the text and pair models (the transformer always masks it).
    public var maskZero: Bool = false
    /// Conv1D filters of the pair model.
    public var filters: Int = 100
    /// Conv1D kernel size of the pair model.
    public var kernelSize: Int = 4
    /// Whether the pair model has the interaction head.
    public var interactionHead: Bool = false
    /// Units of the pair model's interaction head.
    public var hiddenUnits: Int = 64
    /// Whether the pair model's output layer also reads the texts' overlap features (see
    /// `PairClassifier.overlapFeatures`); `nil`, as in folders written before the option
    /// existed, means no.
    public var overlapFeatures: Bool?
    /// Attention heads of the transformer.
    public var numHeads: Int = 2
    /// Per-head key size of the transformer.
    public var keyDim: Int = 32
    /// Feed-forward width of the transformer.
    public var ffDim: Int = 128
    /// Encoder blocks of the transformer.
    public var blocks: Int = 1
    /// Dropout rate of the transformer.
    public var dropout: Double = 0.1
    /// Dropout rate on the embedded tokens of the text model while training (Keras `Dropout`
    /// after the `Embedding`); `nil`, as in folders written before the option existed, means none.
    public var embeddingDropout: Double?
    /// Whether the transformer multiplies its token embeddings by √embedDim (see
    /// `TransformerClassifier`). A new transformer configuration says `false`; `nil`, as in
    /// folders written before the option existed, means `true`, the scale those were trained with.
    public var scaleEmbeddings: Bool?
    /// The added weight of each token's naive Bayes vote in the bag model (see
    /// `BagClassifier`); `nil` means ``defaultNBWeight``.
    public var nbWeight: Double?
    /// The seed of the initial weights and of the shuffling.
    public var seed: UInt64 = 42
    /// The training settings.
    public var training: TrainingSettings = TrainingSettings()
    /// The Heed version that wrote the folder.
    public var heedVersion: String = HeedModelsInfo.version

    /// How the model is trained.
    public struct TrainingSettings: Codable, Equatable, Sendable {
        /// The total number of epochs asked for.
        public var epochs: Int = 10
        /// Examples per step.
        public var batchSize: Int = 32
        /// Adam's learning rate.
        public var learningRate: Double = 0.001
        /// Epochs without improvement of the validation loss before stopping, if any.
        public var earlyStoppingPatience: Int?
        /// AdamW's decoupled weight decay (Keras `AdamW(weight_decay=…)`); `nil` trains with Adam.
        public var weightDecay: Double?
        /// With a value, the learning rate follows Keras' `CosineDecay` from ``learningRate``
        /// to 0 over this many steps; `nil` keeps it constant.
        public var cosineDecaySteps: Int?
        /// With a value, the optimizer keeps a moving average of the weights with this momentum
        /// (Keras `use_ema=True, ema_momentum=…`), validation is evaluated with it and the model
        /// ends with it; `nil` keeps none.
        public var emaMomentum: Double?

        /// Settings with Keras' usual defaults.
        public init(epochs: Int = 10, batchSize: Int = 32, learningRate: Double = 0.001, earlyStoppingPatience: Int? = nil,
                    weightDecay: Double? = nil, cosineDecaySteps: Int? = nil, emaMomentum: Double? = nil) {
            self.epochs = epochs
            self.batchSize = batchSize
            self.learningRate = learningRate
            self.earlyStoppingPatience = earlyStoppingPatience
            self.weightDecay = weightDecay
            self.cosineDecaySteps = cosineDecaySteps
            self.emaMomentum = emaMomentum
        }

        /// The learning rate over the optimizer's steps.
        public var schedule: LearningRateSchedule {
            cosineDecaySteps.map { .cosineDecay(initial: learningRate, decaySteps: $0) } ?? .constant(learningRate)
        }
    }

    /// A configuration; sizes not given take the documented defaults.
    public init(kind: ModelKind, vocabSize: Int, maxLength: Int, embedDim: Int = 64, classes: [String],
                textColumns: [String], labelColumn: String, format: String? = nil) {
        self.kind = kind
        self.vocabSize = vocabSize
        self.maxLength = maxLength
        self.embedDim = embedDim
        self.classes = classes
        self.textColumns = textColumns
        self.labelColumn = labelColumn
        self.format = format
        self.scaleEmbeddings = kind == .transformer ? false : nil
    }

    /// The bag model's naive Bayes weight when ``nbWeight`` is not set.
    public static let defaultNBWeight = 0.02

    /// The number of classes.
    public var classCount: Int { classes.count }

    /// Whether the transformer scales its token embeddings: ``scaleEmbeddings``, or `true`
    /// when it is not set (folders written before the option existed).
    public var transformerScalesEmbeddings: Bool { scaleEmbeddings ?? true }

    /// Whether texts keep their digits: ``keepDigits``, or `false` when it is not set.
    public var keepsDigits: Bool { keepDigits ?? false }

    /// The widest word n-gram among the tokens: ``ngrams``, or 1 when it is not set.
    public var ngramWidth: Int { ngrams ?? 1 }

    /// Checks that every size makes sense.
    ///
    /// - Throws: ``ModelFolderError/invalidConfig(file:reason:)`` naming the first bad value.
    public func validate(file: String = "config.json") throws {
        func fail(_ reason: String) -> ModelFolderError { .invalidConfig(file: file, reason: reason) }
        if vocabSize < 2 { throw fail("vocab_size \(vocabSize) must be at least 2") }
        if maxLength < 1 { throw fail("max_length \(maxLength) must be at least 1") }
        if embedDim < 1 { throw fail("embed_dim \(embedDim) must be at least 1") }
        if let ngrams, ngrams < 1 { throw fail("ngrams \(ngrams) must be at least 1") }
        if classes.count < 2 { throw fail("classes must list at least two classes, got \(classes.count)") }
        let columns = kind == .pair ? 2 : 1
        if textColumns.count != columns {
            throw fail("a \(kind.rawValue) model needs \(columns) text column\(columns == 1 ? "" : "s"), got \(textColumns.count)")
        }
        if filters < 1 || kernelSize < 1 || hiddenUnits < 1 { throw fail("filters, kernel_size and hidden_units must be at least 1") }
        if numHeads < 1 || keyDim < 1 || ffDim < 1 || blocks < 1 { throw fail("num_heads, key_dim, ff_dim and blocks must be at least 1") }
        if !(dropout >= 0 && dropout < 1) { throw fail("dropout \(dropout) must be in [0, 1)") }
        if let embeddingDropout, !(embeddingDropout >= 0 && embeddingDropout < 1) {
            throw fail("embedding_dropout \(embeddingDropout) must be in [0, 1)")
        }
        if let nbWeight, !(nbWeight >= 0 && nbWeight.isFinite) { throw fail("nb_weight \(nbWeight) must be a number ≥ 0") }
        if let weightDecay = training.weightDecay, !(weightDecay >= 0 && weightDecay.isFinite) {
            throw fail("training weight_decay \(weightDecay) must be a number ≥ 0")
        }
        if let momentum = training.emaMomentum, !(momentum >= 0 && momentum < 1) {
            throw fail("training ema_momentum \(momentum) must be in [0, 1)")
        }
        if let steps = training.cosineDecaySteps, steps < 1 { throw fail("training cosine_decay_steps \(steps) must be at least 1") }
        if training.epochs < 1 || training.batchSize < 1 { throw fail("training epochs and batch_size must be at least 1") }
        if !(training.learningRate > 0) { throw fail("training learning_rate \(training.learningRate) must be positive") }
    }

    /// The JSON text of the configuration (pretty-printed, sorted keys).
    public func jsonData() throws -> Data {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(self) + Data("\n".utf8)
    }

    /// A coding path as the file spells it: `training.batch_size`, `classes[2]`.
    private static func jsonPath(_ path: [any CodingKey]) -> String {
        path.reduce("") { text, key in
            if let index = key.intValue { return text + "[\(index)]" }
            let snake = key.stringValue.reduce("") { $0 + ($1.isUppercase ? "_" + $1.lowercased() : String($1)) }
            return text.isEmpty ? snake : text + "." + snake
        }
    }

    /// Decodes `config.json` contents.
    ///
    /// - Throws: ``ModelFolderError/invalidConfig(file:reason:)`` when the JSON does not fit.
    public static func decode(_ data: Data, file: String) throws -> ModelConfig {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        do {
            let config = try decoder.decode(ModelConfig.self, from: data)
            try config.validate(file: file)
            return config
        } catch let error as ModelFolderError {
            throw error
        } catch let DecodingError.keyNotFound(key, context) {
            throw ModelFolderError.invalidConfig(file: file, reason: "the key \"\(jsonPath(context.codingPath + [key]))\" is missing")
        } catch let DecodingError.typeMismatch(_, context), let DecodingError.valueNotFound(_, context) {
            let path = jsonPath(context.codingPath)
            throw ModelFolderError.invalidConfig(file: file, reason: "the value at \"\(path)\" has the wrong type")
        } catch let DecodingError.dataCorrupted(context) {
            let path = jsonPath(context.codingPath)
            throw ModelFolderError.invalidConfig(file: file, reason: path.isEmpty ? "not valid JSON" : "bad value at \"\(path)\"")
        } catch {
            throw ModelFolderError.invalidConfig(file: file, reason: "\(error)")
        }
    }
}
