import Foundation

/// The layout of a delimited text file.
public enum TextFileFormat: Sendable, Equatable {
    /// RFC 4180 comma-separated values: quoted fields may hold commas, doubled quotes and line ends.
    case csv
    /// Tab-separated values: one record per line, fields split on tabs, quotes are plain text.
    case tsv

    /// The byte that separates fields.
    var delimiter: UInt8 { self == .csv ? UInt8(ascii: ",") : UInt8(ascii: "\t") }

    /// The format named by a file's extension: `.csv` is CSV, `.tsv` and `.txt` are TSV
    /// (case-insensitive).
    ///
    /// - Throws: ``TextDataError/unknownFormat(file:fileExtension:)`` for any other extension.
    public init(inferringFrom url: URL) throws {
        let ext = url.pathExtension.lowercased()
        switch ext {
        case "csv": self = .csv
        case "tsv", "txt": self = .tsv
        default: throw TextDataError.unknownFormat(file: url.path, fileExtension: url.pathExtension)
        }
    }
}
