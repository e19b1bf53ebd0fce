import Foundation
import Heed

/// What ``TextDataset/load(_:testFile:options:)`` reads and how it encodes it.
public struct TextDatasetOptions: Sendable, Equatable {
    /// The text column, or two for sentence pairs (query, value).
    public var textColumns: [String]
    /// The label column.
    public var labelColumn: String
    /// CSV or TSV; `nil` infers it from the file extension.
    public var format: TextFileFormat?
    /// How bytes become text.
    public var decoding: TextDecoding
    /// The longest field the reader accepts, in bytes.
    public var maxFieldBytes: Int
    /// The vocabulary size, padding and `<UNK>` included.
    public var vocabularySize: Int
    /// The sequence length: longer texts are cut at the end, shorter ones padded at the end.
    public var maxLength: Int
    /// The widest word n-gram among the tokens (Keras `TextVectorization`'s `ngrams`): 1 for
    /// words alone, 2 to add every pair of neighbouring words, and so on (see ``NGrams``).
    public var ngrams: Int
    /// Whether digits are kept as word characters (see ``TextCleaner``); by default they split
    /// words and are dropped.
    public var keepsDigits: Bool
    /// Whether each text becomes the set of its token ids rather than their sequence: every id
    /// once, in the order of its first appearance, cut to `maxLength` after the repeats are
    /// dropped (Keras `TextVectorization(output_mode="multi_hot")`, kept as the list of the ids
    /// that are set instead of a vocabulary-wide vector).
    public var distinctTokens: Bool
    /// The held-out fraction when there is no separate test file.
    public var testFraction: Double
    /// The seed of the random split.
    public var seed: UInt64

    /// Options with the usual defaults: vocabulary of 20,000, length 200, words without
    /// n-grams, 20% held out, seed 42.
    public init(
        textColumns: [String], labelColumn: String, format: TextFileFormat? = nil,
        decoding: TextDecoding = .strict, maxFieldBytes: Int = DelimitedFileReader.defaultMaxFieldBytes,
        vocabularySize: Int = 20_000, maxLength: Int = 200, ngrams: Int = 1, keepsDigits: Bool = false,
        distinctTokens: Bool = false, testFraction: Double = 0.2, seed: UInt64 = 42
    ) {
        self.textColumns = textColumns
        self.labelColumn = labelColumn
        self.format = format
        self.decoding = decoding
        self.maxFieldBytes = maxFieldBytes
        self.vocabularySize = vocabularySize
        self.maxLength = maxLength
        self.ngrams = ngrams
        self.keepsDigits = keepsDigits
        self.distinctTokens = distinctTokens
        self.testFraction = testFraction
        self.seed = seed
    }
}

/// A labelled text data set, cleaned, encoded and padded: file → (texts, labels) → tokens →
/// vocabulary of the training split → ids → `[count, maxLength]` matrices.
///
/// ```swift
/// let options = TextDatasetOptions(textColumns: ["review"], labelColumn: "sentiment")
/// let data = try TextDataset.load(URL(fileURLWithPath: "IMDB_Dataset.csv"), options: options)
/// for batch in try data.train.batches(size: 32, seed: 1) { … }   // batch.ids [32, 200]
/// ```
public struct TextDataset: Sendable, Equatable {
    /// The token table, built from the training split only.
    public let vocabulary: Vocabulary
    /// The class table, fitted on the training labels.
    public let labelEncoder: LabelEncoder
    /// The training examples.
    public let train: EncodedTexts
    /// The held-out examples.
    public let test: EncodedTexts
    /// The sequence length of every id matrix.
    public let maxLength: Int

    /// Reads `url` and, if given, `testFile`; without a test file a seeded random fraction of
    /// `url` is held out.
    ///
    /// - Throws: ``TextDataError`` for unreadable or malformed files, missing columns, bad
    ///   options, a single training class, or a test label that training never saw.
    public static func load(_ url: URL, testFile: URL? = nil, options: TextDatasetOptions) throws -> TextDataset {
        let all = try read(url, options)
        if let testFile {
            return try make(train: all, test: try read(testFile, options), options: options)
        }
        let split = try DatasetSplit.random(count: all.count, testFraction: options.testFraction, seed: options.seed)
        return try make(train: all.subset(split.train), test: all.subset(split.test), options: options)
    }

    /// Cleans and encodes already-read training and held-out examples.
    ///
    /// - Throws: ``TextDataError`` for bad options, a single training class, mismatched text
    ///   column counts, or a test label that training never saw.
    public static func make(train: LabeledTexts, test: LabeledTexts, options: TextDatasetOptions) throws -> TextDataset {
        guard options.maxLength >= 1 else {
            throw TextDataError.invalidArgument(
                operation: "TextDataset", message: "maxLength \(options.maxLength) must be at least 1")
        }
        guard options.ngrams >= 1 else {
            throw TextDataError.invalidArgument(
                operation: "TextDataset", message: "ngrams \(options.ngrams) must be at least 1")
        }
        guard train.texts.count == test.texts.count else {
            throw TextDataError.invalidArgument(
                operation: "TextDataset",
                message: "training data has \(train.texts.count) text columns, test data \(test.texts.count)")
        }
        let labelEncoder = try LabelEncoder(fitting: train.labels)
        let trainLabels = try labelEncoder.encode(train.labels)
        let testLabels = try labelEncoder.encode(test.labels)

        // One cleaning pass over the training texts: count every token, keep only the first
        // maxLength of each text for encoding (every distinct token with `distinctTokens`, since
        // the cut comes after the repeats and the unknown tokens are merged).
        var counter = TokenCounter()
        var kept: [[[String]]] = []
        for column in train.texts {
            var columnTokens: [[String]] = []
            columnTokens.reserveCapacity(column.count)
            for text in column {
                var tokens: [String] = []
                if options.distinctTokens {
                    let all = NGrams.tokens(in: text, upTo: options.ngrams, keepingDigits: options.keepsDigits)
                    counter.add(all)
                    var seen = Set<String>()
                    tokens = all.filter { seen.insert($0).inserted }
                } else if options.ngrams == 1 {
                    TextCleaner.forEachToken(in: text, keepingDigits: options.keepsDigits) { token in
                        counter.add(token)
                        if tokens.count < options.maxLength { tokens.append(token) }
                    }
                } else {
                    tokens = NGrams.tokens(in: text, upTo: options.ngrams, keepingDigits: options.keepsDigits)
                    counter.add(tokens)
                    tokens.removeLast(Swift.max(0, tokens.count - options.maxLength))
                }
                columnTokens.append(tokens)
            }
            kept.append(columnTokens)
        }
        let vocabulary = try Vocabulary(counter: counter, maxSize: options.vocabularySize)
        let trainInputs = try kept.map { column in
            try SequencePadding.matrix(column.map {
                options.distinctTokens ? distinctIDs(vocabulary.encode($0)) : vocabulary.encode($0)
            }, maxLength: options.maxLength)
        }
        let testInputs = try test.texts.map {
            try encode($0, vocabulary: vocabulary, maxLength: options.maxLength, ngrams: options.ngrams,
                       keepingDigits: options.keepsDigits, distinct: options.distinctTokens)
        }
        return TextDataset(
            vocabulary: vocabulary, labelEncoder: labelEncoder,
            train: try EncodedTexts(inputs: trainInputs, labels: IntTensor(trainLabels)),
            test: try EncodedTexts(inputs: testInputs, labels: IntTensor(testLabels)),
            maxLength: options.maxLength)
    }

    /// Cleans, encodes and pads `texts` with `vocabulary` (for prediction on new text), with
    /// word n-grams up to width `ngrams` (see ``NGrams``), digits kept with `keepingDigits`;
    /// with `distinct`, each text's ids once each, in the order of their first appearance
    /// (see ``TextDatasetOptions/distinctTokens``).
    ///
    /// Shape: `[texts.count, maxLength]`.
    ///
    /// - Throws: ``TextDataError/invalidArgument(operation:message:)`` if `maxLength < 1` or
    ///   `ngrams < 1`.
    public static func encode(_ texts: [String], vocabulary: Vocabulary, maxLength: Int, ngrams: Int = 1,
                              keepingDigits: Bool = false, distinct: Bool = false) throws -> IntTensor {
        guard ngrams >= 1 else {
            throw TextDataError.invalidArgument(operation: "TextDataset.encode", message: "ngrams \(ngrams) must be at least 1")
        }
        var sequences: [[Int32]] = []
        sequences.reserveCapacity(texts.count)
        for text in texts {
            var ids: [Int32] = []
            if distinct {
                ids = distinctIDs(NGrams.tokens(in: text, upTo: ngrams, keepingDigits: keepingDigits).map(vocabulary.id(for:)))
            } else if ngrams == 1 {
                TextCleaner.forEachToken(in: text, keepingDigits: keepingDigits) { token in
                    if ids.count < maxLength { ids.append(vocabulary.id(for: token)) }
                }
            } else {
                ids = NGrams.tokens(in: text, upTo: ngrams, keepingDigits: keepingDigits).prefix(maxLength).map(vocabulary.id(for:))
            }
            sequences.append(ids)
        }
        return try SequencePadding.matrix(sequences, maxLength: maxLength)
    }

    /// `ids` without their repeats, each kept where it first appears.
    static func distinctIDs(_ ids: [Int32]) -> [Int32] {
        var seen = Set<Int32>(minimumCapacity: ids.count)
        return ids.filter { seen.insert($0).inserted }
    }

    private static func read(_ url: URL, _ options: TextDatasetOptions) throws -> LabeledTexts {
        try LabeledTexts.read(
            from: url, textColumns: options.textColumns, labelColumn: options.labelColumn,
            format: options.format, decoding: options.decoding, maxFieldBytes: options.maxFieldBytes)
    }

    private init(
        vocabulary: Vocabulary, labelEncoder: LabelEncoder, train: EncodedTexts, test: EncodedTexts, maxLength: Int
    ) {
        self.vocabulary = vocabulary
        self.labelEncoder = labelEncoder
        self.train = train
        self.test = test
        self.maxLength = maxLength
    }
}
