import Foundation

/// The layout of a delimited text file.
public enum TextFileFormat: Sendable, Equatable {
    /// RFC 4180 comma-separated values: quoted fields may hold commas, doubled quotes and line ends.
    case csv
    /// Tab-separated values: one record per line, fields split on tabs, quotes are plain text.
    case tsv

    /// `text` as one RFC 4180 CSV field: quoted, inner quotes doubled, when it holds a comma,
    /// quote or line end (or always). Read byte by byte: a `Character` may join a quote or comma
    /// with the mark after it, and "\r\n" is one `Character`.
    public static func csvField(_ text: String, alwaysQuoted: Bool = false) -> String {
        let quote = UInt8(ascii: "\"")
        guard alwaysQuoted || text.utf8.contains(where: { $0 == UInt8(ascii: ",") || $0 == quote || $0 == 10 || $0 == 13 })
        else { return text }
        var bytes: [UInt8] = [quote]
        for byte in text.utf8 {
            bytes.append(byte)
            if byte == quote { bytes.append(quote) }
        }
        bytes.append(quote)
        return String(decoding: bytes, as: UTF8.self)
    }

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
