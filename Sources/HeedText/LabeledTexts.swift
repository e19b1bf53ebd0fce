import Foundation

/// Raw texts and their labels as read from a file: one or two text columns and a label column.
public struct LabeledTexts: Sendable, Equatable {
    /// One array per text column (one for single texts, two for pairs), each `[count]`.
    public let texts: [[String]]
    /// The label of each example, `[count]`.
    public let labels: [String]

    /// Examples from text columns and labels.
    ///
    /// - Throws: ``TextDataError/invalidArgument(operation:message:)`` if there are no text
    ///   columns or the counts differ.
    public init(texts: [[String]], labels: [String]) throws {
        guard !texts.isEmpty, texts.allSatisfy({ $0.count == labels.count }) else {
            throw TextDataError.invalidArgument(
                operation: "LabeledTexts",
                message: "text columns of \(texts.map(\.count)) rows do not match \(labels.count) labels")
        }
        self.texts = texts
        self.labels = labels
    }

    /// The number of examples.
    public var count: Int { labels.count }

    /// Reads the named text columns and the label column of a CSV or TSV file.
    ///
    /// - Parameters:
    ///   - url: the CSV or TSV file.
    ///   - textColumns: one column name, or two for sentence pairs.
    ///   - labelColumn: the column holding each row's label.
    ///   - format: `nil` infers it from the extension.
    ///   - decoding: strict UTF-8 (default), lossy UTF-8, or Latin-1.
    ///   - maxFieldBytes: the longest field accepted.
    /// - Throws: ``TextDataError`` for an unreadable or malformed file or a missing column.
    public static func read(
        from url: URL, textColumns: [String], labelColumn: String, format: TextFileFormat? = nil,
        decoding: TextDecoding = .strict, maxFieldBytes: Int = DelimitedFileReader.defaultMaxFieldBytes
    ) throws -> LabeledTexts {
        guard textColumns.count == 1 || textColumns.count == 2 else {
            throw TextDataError.invalidArgument(
                operation: "LabeledTexts.read", message: "expected one or two text columns, got \(textColumns.count)")
        }
        let reader = try DelimitedFileReader(
            contentsOf: url, format: format, decoding: decoding, maxFieldBytes: maxFieldBytes)
        var columns = try reader.readColumns(textColumns + [labelColumn])
        let labels = columns.removeLast()
        return try LabeledTexts(texts: columns, labels: labels)
    }

    /// The examples at `indices`, in that order.
    public func subset(_ indices: [Int]) -> LabeledTexts {
        LabeledTexts(unchecked: texts.map { column in indices.map { column[$0] } }, labels: indices.map { labels[$0] })
    }

    private init(unchecked texts: [[String]], labels: [String]) {
        self.texts = texts
        self.labels = labels
    }
}
