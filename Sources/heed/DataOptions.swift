import ArgumentParser
import Foundation
import HeedText

/// `--format`: how a data file is laid out.
enum FormatOption: String, ExpressibleByArgument, CaseIterable {
    case csv, tsv

    var format: TextFileFormat { self == .csv ? .csv : .tsv }
}

/// `--encoding`: how a data file's bytes become text.
enum EncodingOption: String, ExpressibleByArgument, CaseIterable {
    case utf8, lossy, latin1

    var decoding: TextDecoding {
        switch self {
        case .utf8: return .strict
        case .lossy: return .lossy
        case .latin1: return .latin1
        }
    }
}

/// `A-B`: data rows A to B, 1-based and inclusive, counting the row after the header as 1.
struct RowRange: ExpressibleByArgument, Equatable {
    let first: Int
    let last: Int

    init?(argument: String) {
        let parts = argument.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2, let a = Int(parts[0].replacingOccurrences(of: ",", with: "")),
              let b = Int(parts[1].replacingOccurrences(of: ",", with: "")) else { return nil }
        first = a
        last = b
    }

    /// Checks that the range starts at row 1 or later and does not run backwards.
    func check(option: String) throws {
        if first < 1 { throw CLIError("\(option) \(first)-\(last): rows count from 1, the first row after the header") }
        if last < first {
            throw CLIError("\(option) \(first)-\(last): the first row is after the last; write FIRST-LAST, e.g. 1-25000")
        }
    }

    /// The 0-based indices of the range, checked against the number of rows.
    func indices(rowCount: Int, option: String, file: String) throws -> [Int] {
        guard last <= rowCount else {
            throw CLIError("\(option) \(first)-\(last) goes past the last data row of \(file) (\(rowCount) rows)")
        }
        return Array((first - 1)..<last)
    }
}

/// The options every command that reads a data file shares.
struct FileOptions: ParsableArguments {
    @Option(help: "The data file layout: csv or tsv (default: from the extension; .csv is CSV, .tsv and .txt are TSV).")
    var format: FormatOption?

    @Option(help: "How to decode the file: utf8 (invalid bytes are an error), lossy (invalid bytes become U+FFFD) or latin1.")
    var encoding: EncodingOption = .utf8

    @Option(parsing: .unconditional, help: "The longest field accepted, in bytes (default 10485760, 10 MiB); a longer one is an error.")
    var maxFieldBytes: Int = DelimitedFileReader.defaultMaxFieldBytes

    /// Opens `path` with these options.
    func reader(for path: String) throws -> DelimitedFileReader {
        if maxFieldBytes < 1 { throw CLIError("--max-field-bytes must be at least 1, got \(maxFieldBytes)") }
        return try DelimitedFileReader(contentsOf: URL(fileURLWithPath: path), format: format?.format,
                                       decoding: encoding.decoding, maxFieldBytes: maxFieldBytes)
    }

    /// Reads the named columns of `path`.
    func readColumns(_ names: [String], from path: String) throws -> [[String]] {
        try reader(for: path).readColumns(names)
    }

    /// Reads the named columns of `path` with the line each row starts on; also returns the
    /// file's name as messages show it.
    func readColumnsWithLines(_ names: [String], from path: String) throws -> (columns: [[String]], lines: [Int], file: String) {
        let reader = try reader(for: path)
        let indices = try names.map { try reader.columnIndex(named: $0) }
        var columns = [[String]](repeating: [], count: indices.count)
        var lines: [Int] = []
        while let record = try reader.nextRecord() {
            for (k, index) in indices.enumerated() { columns[k].append(record.fields[index]) }
            lines.append(record.line)
        }
        return (columns, lines, reader.name)
    }

    /// Reads the text columns and the label column of `path`, with the line of each row.
    func readLabeled(_ path: String, textColumns: [String], labelColumn: String) throws -> LabeledRows {
        var (columns, lines, name) = try readColumnsWithLines(textColumns + [labelColumn], from: path)
        let labels = columns.removeLast()
        return LabeledRows(file: name, texts: try LabeledTexts(texts: columns, labels: labels), lines: lines)
    }

    /// The format name stored in a model's configuration.
    func formatName(for path: String) -> String? {
        if let format { return format.rawValue }
        return (try? TextFileFormat(inferringFrom: URL(fileURLWithPath: path))) == .csv ? "csv" : "tsv"
    }
}

/// Writes `text` to standard output.
func printOut(_ text: String) {
    FileHandle.standardOutput.write(Data((text + "\n").utf8))
}

/// Checks that `path`'s folder exists and is writable, so a long run does not fail at its end.
func checkWritable(_ path: String, option: String) throws {
    let url = URL(fileURLWithPath: path)
    let folder = url.deletingLastPathComponent()
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: folder.path, isDirectory: &isDirectory), isDirectory.boolValue else {
        throw CLIError("\(option) \(path): the folder \(folder.path) does not exist")
    }
    guard FileManager.default.isWritableFile(atPath: folder.path) else {
        throw CLIError("\(option) \(path): the folder \(folder.path) is not writable")
    }
}
