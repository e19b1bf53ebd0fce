import ArgumentParser
import Foundation
import Heed
import HeedModels
import HeedText

/// `heed train`: trains a ready model on a CSV/TSV file and writes a model folder.
struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a text classifier and write a model folder.",
        discussion: """
            Reads --data, builds the vocabulary from the training rows, trains, and writes the model folder --out after every epoch: config.json, model.safetensors, vocab.txt, labels.json, history.csv, loss.svg and accuracy.svg; for two classes roc.svg on the held-out rows follows at the end.

            Held-out data: --test-data FILE, or --train-rows/--test-rows ranges of --data, or else a random --validation-split of --data. The held-out rows are evaluated after every epoch (--early-stopping watches their loss) and at the end. With test data, --validation-split holds out a random fraction of the training rows for the per-epoch evaluation and early stopping instead, and the test rows are only evaluated once, at the end. With --pair-column the pair model reads two texts per row. --resume continues an interrupted run from its last complete epoch (pass the same data options).

            Example (IMDb's official split):
              heed train --data IMDB_Dataset.csv --text-column review \\
                --label-column sentiment --train-rows 1-25000 \\
                --test-rows 25001-50000 --epochs 3 --out imdb-model
            """)

    @Option(help: "The training data file (CSV or TSV with a header line).")
    var data: String

    @Option(help: "A separate file of test rows, evaluated at the end (and after every epoch unless --validation-split is given).")
    var testData: String?

    @Option(parsing: .unconditional, help: "The fraction of the training rows held out for validation after every epoch (default 0.2 when there are no test rows; with --test-data or --test-rows, the test rows validate unless this is given).")
    var validationSplit: Double?

    @Option(help: "The column holding the text.")
    var textColumn: String

    @Option(help: "A second text column: trains the pair model on (text, pair) rows.")
    var pairColumn: String?

    @Option(help: "The column holding the label (any strings; at least two classes).")
    var labelColumn: String

    @Option(help: "The model: text (attention classifier), pair (CNN + attention over two texts), transformer, or bag (logistic regression over the set of a text's words and n-grams, scaled by naive Bayes: NBSVM; --max-len caps its distinct tokens).")
    var model: ModelKindOption?

    @Option(parsing: .unconditional, help: "Vocabulary size, padding and unknown-word ids included.")
    var vocabSize: Int = 10_000

    @Option(name: .customLong("max-len"), parsing: .unconditional, help: "Tokens per text: longer texts are cut, shorter ones padded.")
    var maxLength: Int = 200

    @Option(parsing: .unconditional, help: "Word n-grams up to this width join the words, as Keras TextVectorization's ngrams: 2 adds every pair of neighbouring words (\"not good\") to the vocabulary and to each text, after its words; --max-len counts them all.")
    var ngrams: Int = 1

    @Option(parsing: .unconditional, help: "Embedding width.")
    var embedDim: Int = 64

    @Option(parsing: .unconditional, help: "Transformer: attention heads.")
    var numHeads: Int = Defaults.numHeads

    @Option(parsing: .unconditional, help: "Transformer: key size per head.")
    var keyDim: Int = Defaults.keyDim

    @Option(parsing: .unconditional, help: "Transformer: feed-forward width.")
    var ffDim: Int = Defaults.ffDim

    @Option(parsing: .unconditional, help: "Transformer: encoder blocks.")
    var blocks: Int = Defaults.blocks

    @Option(parsing: .unconditional, help: "Dropout rate while training: the transformer's, in every block (default 0.1); the text model's, on the embedded tokens (Keras Dropout after the Embedding; default 0, none).")
    var dropout: Double?

    @Option(parsing: .unconditional, help: "Bag model: the added weight of each token's naive Bayes log-count ratio in the logits, the model before training (default 0.02).")
    var nbWeight: Double?

    @Flag(help: "Transformer: multiply the token embeddings by √embed-dim before adding the positions (Attention Is All You Need); off, they are added as they are, as in Keras' examples.")
    var scaleEmbeddings = false

    @Flag(help: "Keep digits as word characters (\"2003\", \"1\" and \"5\" from \"$1.5\"), as Keras TextVectorization's default standardisation does; by default only letters make words.")
    var keepDigits = false

    @Option(parsing: .unconditional, help: "Pair model: convolution filters.")
    var filters: Int = Defaults.filters

    @Option(parsing: .unconditional, help: "Pair model: convolution kernel size (Keras Conv1D's kernel_size; 'same' padding).")
    var kernelSize: Int = Defaults.kernelSize

    @Flag(help: "Pair model: add the interaction head [q, a, |q-a|, q*a] with a hidden layer.")
    var interactionHead = false

    @Flag(help: "Pair model: the output layer also reads five word-overlap features of the two texts (shared words and shared neighbouring word pairs, each as a share of either text, and the length difference).")
    var overlapFeatures = false

    @Flag(help: "Text and pair models: mask padding (id 0) in attention and pooling.")
    var maskZero = false

    @Option(parsing: .unconditional, help: "Total number of epochs.")
    var epochs: Int = 10

    @Option(name: .customLong("batch-size"), parsing: .unconditional, help: "Examples per training step (default: \(Defaults.batchSize)).")
    var batchSizeOption: Int?
    /// `--batch-size`, or its default (an option left out is not checked on `--resume`).
    var batchSize: Int { batchSizeOption ?? Defaults.batchSize }

    @Option(parsing: .unconditional, help: "End each epoch after this many steps of its shuffled order (Keras' steps_per_epoch; default: every example once).")
    var stepsPerEpoch: Int?

    @Option(name: .customLong("learning-rate"), parsing: .unconditional, help: "Adam learning rate (default: \(Defaults.learningRate)).")
    var learningRateOption: Double?
    /// `--learning-rate`, or its default.
    var learningRate: Double { learningRateOption ?? Defaults.learningRate }

    @Flag(help: "Let the learning rate fall from --learning-rate to 0 along a half cosine over every step of --epochs (Keras CosineDecay).")
    var cosineDecay = false

    @Option(parsing: .unconditional, help: "Train with AdamW and this decoupled weight decay (Keras AdamW's weight_decay: every step each weight w first becomes w − w·decay·learning rate); default: Adam, no decay.")
    var weightDecay: Double?

    @Option(parsing: .unconditional, help: "Keep a moving average of the weights with this momentum, e.g. 0.99 (Keras use_ema=True, ema_momentum): after each step average = m·average + (1 − m)·weights; validation is evaluated with the average (SwapEMAWeights) and the model folder ends with it.")
    var emaMomentum: Double?

    @Option(help: "Seed of the initial weights, the shuffling and the random split.")
    var seed: UInt64 = 42

    @Option(parsing: .unconditional, help: "Threads for matrix products (default: all cores).")
    var threads: Int?

    @Option(help: "Training rows of --data, e.g. 1-25000 (1 = the first row after the header).")
    var trainRows: RowRange?

    @Option(help: "Test rows of --data, e.g. 25001-50000, evaluated as --test-data is.")
    var testRows: RowRange?

    @Option(parsing: .unconditional, help: "Stop when the validation loss has not improved for this many epochs (best weights are kept).")
    var earlyStopping: Int?

    @Option(help: "The model folder to write.")
    var out: String

    @Flag(help: "Continue the run in --out from its last complete epoch.")
    var resume = false

    @Flag(help: "Print one line per epoch instead of a progress bar.")
    var quiet = false

    @Flag(help: "Stream the data instead of reading it into memory: one pass counts tokens, one encodes every row once into an id cache on disk (beside --out, or in --cache-dir), and training reads its batches from there. An unchanged file with the same options reuses the cache. Same weights as without it.")
    var stream = false

    @Option(help: "With --stream: the folder for id caches (default: the folder holding --out).")
    var cacheDir: String?

    @OptionGroup var file: FileOptions

    /// Checks every option before reading data.
    func checkOptions() throws {
        if vocabSize < 2 { throw CLIError("--vocab-size must be at least 2 (padding and unknown word), got \(vocabSize)") }
        if maxLength < 1 { throw CLIError("--max-len must be at least 1, got \(maxLength)") }
        if ngrams < 1 { throw CLIError("--ngrams must be at least 1 (1 = words alone), got \(ngrams)") }
        if embedDim < 1 { throw CLIError("--embed-dim must be at least 1, got \(embedDim)") }
        if epochs < 1 { throw CLIError("--epochs must be at least 1, got \(epochs)") }
        if batchSize < 1 { throw CLIError("--batch-size must be at least 1, got \(batchSize)") }
        if let stepsPerEpoch, stepsPerEpoch < 1 { throw CLIError("--steps-per-epoch must be at least 1, got \(stepsPerEpoch)") }
        if !(learningRate > 0 && learningRate.isFinite) { throw CLIError("--learning-rate must be a positive number, got \(learningRate)") }
        let cores = ProcessInfo.processInfo.activeProcessorCount
        if let threads, !(1...max(1, cores)).contains(threads) {
            throw CLIError("--threads must be between 1 and \(max(1, cores)) (the cores of this machine), got \(threads)")
        }
        if textColumns.contains(labelColumn) {
            throw CLIError("--label-column \(labelColumn) is also a text column; the label must be a column of its own")
        }
        if numHeads < 1 || keyDim < 1 || ffDim < 1 || blocks < 1 || filters < 1 || kernelSize < 1 {
            throw CLIError("--num-heads, --key-dim, --ff-dim, --blocks, --filters and --kernel-size must be at least 1")
        }
        if let dropout, !(dropout >= 0 && dropout < 1) { throw CLIError("--dropout must be in [0, 1), got \(dropout)") }
        if let dropout, dropout > 0, kind == .pair || kind == .bag {
            throw CLIError("--dropout applies to the text and transformer models, not the \(kind.rawValue) model")
        }
        if let nbWeight {
            if kind != .bag { throw CLIError("--nb-weight applies to the bag model alone (--model bag)") }
            if !(nbWeight >= 0 && nbWeight.isFinite) { throw CLIError("--nb-weight must be a number ≥ 0, got \(nbWeight)") }
        }
        if overlapFeatures && kind != .pair { throw CLIError("--overlap-features applies to the pair model alone (it compares two texts)") }
        if let weightDecay, !(weightDecay >= 0 && weightDecay.isFinite) {
            throw CLIError("--weight-decay must be a number ≥ 0, got \(weightDecay)")
        }
        if let earlyStopping, earlyStopping < 0 { throw CLIError("--early-stopping must not be negative, got \(earlyStopping)") }
        if let emaMomentum, !(emaMomentum >= 0 && emaMomentum < 1) {
            throw CLIError("--ema-momentum must be in [0, 1), got \(emaMomentum)")
        }
        if emaMomentum != nil && earlyStopping != nil {
            throw CLIError("--ema-momentum and --early-stopping cannot be combined: early stopping would restore trained weights that the averages then replace; fix --epochs instead")
        }
        if let validationSplit, !(validationSplit > 0 && validationSplit < 1) {
            throw CLIError("--validation-split must be between 0 and 1 (both excluded), got \(validationSplit)")
        }
        try trainRows?.check(option: "--train-rows")
        try testRows?.check(option: "--test-rows")
        if testData != nil && testRows != nil { throw CLIError("pass --test-data or --test-rows, not both") }
        if testRows != nil && trainRows == nil { throw CLIError("--test-rows needs --train-rows") }
        // An option of another kind of model would be ignored: refuse it (a size is given when it is not its default).
        let kindOptions: [(option: String, given: Bool, kinds: [ModelKind])] = [
            ("--scale-embeddings", scaleEmbeddings, [.transformer]), ("--interaction-head", interactionHead, [.pair]),
            ("--mask-zero", maskZero, [.text, .pair]), ("--filters", filters != Defaults.filters, [.pair]),
            ("--kernel-size", kernelSize != Defaults.kernelSize, [.pair]), ("--num-heads", numHeads != Defaults.numHeads, [.transformer]),
            ("--key-dim", keyDim != Defaults.keyDim, [.transformer]), ("--ff-dim", ffDim != Defaults.ffDim, [.transformer]),
            ("--blocks", blocks != Defaults.blocks, [.transformer]),
        ]
        for (option, given, kinds) in kindOptions where given && !kinds.contains(kind) {
            throw CLIError("\(option) applies to the \(kinds.map(\.rawValue).joined(separator: " and ")) model\(kinds.count == 1 ? "" : "s"), "
                           + "not the \(kind.rawValue) model")
        }
        if let kind = model?.kind {
            if kind == .pair && pairColumn == nil { throw CLIError("--model pair needs --pair-column") }
            if kind != .pair && pairColumn != nil { throw CLIError("--pair-column trains the pair model; drop --model \(kind.rawValue) or --pair-column") }
        }
        if let trainRows, let testRows, trainRows.last >= testRows.first && testRows.last >= trainRows.first {
            throw CLIError("--train-rows \(trainRows.first)-\(trainRows.last) and --test-rows \(testRows.first)-\(testRows.last) overlap")
        }
    }

    var kind: ModelKind { model?.kind ?? (pairColumn != nil ? .pair : .text) }

    /// The defaults of the sizes that belong to one kind of model, and of the training
    /// settings `--resume` checks when given.
    enum Defaults {
        static let numHeads = 2, keyDim = 32, ffDim = 128, blocks = 1, filters = 100, kernelSize = 4
        static let batchSize = 32, learningRate = 0.001
    }
    var textColumns: [String] { [textColumn] + (pairColumn.map { [$0] } ?? []) }

    /// The rows `heed train` uses: it trains on `train`, logs `validation` after every epoch
    /// (which `--early-stopping` watches) and evaluates `test` at the end.
    struct Splits {
        var train: LabeledRows
        var validation: LabeledRows
        /// The test rows, or `nil` when there are none (the final evaluation is then on the
        /// validation rows) or when they are the validation rows themselves.
        var test: LabeledRows?
        /// Whether the validation rows are the test rows (test data and no --validation-split).
        var validationIsTest: Bool
    }

    /// The training, validation and test rows. With test data and no --validation-split the
    /// test rows also serve as validation rows; otherwise a seeded random fraction of the
    /// training rows is held out for validation. Rows with no words after cleaning are skipped
    /// with a warning; all of them empty is an error.
    func readSplits() throws -> Splits {
        let all = try file.readLabeled(data, textColumns: textColumns, labelColumn: labelColumn)
        var train = all
        if let trainRows { train = all.subset(try trainRows.indices(rowCount: all.count, option: "--train-rows", file: data)) }
        var test: LabeledRows?
        if let testData {
            test = try file.readLabeled(testData, textColumns: textColumns, labelColumn: labelColumn)
        } else if let testRows {
            test = all.subset(try testRows.indices(rowCount: all.count, option: "--test-rows", file: data))
        }
        train = try train.droppingTextsWithoutWords(role: "training", keepingDigits: keepDigits)
        test = try test?.droppingTextsWithoutWords(role: "test", keepingDigits: keepDigits)
        var splits: Splits
        if let test, validationSplit == nil {
            splits = Splits(train: train, validation: test, test: nil, validationIsTest: true)
        } else {
            guard train.count >= 2 else { throw CLIError("\(data): \(train.count) training row(s) cannot be split for validation") }
            let fraction = validationSplit ?? 0.2
            if DatasetSplit.heldOutCount(count: train.count, testFraction: fraction) >= train.count {
                throw CLIError("--validation-split \(fraction) holds out every one of the \(train.count) training rows; lower it")
            }
            let split = try DatasetSplit.random(count: train.count, testFraction: fraction, seed: seed)
            splits = Splits(train: train.subset(split.train), validation: train.subset(split.test), test: test,
                            validationIsTest: false)
        }
        // The classes in the order the model will have them (numeric labels numerically).
        let labels = splits.train.texts.labels
        let classes = try LabelEncoder(fitting: labels).classes  // one class: that error, before any unknown test label
        try splits.validation.checkLabels(known: classes)
        try splits.test?.checkLabels(known: classes)
        return splits
    }

    func run() throws {
        try checkOptions()
        if let threads { Heed.threads = threads }
        let folder = URL(fileURLWithPath: out)
        try ModelFolder.createFolder(folder)
        let configExists = FileManager.default.fileExists(atPath: folder.appendingPathComponent(ModelFolder.configFile).path)
        if resume && !configExists {
            throw CLIError("--resume: \(out) holds no model to continue (no config.json); drop --resume to start a new one")
        }
        if !resume && configExists {
            throw CLIError("\(out) already holds a model; pass --resume to continue it, or choose another --out")
        }
        if stream { return try runStreamed(folder: folder) }
        let splits = try readSplits()
        let trainTexts = splits.train.texts, heldOutTexts = splits.validation.texts
        let testRowCount = splits.test?.count ?? 0
        let started = ContinuousClock.now

        let ready: ReadyModel
        let train: EncodedTexts, heldOut: EncodedTexts
        var history = History()
        var completed = 0
        if resume {
            ready = try loadModelFolder(out)
            guard ready.config.textColumns == textColumns, ready.config.labelColumn == labelColumn else {
                throw CLIError("--resume: \(out) was trained on columns \(ready.config.textColumns) → \(ready.config.labelColumn), not \(textColumns) → \(labelColumn)")
            }
            try checkResumable(ready)
            train = try encode(trainTexts, with: ready)
            heldOut = try encode(heldOutTexts, with: ready)
            (history, completed) = try ModelFolder.savedProgress(in: folder)
        } else {
            let advice = "lower --max-len, --embed-dim, --batch-size or the model's sizes"
            var sizes = ModelConfig(kind: kind, vocabSize: 2, maxLength: maxLength, embedDim: embedDim,
                                    classes: [], textColumns: textColumns, labelColumn: labelColumn, format: nil)
            sizes.filters = filters
            sizes.kernelSize = kernelSize
            sizes.numHeads = numHeads
            sizes.keyDim = keyDim
            sizes.ffDim = ffDim
            sizes.blocks = blocks
            try MemoryCheck.check(sizes, batchSize: batchSize, rows: trainTexts.count + heldOutTexts.count + testRowCount,
                                  advice: advice)
            let options = TextDatasetOptions(textColumns: textColumns, labelColumn: labelColumn, vocabularySize: vocabSize,
                                             maxLength: maxLength, ngrams: ngrams, keepsDigits: keepDigits,
                                             distinctTokens: kind == .bag, seed: seed)
            let dataset = try TextDataset.make(train: trainTexts, test: heldOutTexts, options: options)
            let config = modelConfig(vocabulary: dataset.vocabulary, labels: dataset.labelEncoder, trainingRows: dataset.train.count)
            try MemoryCheck.check(config, batchSize: batchSize, rows: dataset.train.count + dataset.test.count + testRowCount,
                                  advice: advice)
            ready = try ReadyModel(config: config, vocabulary: dataset.vocabulary, labels: dataset.labelEncoder)
            train = dataset.train
            heldOut = dataset.test
            try ModelFolder.writeDescription(of: ready, to: folder)
        }
        let test = try splits.test.map { try encode($0.texts, with: ready) }
        try trainAndReport(ready, train: .memory(train), heldOut: .memory(heldOut), test: test.map(Examples.memory),
                           validationIsTest: splits.validationIsTest, history: history, completed: completed,
                           folder: folder, started: started)
    }

    /// Examples in memory, or in an id cache on disk.
    enum Examples {
        case memory(EncodedTexts)
        case cached(CachedTexts)

        var count: Int {
            switch self {
            case let .memory(e): return e.count
            case let .cached(c): return c.count
            }
        }
    }

    /// Trains (unless `completed` epochs already reach --epochs), evaluates `test` (else
    /// `heldOut`) and prints the results, writing the ROC chart for two classes.
    func trainAndReport(_ ready: ReadyModel, train: Examples, heldOut: Examples, test: Examples?, validationIsTest: Bool,
                        history: History, completed: Int, folder: URL, started: ContinuousClock.Instant) throws {
        let rows = "\(train.count) training rows, \(heldOut.count) \(validationIsTest ? "test" : "validation") rows"
            + (test.map { ", \($0.count) test rows" } ?? "")
        let parameters = try ready.namedParameters().map(\.parameter)
        let total = parameters.reduce(0) { $0 + $1.value.count }
        let trained = parameters.filter(\.trainable).reduce(0) { $0 + $1.value.count }
        printOut("heed: \(ready.config.kind.rawValue) model, \(total) weights\(trained == total ? "" : " (\(trained) trained)"); "
                 + "\(rows); vocabulary \(ready.vocabulary.count); "
                 + "classes \(ready.labels.classes.joined(separator: ", ")); BLAS kernel \(Heed.blasCoreName), \(Heed.threads) thread(s)")
        if completed >= epochs {
            printOut("heed: \(out) has already trained \(completed) epoch(s) of \(epochs); nothing to do")
        } else {
            ready.compile()
            var callbacks: [any Callback] = []
            if let earlyStopping {
                callbacks.append(EarlyStopping(monitor: "val_loss", patience: earlyStopping, restoreBestWeights: true))
            }
            if ready.config.training.emaMomentum != nil { callbacks.append(SwapEMAWeights()) }
            // The ROC curve is drawn once, from the final evaluation below, rather than from
            // another pass over the held-out rows after every epoch.
            let writer = EpochWriter(model: ready, folder: folder, history: history, completedEpochs: completed,
                                     validation: nil)
            callbacks.insert(TerminateOnNaN(), at: 0)
            callbacks.append(writer)
            let verbosity: Verbosity = quiet ? .oneLinePerEpoch : .progressBar
            let resumeFrom = resume ? folder.appendingPathComponent(ModelFolder.weightsFile) : nil
            switch (train, heldOut) {
            case let (.memory(train), .memory(heldOut)):
                try ready.fit(train, validation: heldOut.count > 0 ? heldOut : nil, epochs: epochs, callbacks: callbacks,
                              verbose: verbosity, resumeFrom: resumeFrom, stepsPerEpoch: stepsPerEpoch)
            case let (.cached(train), .cached(heldOut)):
                try ready.fit(train, validation: heldOut.count > 0 ? heldOut : nil, epochs: epochs, callbacks: callbacks,
                              verbose: verbosity, resumeFrom: resumeFrom, stepsPerEpoch: stepsPerEpoch)
            default:
                preconditionFailure("training and held-out examples come from the same place")
            }
            if let divergence = writer.divergence { throw DataFileError("\(divergence); lower --learning-rate") }
        }
        let report: EvaluationReport
        switch test ?? heldOut {
        case let .memory(examples): report = try EvaluationReport(model: ready, data: examples)
        case let .cached(examples): report = try EvaluationReport(model: ready, data: examples)
        }
        let reportName = test != nil || validationIsTest ? "test" : "validation"
        if report.classes.count == 2 {
            let chart = ROCCurve.chart(scores: report.positiveScores, labels: report.labels.map { $0 == 1 },
                                       title: "ROC curve (\(report.classes[1]) vs \(report.classes[0]))")
            try ModelFolder.write(Data(chart.svg().utf8), to: folder.appendingPathComponent("roc.svg"))
        }
        let seconds = Double((ContinuousClock.now - started).components.seconds)
        printOut("\(reportName) accuracy: \(String(format: "%.4f", report.accuracy))"
                 + (report.auc.map { String(format: ", ROC AUC: %.4f", $0) } ?? "")
                 + String(format: ", loss: %.4f (%d rows)", report.loss, report.count))
        printOut("model folder: \(folder.path) (charts: loss.svg, accuracy.svg\(ready.config.classCount == 2 ? ", roc.svg" : "")); "
                 + "\(Int(seconds)) s")
    }

    /// `--stream`: builds or reuses the id cache, then trains from it.
    func runStreamed(folder: URL) throws {
        let started = ContinuousClock.now
        let hasTest = testData != nil || testRows != nil
        // The folder to resume is loaded first, so that a damaged one fails before the cache is
        // built; its texts are read as it was trained on them (a bag model's as sets of ids).
        let resumed = resume ? try loadModelFolder(out) : nil
        let trainedKind = resumed?.config.kind ?? kind
        let options = StreamedTextOptions(
            textColumns: textColumns, labelColumn: labelColumn, vocabularySize: vocabSize, maxLength: maxLength,
            ngrams: ngrams, keepsDigits: keepDigits, distinctTokens: trainedKind == .bag, seed: seed, trainRows: trainRows.map { $0.first...$0.last },
            testRows: testRows.map { $0.first...$0.last }, testFile: testData.map { URL(fileURLWithPath: $0) },
            validationFraction: validationSplit ?? (hasTest ? nil : 0.2), format: file.format?.format,
            decoding: file.encoding.decoding, maxFieldBytes: file.maxFieldBytes)
        let cacheRoot = URL(fileURLWithPath: cacheDir ?? folder.standardizedFileURL.deletingLastPathComponent().path)
        let dataset: StreamedTextDataset
        do {
            dataset = try StreamedTextDataset.build(
                data: URL(fileURLWithPath: data), options: options, cacheRoot: cacheRoot,
                progress: { if !quiet || $0.finished { printError("heed: " + $0.line) } },
                warning: { printError("heed: warning: " + $0) })
        } catch let TextDataError.rowsPastEnd(_, role, first, last, rowCount) {  // as the in-memory path says it
            throw CLIError("--\(role == "test" ? "test" : "train")-rows \(first)-\(last) goes past the last data row of \(data) (\(rowCount) rows)")
        }
        printOut("heed: \(dataset.reused ? "reusing" : "wrote") the id cache \(dataset.cacheFolder.path)")
        let validationIsTest = dataset.validation == nil && dataset.test != nil
        guard let heldOut = dataset.validation ?? dataset.test else {
            throw CLIError("--stream needs held-out rows: --validation-split, --test-data or --test-rows")
        }
        let ready: ReadyModel
        var history = History()
        var completed = 0
        if let resumed {
            ready = resumed
            guard ready.vocabulary.tokens == dataset.vocabulary.tokens, ready.labels.classes == dataset.labelEncoder.classes else {
                throw CLIError("--resume: \(out) was trained on other data or options (its vocabulary or classes differ); "
                               + "pass the options it was trained with")
            }
            try checkResumable(ready)
            (history, completed) = try ModelFolder.savedProgress(in: folder)
        } else {
            let config = modelConfig(vocabulary: dataset.vocabulary, labels: dataset.labelEncoder, trainingRows: dataset.train.count)
            try MemoryCheck.check(config, batchSize: batchSize, rows: 1,
                                  advice: "lower --max-len, --embed-dim, --batch-size or the model's sizes")
            ready = try ReadyModel(config: config, vocabulary: dataset.vocabulary, labels: dataset.labelEncoder)
            try ModelFolder.writeDescription(of: ready, to: folder)
        }
        try trainAndReport(ready, train: .cached(dataset.train), heldOut: .cached(heldOut),
                           test: validationIsTest ? nil : dataset.test.map(Examples.cached),
                           validationIsTest: validationIsTest, history: history, completed: completed,
                           folder: folder, started: started)
    }

    /// Refuses to resume with another `--max-len` (the texts would be cut differently), with a
    /// `--batch-size`, `--learning-rate`, `--weight-decay` or `--ema-momentum` given that differs
    /// from the model's (resuming continues with the model's), or past the end of a cosine
    /// schedule, whose learning rate is 0 there: such epochs would change nothing and still be
    /// reported as trained.
    func checkResumable(_ ready: ReadyModel) throws {
        let saved = ready.config.training
        // Each option given that differs from the model's (the max length always counts: it cuts the texts).
        let differing: [(option: String, saved: String, given: String)?] = [
            ready.config.maxLength == maxLength ? nil : ("--max-len", "\(ready.config.maxLength)", "\(maxLength)"),
            batchSizeOption.flatMap { $0 == saved.batchSize ? nil : ("--batch-size", "\(saved.batchSize)", "\($0)") },
            learningRateOption.flatMap { $0 == saved.learningRate ? nil : ("--learning-rate", "\(saved.learningRate)", "\($0)") },
            weightDecay.flatMap { $0 == saved.weightDecay ? nil : ("--weight-decay", saved.weightDecay.map { "\($0)" } ?? "none", "\($0)") },
            emaMomentum.flatMap { $0 == saved.emaMomentum ? nil : ("--ema-momentum", saved.emaMomentum.map { "\($0)" } ?? "none", "\($0)") },
        ]
        if let (option, was, given) = differing.compactMap({ $0 }).first {
            throw CLIError("--resume: \(out) was trained with \(option) \(was), not \(given); pass the options it was trained with")
        }
        let planned = ready.config.training.epochs
        guard ready.config.training.cosineDecaySteps != nil, epochs > planned else { return }
        throw CLIError("--resume: \(out) was trained with --cosine-decay over \(planned) epoch\(planned == 1 ? "" : "s"), after which "
                       + "its learning rate is 0; resume with --epochs \(planned) at most, or train a new model with --epochs \(epochs)")
    }

    /// The model configuration of these options for a vocabulary and classes.
    func modelConfig(vocabulary: Vocabulary, labels: LabelEncoder, trainingRows: Int) -> ModelConfig {
        var config = ModelConfig(kind: kind, vocabSize: vocabulary.count, maxLength: maxLength, embedDim: embedDim,
                                 classes: labels.classes, textColumns: textColumns, labelColumn: labelColumn,
                                 format: file.formatName(for: data))
        config.maskZero = maskZero
        // Left out for words alone, so that such folders stay readable by earlier versions.
        config.ngrams = ngrams > 1 ? ngrams : nil
        config.keepDigits = keepDigits ? true : nil
        config.filters = filters
        config.kernelSize = kernelSize
        config.interactionHead = interactionHead
        // Left out when off, so that such folders stay readable by earlier versions.
        config.overlapFeatures = overlapFeatures ? true : nil
        config.numHeads = numHeads
        config.keyDim = keyDim
        config.ffDim = ffDim
        config.blocks = blocks
        switch kind {
        case .transformer: config.dropout = dropout ?? 0.1
        case .text: config.embeddingDropout = dropout.flatMap { $0 > 0 ? $0 : nil }
        case .bag: config.nbWeight = nbWeight
        case .pair: break
        }
        if kind == .transformer { config.scaleEmbeddings = scaleEmbeddings }
        config.seed = seed
        config.training = .init(epochs: epochs, batchSize: batchSize, learningRate: learningRate,
                                earlyStoppingPatience: earlyStopping, weightDecay: weightDecay, emaMomentum: emaMomentum)
        if cosineDecay {
            let stepsPerEpoch = self.stepsPerEpoch ?? (max(trainingRows, 1) - 1) / batchSize + 1
            let (steps, overflow) = epochs.multipliedReportingOverflow(by: stepsPerEpoch)
            config.training.cosineDecaySteps = overflow ? .max : max(1, steps)
        }
        return config
    }

    func encode(_ texts: LabeledTexts, with model: ReadyModel) throws -> EncodedTexts {
        try EncodedTexts(inputs: model.encode(texts.texts), labels: IntTensor(model.labels.encode(texts.labels)))
    }
}

/// `--model`: which ready model to train.
enum ModelKindOption: String, ExpressibleByArgument, CaseIterable {
    case text, pair, transformer, bag

    var kind: ModelKind { ModelKind(rawValue: rawValue) ?? .text }
}
