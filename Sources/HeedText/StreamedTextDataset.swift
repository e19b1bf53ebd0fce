import Foundation
import Heed

/// What ``StreamedTextDataset/build(data:options:cacheRoot:progress:warning:)`` reads and how.
public struct StreamedTextOptions: Sendable, Equatable {
    /// The text column(s): one, or two for pairs.
    public var textColumns: [String]
    /// The label column.
    public var labelColumn: String
    /// The vocabulary size, padding and unknown-word ids included.
    public var vocabularySize: Int
    /// Tokens per text.
    public var maxLength: Int
    /// Word n-grams up to this width join the words (see ``NGrams``).
    public var ngrams: Int
    /// Whether digits are kept as word characters (see ``TextCleaner``).
    public var keepsDigits: Bool
    /// Whether each text is the set of its token ids (see ``TextDatasetOptions/distinctTokens``).
    public var distinctTokens: Bool
    /// The seed of the validation split.
    public var seed: UInt64
    /// The training rows of the data file (1-based, the first row after the header is 1); all
    /// rows when nil.
    public var trainRows: ClosedRange<Int>?
    /// The test rows of the data file (1-based), when the test rows come from it.
    public var testRows: ClosedRange<Int>?
    /// A separate file of test rows.
    public var testFile: URL?
    /// The fraction of the training rows held out, at random from `seed`, for validation; nil
    /// holds out none.
    public var validationFraction: Double?
    /// The file layout; nil infers it from the extension.
    public var format: TextFileFormat?
    /// How bytes become text.
    public var decoding: TextDecoding
    /// The longest field accepted, in bytes.
    public var maxFieldBytes: Int

    /// Options with the given columns; every other value takes the default documented on its
    /// property (no validation split, all rows for training).
    public init(textColumns: [String], labelColumn: String, vocabularySize: Int = 10_000, maxLength: Int = 200,
                ngrams: Int = 1, keepsDigits: Bool = false, distinctTokens: Bool = false, seed: UInt64 = 42, trainRows: ClosedRange<Int>? = nil, testRows: ClosedRange<Int>? = nil,
                testFile: URL? = nil, validationFraction: Double? = nil, format: TextFileFormat? = nil,
                decoding: TextDecoding = .strict, maxFieldBytes: Int = DelimitedFileReader.defaultMaxFieldBytes) {
        self.textColumns = textColumns
        self.labelColumn = labelColumn
        self.vocabularySize = vocabularySize
        self.maxLength = maxLength
        self.ngrams = ngrams
        self.keepsDigits = keepsDigits
        self.distinctTokens = distinctTokens
        self.seed = seed
        self.trainRows = trainRows
        self.testRows = testRows
        self.testFile = testFile
        self.validationFraction = validationFraction
        self.format = format
        self.decoding = decoding
        self.maxFieldBytes = maxFieldBytes
    }
}

/// How far a pass over a data file has come, for progress lines.
public struct StreamProgress: Sendable {
    /// What the pass does: "scanning rows", "counting tokens" or "encoding".
    public let pass: String
    /// The file read.
    public let file: String
    /// Data rows read so far.
    public let rows: Int
    /// Bytes read so far, and the file's size.
    public let bytes: Int, totalBytes: Int
    /// Seconds since the pass began.
    public let seconds: Double
    /// Whether the pass has ended.
    public let finished: Bool

    /// `counting tokens: 1,234,567 rows, 312 of 660 MB (47%), 85 MB/s, ETA 4 s`.
    public var line: String {
        let mb = Double(bytes) / 1e6, total = Double(totalBytes) / 1e6
        let rate = seconds > 0 ? mb / seconds : 0
        var text = "\(pass) \(URL(fileURLWithPath: file).lastPathComponent): \(rows) rows, "
            + String(format: "%.0f of %.0f MB", mb, total)
        if totalBytes > 0 { text += String(format: " (%.0f%%)", 100 * Double(bytes) / Double(totalBytes)) }
        text += String(format: ", %.0f MB/s", rate)
        if finished {
            text += String(format: ", %.1f s", seconds)
        } else if rate > 0 && totalBytes > bytes {
            text += String(format: ", ETA %.0f s", (total - mb) / rate)
        }
        return text
    }
}

/// Encoded examples of one part (training, validation or test) in an id cache.
public struct CachedTexts {
    /// One id matrix per text input, on disk.
    public let inputs: [CachedIDs]
    /// The class ids, in memory (4 bytes per row).
    public let labels: IntTensor

    /// The number of examples.
    public var count: Int { labels.scalars.count }
}

/// A labelled text data set of any size, read in passes and encoded once into an on-disk cache
/// of token ids, from which training reads its batches.
///
/// The passes: without a validation split, one pass counts the training rows' tokens for the
/// vocabulary (and their labels) and a second encodes every row; with one, a first pass counts
/// the usable training rows so the split can be drawn. Memory stays bounded by the distinct
/// tokens (the counts are exact) and 4 bytes of label per row, not by the file. The cache
/// holds the vocabulary, the classes and each part's ids and labels; it is a folder named after
/// the data file and a hash of the data files' sizes and modification times and every option,
/// so an unchanged file and options reuse it and any change builds a new one.
///
/// The result equals ``TextDataset`` on the same rows: the same vocabulary, classes, split and
/// ids, row for row, so training from it gives the same weights as training in memory.
public struct StreamedTextDataset {
    /// The token table.
    public let vocabulary: Vocabulary
    /// The class table, fitted on the training part's labels.
    public let labelEncoder: LabelEncoder
    /// The training examples.
    public let train: CachedTexts
    /// The validation examples held out of the training rows (`validationFraction`), or nil.
    public let validation: CachedTexts?
    /// The test examples (`testRows` or `testFile`), or nil.
    public let test: CachedTexts?
    /// The cache folder.
    public let cacheFolder: URL
    /// Whether an existing cache was reused (no pass over the data).
    public let reused: Bool

    /// The cache format's version, part of every cache key.
    static let formatVersion = 1

    /// Reads (or reuses) the id cache of `data` under `cacheRoot`.
    ///
    /// - Parameters:
    ///   - data: the CSV or TSV file.
    ///   - options: the columns, rows, vocabulary and encoding; every one is part of the cache key.
    ///   - cacheRoot: the folder that holds the cache folders.
    ///   - progress: called about once a second during each pass, and at its end.
    ///   - warning: called with each warning (rows skipped because they hold no words).
    /// - Throws: ``TextDataError`` for unreadable or malformed files, missing columns, bad
    ///   options, row ranges past the end, a single training class, unknown labels outside the
    ///   training part, or no usable rows.
    public static func build(
        data: URL, options: StreamedTextOptions, cacheRoot: URL,
        progress: (StreamProgress) -> Void = { _ in }, warning: (String) -> Void = { _ in }
    ) throws -> StreamedTextDataset {
        try check(options)
        let key = try cacheKey(data: data, options: options)
        let folder = cacheRoot.appendingPathComponent(
            "\(data.deletingPathExtension().lastPathComponent).\(fnv1a(key)).heedids", isDirectory: true)
        if let cached = try? open(folder, key: key, options: options) { return cached }
        try FileManager.default.createDirectory(at: cacheRoot, withIntermediateDirectories: true)
        let partialPrefix = ".\(folder.lastPathComponent).partial-"
        removeAbandonedBuilds(in: cacheRoot, prefix: partialPrefix)
        let partial = cacheRoot.appendingPathComponent(
            partialPrefix + "\(ProcessInfo.processInfo.processIdentifier)", isDirectory: true)
        try? FileManager.default.removeItem(at: partial)
        try FileManager.default.createDirectory(at: partial, withIntermediateDirectories: true)
        do {
            try write(data: data, options: options, key: key, into: partial, progress: progress, warning: warning)
            // Another process may have built the same cache meanwhile: keep the complete one.
            if let built = try? open(folder, key: key, options: options, reused: false) {
                try? FileManager.default.removeItem(at: partial)
                return built
            }
            try? FileManager.default.removeItem(at: folder)
            try FileManager.default.moveItem(at: partial, to: folder)
        } catch {
            try? FileManager.default.removeItem(at: partial)
            throw error
        }
        return try open(folder, key: key, options: options, reused: false)
    }

    /// Removes the half-built caches `prefix` + PID in `root` whose process has ended (killed or
    /// crashed while encoding); a live process's build is left alone.
    private static func removeAbandonedBuilds(in root: URL, prefix: String) {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: root.path) else { return }
        for name in names where name.hasPrefix(prefix) {
            guard let pid = Int32(name.dropFirst(prefix.count)), pid > 0, kill(pid, 0) == -1, errno == ESRCH else { continue }
            try? FileManager.default.removeItem(at: root.appendingPathComponent(name, isDirectory: true))
        }
    }

    private static func check(_ options: StreamedTextOptions) throws {
        func bad(_ message: String) -> TextDataError { .invalidArgument(operation: "StreamedTextDataset", message: message) }
        guard options.maxLength >= 1 else { throw bad("maxLength \(options.maxLength) must be at least 1") }
        guard options.ngrams >= 1 else { throw bad("ngrams \(options.ngrams) must be at least 1") }
        guard options.vocabularySize >= 2 else { throw bad("vocabularySize \(options.vocabularySize) must be at least 2") }
        guard (1...2).contains(options.textColumns.count) else { throw bad("one or two text columns, got \(options.textColumns.count)") }
        if let f = options.validationFraction, !(f > 0 && f < 1) { throw bad("validationFraction \(f) must be between 0 and 1") }
        if options.testRows != nil && options.testFile != nil { throw bad("test rows come from testRows or testFile, not both") }
    }

    // MARK: - The cache key

    /// The attributes of the file `url` names, through any symbolic links (the file that is read).
    static func attributesOfFile(_ url: URL) throws -> [FileAttributeKey: Any] {
        try FileManager.default.attributesOfItem(atPath: url.resolvingSymlinksInPath().path)
    }

    /// Every input of the cache: the files (path, size, modification time, file number) and
    /// every option.
    static func cacheKey(data: URL, options: StreamedTextOptions) throws -> String {
        func describe(_ url: URL) throws -> String {
            let attributes = try attributesOfFile(url)
            let size = (attributes[.size] as? NSNumber)?.int64Value ?? -1
            let modified = (attributes[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
            let number = (attributes[.systemFileNumber] as? NSNumber)?.uint64Value ?? 0
            return "\(url.standardizedFileURL.path)|\(size)|\(String(format: "%.6f", modified))|\(number)"
        }
        let fileError = { (url: URL) in TextDataError.unreadableFile(file: url.path, reason: "no such file") }
        guard FileManager.default.fileExists(atPath: data.path) else { throw fileError(data) }
        var parts = ["heed-ids v\(formatVersion)", "data=" + (try describe(data))]
        if let test = options.testFile {
            guard FileManager.default.fileExists(atPath: test.path) else { throw fileError(test) }
            parts.append("test=" + (try describe(test)))
        }
        parts.append("columns=\(options.textColumns.joined(separator: "\u{1F}"))|label=\(options.labelColumn)")
        parts.append("vocab=\(options.vocabularySize)|len=\(options.maxLength)|ngrams=\(options.ngrams)|digits=\(options.keepsDigits)|distinct=\(options.distinctTokens)|seed=\(options.seed)")
        parts.append("train=\(options.trainRows.map { "\($0.lowerBound)-\($0.upperBound)" } ?? "all")")
        parts.append("testRows=\(options.testRows.map { "\($0.lowerBound)-\($0.upperBound)" } ?? "none")")
        parts.append("validation=\(options.validationFraction.map { "\($0)" } ?? "none")")
        parts.append("format=\(options.format.map { "\($0)" } ?? "auto")|decoding=\(options.decoding)|maxField=\(options.maxFieldBytes)")
        return parts.joined(separator: "\n")
    }

    /// The 64-bit FNV-1a hash of `text`, in hex.
    static func fnv1a(_ text: String) -> String {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x100_0000_01B3
        }
        let hex = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }

    // MARK: - Reading a cache

    /// What `meta.json` records.
    struct Meta: Codable {
        var key: String
        var vocabulary: [String]
        var classes: [String]
        var idBytes: Int
        var maxLength: Int
        var inputs: Int
        /// Rows per part: "train", "validation", "test".
        var parts: [String: Int]
    }

    static let partNames = ["train", "validation", "test"]

    private static func open(_ folder: URL, key: String, options: StreamedTextOptions, reused: Bool = true) throws
        -> StreamedTextDataset {
        let metaURL = folder.appendingPathComponent("meta.json")
        let meta = try JSONDecoder().decode(Meta.self, from: Data(contentsOf: metaURL))
        guard meta.key == key, meta.maxLength == options.maxLength, meta.inputs == options.textColumns.count else {
            throw TextDataError.invalidArgument(operation: "StreamedTextDataset", message: "\(folder.path) was built for other data")
        }
        func part(_ name: String) throws -> CachedTexts? {
            guard let rows = meta.parts[name] else { return nil }
            let inputs = try (0..<meta.inputs).map {
                try CachedIDs(url: folder.appendingPathComponent("\(name).\($0).ids"), count: rows, width: meta.maxLength,
                              idBytes: meta.idBytes)
            }
            let labelData = try Data(contentsOf: folder.appendingPathComponent("\(name).labels"))
            guard labelData.count == rows * 4 else {
                throw TextDataError.unreadableFile(file: folder.appendingPathComponent("\(name).labels").path,
                                                   reason: "expected \(rows * 4) bytes; the id cache is damaged")
            }
            let labels = labelData.withUnsafeBytes { raw in
                (0..<rows).map { Int32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * $0, as: Int32.self)) }
            }
            return CachedTexts(inputs: inputs, labels: IntTensor(labels))
        }
        guard let train = try part("train") else {
            throw TextDataError.invalidArgument(operation: "StreamedTextDataset", message: "\(folder.path) has no training part")
        }
        return StreamedTextDataset(
            vocabulary: try Vocabulary(tokens: meta.vocabulary), labelEncoder: try LabelEncoder(classes: meta.classes),
            train: train, validation: try part("validation"), test: try part("test"), cacheFolder: folder, reused: reused)
    }

    // MARK: - Building a cache

    /// Where a data row goes.
    private enum Role { case train, test, none }

    /// The passes over the data that write the cache into `folder`.
    private static func write(data: URL, options: StreamedTextOptions, key: String, into folder: URL,
                              progress: (StreamProgress) -> Void, warning: (String) -> Void) throws {
        let columnNames = options.textColumns + [options.labelColumn]
        /// Whether every text of a row has a token, by the options' cleaning rule.
        func allHaveTokens(_ texts: [String]) -> Bool {
            texts.allSatisfy { TextCleaner.hasTokens($0, keepingDigits: options.keepsDigits) }
        }
        func role(_ row: Int) -> Role {
            if let train = options.trainRows {
                if train.contains(row) { return .train }
            } else if options.testRows == nil || !(options.testRows!.contains(row)) {
                return .train
            }
            if let test = options.testRows, test.contains(row) { return .test }
            return .none
        }

        // With a validation split, count the usable training rows first: the split needs it.
        var validationRows: [Int] = []  // sorted positions among the usable training rows
        var scanned = false
        var rowCount = 0
        // The lines of rows skipped for having no words, by role, noted by the first pass.
        var skipped: [Role: [Int]] = [:]
        if let fraction = options.validationFraction {
            var usable = 0
            rowCount = try eachRow(of: data, columns: columnNames, options: options, pass: "scanning rows",
                                   progress: progress) { row, line, texts, _ in
                let r = role(row)
                guard r != .none else { return }
                if !allHaveTokens(texts) {
                    skipped[r, default: []].append(line)
                } else if r == .train {
                    usable += 1
                }
            }
            try checkRanges(options, rowCount: rowCount, file: data.path)
            guard usable >= 2 else {
                throw TextDataError.invalidArgument(
                    operation: "StreamedTextDataset", message: "\(data.path): \(usable) usable training row(s) cannot be split for validation")
            }
            validationRows = try DatasetSplit.random(count: usable, testFraction: fraction, seed: options.seed).test
            scanned = true
        }

        // Pass: count the training part's tokens (column by column, as in memory) and labels.
        var counters = Array(repeating: TokenCounter(), count: options.textColumns.count)
        var trainLabels = Set<String>()
        var usableIndex = 0, nextValidation = 0
        let counted = try eachRow(of: data, columns: columnNames, options: options, pass: "counting tokens",
                                  progress: progress) { row, line, texts, label in
            let r = role(row)
            guard r != .none else { return }
            guard allHaveTokens(texts) else {
                if !scanned { skipped[r, default: []].append(line) }
                return
            }
            guard r == .train else { return }
            defer { usableIndex += 1 }
            if nextValidation < validationRows.count && validationRows[nextValidation] == usableIndex {
                nextValidation += 1
                return
            }
            trainLabels.insert(label)
            for (c, text) in texts.enumerated() {
                if options.ngrams == 1 {
                    TextCleaner.forEachToken(in: text, keepingDigits: options.keepsDigits) { counters[c].add($0) }
                } else {
                    counters[c].add(NGrams.tokens(in: text, upTo: options.ngrams, keepingDigits: options.keepsDigits))
                }
            }
        }
        if !scanned {
            rowCount = counted
            try checkRanges(options, rowCount: rowCount, file: data.path)
        }
        for (r, name) in [(Role.train, "training"), (.test, "test")] {
            if let lines = skipped[r] { warning(skipWarning(file: data.path, role: name, lines: lines)) }
        }
        guard usableIndex > 0 else {
            throw TextDataError.invalidArgument(
                operation: "StreamedTextDataset",
                message: "\(data.path): every training text is empty after cleaning (no letters); check the text column and the file's encoding")
        }
        var counter = TokenCounter()
        for column in counters { counter.add(contentsOf: column) }
        let vocabulary = try Vocabulary(counter: counter, maxSize: options.vocabularySize)
        let labelEncoder = try LabelEncoder(fitting: Array(trainLabels))
        counters = []

        // Pass: encode every row into its part.
        let idBytes = vocabulary.count <= 65_536 ? 2 : 4
        let hasValidation = options.validationFraction != nil
        let hasTest = options.testRows != nil || options.testFile != nil
        var writers: [String: [CachedIDsWriter]] = [:]
        var labels: [String: [Int32]] = [:]
        for name in partNames where name == "train" || (name == "validation" && hasValidation) || (name == "test" && hasTest) {
            writers[name] = try (0..<options.textColumns.count).map {
                try CachedIDsWriter(url: folder.appendingPathComponent("\(name).\($0).ids"), width: options.maxLength,
                                    idBytes: idBytes)
            }
            labels[name] = []
        }
        func append(_ part: String, _ texts: [String], _ label: String, file: String, line: Int) throws {
            guard let id = try? labelEncoder.encode(label) else {
                throw TextDataError.invalidArgument(
                    operation: "StreamedTextDataset",
                    message: "\(file): line \(line): unknown label \"\(label)\"; the training rows have "
                        + labelEncoder.classes.map { "\"\($0)\"" }.joined(separator: ", "))
            }
            for (c, text) in texts.enumerated() {
                let ids = try TextDataset.encode([text], vocabulary: vocabulary, maxLength: options.maxLength, ngrams: options.ngrams,
                                                keepingDigits: options.keepsDigits, distinct: options.distinctTokens)
                try writers[part]![c].append(ids.scalars[...])
            }
            labels[part]!.append(id)
        }
        usableIndex = 0
        nextValidation = 0
        _ = try eachRow(of: data, columns: columnNames, options: options, pass: "encoding", progress: progress) { row, line, texts, label in
            let r = role(row)
            guard r != .none, allHaveTokens(texts) else { return }
            if r == .test {
                try append("test", texts, label, file: data.path, line: line)
                return
            }
            defer { usableIndex += 1 }
            if nextValidation < validationRows.count && validationRows[nextValidation] == usableIndex {
                nextValidation += 1
                try append("validation", texts, label, file: data.path, line: line)
            } else {
                try append("train", texts, label, file: data.path, line: line)
            }
        }
        if let testFile = options.testFile {
            var skippedTest: [Int] = []
            _ = try eachRow(of: testFile, columns: columnNames, options: options, pass: "encoding", progress: progress) { _, line, texts, label in
                guard allHaveTokens(texts) else {
                    skippedTest.append(line)
                    return
                }
                try append("test", texts, label, file: testFile.path, line: line)
            }
            if !skippedTest.isEmpty { warning(skipWarning(file: testFile.path, role: "test", lines: skippedTest)) }
        }
        if hasTest && (labels["test"]?.isEmpty ?? true) {
            throw TextDataError.invalidArgument(
                operation: "StreamedTextDataset", message: "every test text is empty after cleaning (no letters)")
        }
        var parts: [String: Int] = [:]
        for (name, partWriters) in writers {
            for writer in partWriters { try writer.finish() }
            parts[name] = partWriters[0].count
            var bytes = Data(capacity: labels[name]!.count * 4)
            for id in labels[name]! { withUnsafeBytes(of: id.littleEndian) { bytes.append(contentsOf: $0) } }
            try bytes.write(to: folder.appendingPathComponent("\(name).labels"))
        }
        let meta = Meta(key: key, vocabulary: vocabulary.tokens, classes: labelEncoder.classes, idBytes: idBytes,
                        maxLength: options.maxLength, inputs: options.textColumns.count, parts: parts)
        try JSONEncoder().encode(meta).write(to: folder.appendingPathComponent("meta.json"))
    }

    private static func checkRanges(_ options: StreamedTextOptions, rowCount: Int, file: String) throws {
        for (name, range) in [("training", options.trainRows), ("test", options.testRows)] {
            if let range, range.upperBound > rowCount {
                throw TextDataError.rowsPastEnd(file: file, role: name, first: range.lowerBound, last: range.upperBound, rowCount: rowCount)
            }
        }
    }

    private static func skipWarning(file: String, role: String, lines: [Int]) -> String {
        let list = "line\(lines.count == 1 ? "" : "s") " + lines.prefix(5).map(String.init).joined(separator: ", ")
            + (lines.count > 5 ? ", …" : "")
        return "\(file): skipping \(lines.count) \(role) row\(lines.count == 1 ? "" : "s") with no words after cleaning (\(list))"
    }


    /// Calls `body(row, line, texts, label)` for every data row of `url` (rows count from 1),
    /// reporting progress about once a second; returns the number of rows.
    private static func eachRow(
        of url: URL, columns: [String], options: StreamedTextOptions, pass: String, progress: (StreamProgress) -> Void,
        _ body: (Int, Int, [String], String) throws -> Void
    ) throws -> Int {
        let reader = try DelimitedFileReader(contentsOf: url, format: options.format, decoding: options.decoding,
                                             maxFieldBytes: options.maxFieldBytes)
        let indices = try columns.map { try reader.columnIndex(named: $0) }
        let total = ((try? attributesOfFile(url))?[.size] as? NSNumber)?.intValue ?? 0
        let start = ContinuousClock.now
        var lastReport = start
        var row = 0
        func report(finished: Bool) {
            let seconds = Double((ContinuousClock.now - start) / .nanoseconds(1)) / 1e9
            progress(StreamProgress(pass: pass, file: url.path, rows: row, bytes: reader.bytesRead, totalBytes: total,
                                    seconds: seconds, finished: finished))
        }
        while let record = try reader.nextRecord() {
            row += 1
            let texts = indices.dropLast().map { record.fields[$0] }
            try body(row, record.line, texts, record.fields[indices.last!])
            if row % 4096 == 0, ContinuousClock.now - lastReport > .seconds(1) {
                lastReport = ContinuousClock.now
                report(finished: false)
            }
        }
        report(finished: true)
        return row
    }
}
