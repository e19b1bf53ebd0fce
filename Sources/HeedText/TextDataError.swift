import Foundation

/// An error a caller can cause with text data: a malformed CSV/TSV file, a missing column, an
/// unknown label, a bad vocabulary or labels file.
///
/// Every message names the file and, where it applies, the line (1-based, counting the header
/// as line 1), the column (1-based, with its header name when known) and the byte offset
/// (0-based, from the start of the file, counting a byte-order mark).
public enum TextDataError: Error, Equatable, Sendable, CustomStringConvertible, LocalizedError {
    /// The file could not be opened or read.
    case unreadableFile(file: String, reason: String)
    /// A file could not be written or renamed into place.
    case unwritableFile(file: String, reason: String)
    /// The format could not be inferred from the file name's extension.
    case unknownFormat(file: String, fileExtension: String)
    /// The file holds no header line (it is empty, or only blank lines or a byte-order mark).
    case emptyFile(file: String)
    /// The file holds a header line but no data rows.
    case headerOnly(file: String)
    /// A column named by the caller is not in the header.
    case missingColumn(file: String, column: String, available: [String])
    /// A row has a different number of fields than the header.
    case raggedRow(file: String, line: Int, expected: Int, got: Int)
    /// A quoted CSV field is still open at the end of the file.
    case unterminatedQuote(file: String, line: Int)
    /// A closing quote in a CSV field is followed by something other than a delimiter or a line end.
    case textAfterClosingQuote(file: String, line: Int, column: Int, columnName: String?)
    /// A NUL byte, which text files never contain (UTF-16 and binary files do).
    case nulByte(file: String, line: Int, offset: Int)
    /// A field is longer than the reader's limit.
    case fieldTooLarge(file: String, line: Int, column: Int, columnName: String?, limit: Int)
    /// A carriage return that is not followed by a line feed (old Mac OS line ends).
    case bareCarriageReturn(file: String, line: Int, offset: Int)
    /// Bytes that are not valid UTF-8 while reading strictly.
    case invalidUTF8(file: String, line: Int, offset: Int, byte: UInt8)
    /// A label at evaluation time that the label encoder has not seen in training.
    case unknownLabel(label: String, known: [String])
    /// The training labels hold fewer than two classes.
    case singleClass(labels: [String])
    /// A `vocab.txt` file that does not follow the layout.
    case invalidVocabularyFile(file: String, line: Int, reason: String)
    /// A `labels.json` file that does not follow the layout.
    case invalidLabelsFile(file: String, reason: String)
    /// An argument outside its valid range, described in words.
    case invalidArgument(operation: String, message: String)
    /// Rows `first...last` (counted from 1) asked for in `role` ("training", "test") go past the
    /// `rowCount` data rows of `file`.
    case rowsPastEnd(file: String, role: String, first: Int, last: Int, rowCount: Int)

    /// The message a user reads: what was wrong, where, and what to do.
    public var description: String {
        switch self {
        case let .unreadableFile(file, reason):
            return "\(file): cannot read the file: \(reason)"
        case let .unwritableFile(file, reason):
            return "\(file): cannot write the file: \(reason)"
        case let .unknownFormat(file, ext):
            let shown = ext.isEmpty ? "no extension" : "the extension \".\(ext)\""
            return "\(file): cannot tell the format from \(shown); use .csv, .tsv or .txt, or name the format"
        case let .emptyFile(file):
            return "\(file): the file is empty; expected a header line followed by data rows"
        case let .headerOnly(file):
            return "\(file): the file has a header line but no data rows"
        case let .missingColumn(file, column, available):
            return "\(file): no column named \"\(column)\"; the columns are \(Self.quotedList(available))"
        case let .raggedRow(file, line, expected, got):
            return "\(file): line \(line) has \(got) fields, expected \(expected) as in the header"
        case let .unterminatedQuote(file, line):
            return "\(file): line \(line): a quoted field starts here and is never closed"
        case let .textAfterClosingQuote(file, line, column, name):
            return "\(file): line \(line), \(Self.columnText(column, name)): unexpected text after a closing quote; "
                + "a quote inside a quoted field must be doubled (\"\")"
        case let .nulByte(file, line, offset):
            return "\(file): line \(line): NUL byte at byte offset \(offset); text files never contain one "
                + "(is this a binary or UTF-16 file?)"
        case let .fieldTooLarge(file, line, column, name, limit):
            return "\(file): line \(line), \(Self.columnText(column, name)): field is longer than the limit of "
                + "\(limit) bytes; raise maxFieldBytes if such fields are intended"
        case let .bareCarriageReturn(file, line, offset):
            return "\(file): line \(line): carriage return without a line feed at byte offset \(offset); "
                + "line ends must be LF or CRLF"
        case let .invalidUTF8(file, line, offset, byte):
            return "\(file): line \(line): invalid UTF-8 (byte 0x\(Self.hex(byte))) at byte offset \(offset); "
                + "convert the file to UTF-8, or read it with the lossy or latin1 decoding"
        case let .unknownLabel(label, known):
            return "unknown label \"\(label)\"; the known labels are \(Self.quotedList(known))"
        case let .singleClass(labels):
            return "the training labels hold only \(labels.count) class\(labels.count == 1 ? "" : "es") "
                + "(\(Self.quotedList(labels))); a classifier needs at least two"
        case let .invalidVocabularyFile(file, line, reason):
            return "\(file): line \(line): \(reason)"
        case let .invalidLabelsFile(file, reason):
            return "\(file): \(reason)"
        case let .invalidArgument(operation, message):
            return "\(operation): \(message)"
        case let .rowsPastEnd(file, role, first, last, rowCount):
            return "the \(role) rows \(first)-\(last) go past the last data row of \(file) (\(rowCount) rows)"
        }
    }

    /// The same text as ``description``, for `localizedDescription`.
    public var errorDescription: String? { description }

    private static func quotedList(_ names: [String]) -> String {
        names.map { "\"\($0)\"" }.joined(separator: ", ")
    }

    private static func columnText(_ column: Int, _ name: String?) -> String {
        if let name { return "column \(column) (\"\(name)\")" }
        return "column \(column)"
    }

    private static func hex(_ byte: UInt8) -> String {
        let digits = Array("0123456789ABCDEF")
        return String([digits[Int(byte >> 4)], digits[Int(byte & 0x0F)]])
    }
}
