import Foundation

/// One data row of a delimited file: its fields and the line it starts on.
public struct DelimitedRecord: Sendable, Equatable {
    /// The line (1-based, the header is line 1) where the record starts.
    public let line: Int
    /// The decoded fields, in header order.
    public let fields: [String]

    /// A record starting on `line`.
    public init(line: Int, fields: [String]) {
        self.line = line
        self.fields = fields
    }
}

/// A streaming reader for CSV (RFC 4180) and TSV files with a header line.
///
/// The file is read in chunks and parsed on bytes, so memory stays bounded by the chunk size and
/// the longest field (``maxFieldBytes``), never by the file. A leading UTF-8 byte-order mark is
/// skipped. Line ends are LF or CRLF; a bare carriage return is an error, because silently
/// reading old Mac OS line ends as one giant line (or guessing) loses data. Blank lines are
/// skipped. Every row must have as many fields as the header.
///
/// ```swift
/// let reader = try DelimitedFileReader(contentsOf: url)   // format from the extension
/// let columns = try reader.readColumns(["review", "sentiment"])
/// ```
public final class DelimitedFileReader {
    /// The default limit on a single field: 10 MiB.
    public static let defaultMaxFieldBytes = 10 * 1024 * 1024
    /// The default number of bytes read at a time: 1 MiB.
    public static let defaultChunkSize = 1 << 20

    /// The file being read.
    public let url: URL
    /// CSV or TSV.
    public let format: TextFileFormat
    /// How bytes become text.
    public let decoding: TextDecoding
    /// The longest field accepted, in bytes.
    public let maxFieldBytes: Int
    /// The column names from the first line.
    public private(set) var header: [String] = []

    private let handle: FileHandle
    private let chunkSize: Int
    private var parser: DelimitedParser
    private var queueIndex = 0
    private var finished = false
    /// An error found while parsing ahead; thrown once the records before it are taken.
    private var deferredError: Error?
    private var dataRows = 0

    /// Opens `url` and reads its header line.
    ///
    /// - Parameters:
    ///   - url: the file to read.
    ///   - format: CSV or TSV; `nil` infers it from the extension (`.csv`, `.tsv`, `.txt`).
    ///   - decoding: strict UTF-8 (default), lossy UTF-8, or Latin-1.
    ///   - maxFieldBytes: the longest field accepted; longer ones are an error, so a runaway
    ///     field never takes unbounded memory.
    ///   - chunkSize: bytes read at a time.
    /// - Throws: ``TextDataError`` if the file cannot be read, its format cannot be inferred, it
    ///   has no header line, or the header itself is malformed.
    public init(
        contentsOf url: URL, format: TextFileFormat? = nil, decoding: TextDecoding = .strict,
        maxFieldBytes: Int = DelimitedFileReader.defaultMaxFieldBytes,
        chunkSize: Int = DelimitedFileReader.defaultChunkSize
    ) throws {
        guard maxFieldBytes > 0, chunkSize > 0 else {
            throw TextDataError.invalidArgument(
                operation: "DelimitedFileReader", message: "maxFieldBytes and chunkSize must be positive")
        }
        self.url = url
        self.format = try format ?? TextFileFormat(inferringFrom: url)
        self.decoding = decoding
        self.maxFieldBytes = maxFieldBytes
        self.chunkSize = chunkSize
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
            throw TextDataError.unreadableFile(file: url.path, reason: "no such file")
        }
        guard !isDirectory.boolValue else {
            throw TextDataError.unreadableFile(file: url.path, reason: "it is a directory")
        }
        do {
            handle = try FileHandle(forReadingFrom: url)
        } catch {
            throw TextDataError.unreadableFile(file: url.path, reason: "\(error.localizedDescription)")
        }
        parser = DelimitedParser(
            file: url.path, format: self.format, decoding: decoding, maxFieldBytes: maxFieldBytes)
        try readByteOrderMark()
        guard let first = try nextRawRecord() else { throw TextDataError.emptyFile(file: url.path) }
        header = first.fields
    }

    deinit {
        try? handle.close()
    }

    /// The index of the column named `name` (exact match).
    ///
    /// - Throws: ``TextDataError/missingColumn(file:column:available:)`` listing the columns.
    public func columnIndex(named name: String) throws -> Int {
        guard let index = header.firstIndex(of: name) else {
            throw TextDataError.missingColumn(file: url.path, column: name, available: header)
        }
        return index
    }

    /// The next data row, or `nil` at the end of the file.
    ///
    /// - Throws: ``TextDataError`` for a malformed row (its line, column and what was wrong), and
    ///   ``TextDataError/headerOnly(file:)`` if the file ends before its first data row.
    public func nextRecord() throws -> DelimitedRecord? {
        guard let record = try nextRawRecord() else {
            if dataRows == 0 { throw TextDataError.headerOnly(file: url.path) }
            return nil
        }
        dataRows += 1
        return record
    }

    /// Reads every remaining row and returns the named columns, one array per name.
    ///
    /// Shapes: `names.count` arrays, each with one string per data row.
    ///
    /// - Throws: ``TextDataError/missingColumn(file:column:available:)`` before reading any row,
    ///   then whatever ``nextRecord()`` throws.
    public func readColumns(_ names: [String]) throws -> [[String]] {
        let indices = try names.map { try columnIndex(named: $0) }
        var columns = [[String]](repeating: [], count: names.count)
        while let record = try nextRecord() {
            for (k, index) in indices.enumerated() { columns[k].append(record.fields[index]) }
        }
        return columns
    }

    private func readByteOrderMark() throws {
        guard let start = try readChunk(maxCount: 3), !start.isEmpty else { return }
        let bom: [UInt8] = [0xEF, 0xBB, 0xBF]
        if decoding.skipsByteOrderMark && start.count == 3 && start.elementsEqual(bom) {
            parser.offset = 3
            return
        }
        do {
            try start.withUnsafeBytes { try parser.consume($0.bindMemory(to: UInt8.self)) }
        } catch {
            deferredError = error
            finished = true
        }
    }

    private func readChunk(maxCount: Int) throws -> Data? {
        do {
            return try handle.read(upToCount: maxCount)
        } catch {
            throw TextDataError.unreadableFile(file: url.path, reason: "\(error.localizedDescription)")
        }
    }

    private func nextRawRecord() throws -> DelimitedRecord? {
        while queueIndex == parser.records.count {
            parser.records.removeAll(keepingCapacity: true)
            queueIndex = 0
            if let deferredError { throw deferredError }
            if finished { return nil }
            do {
                if let chunk = try readChunk(maxCount: chunkSize), !chunk.isEmpty {
                    try chunk.withUnsafeBytes { try parser.consume($0.bindMemory(to: UInt8.self)) }
                } else {
                    finished = true
                    try parser.finish()
                }
            } catch {
                // Records finished before the error still come out first, in order.
                deferredError = error
                finished = true
            }
        }
        let record = parser.records[queueIndex]
        queueIndex += 1
        return record
    }
}
