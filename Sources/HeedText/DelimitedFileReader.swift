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
/// It reads a file (``init(contentsOf:format:decoding:maxFieldBytes:chunkSize:)``) or bytes
/// already in memory (``init(bytes:name:format:decoding:maxFieldBytes:chunkSize:)``) with the
/// same parser. A file is read in chunks and parsed on bytes, so memory stays bounded by the
/// chunk size and the longest field (``maxFieldBytes``), never by the file; where a chunk ends
/// never changes the result. A leading UTF-8 byte-order mark is
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

    /// The file being read (for bytes in memory, a file URL made from their name).
    public let url: URL
    /// The name that messages give for the input: the file's path, or the name given for bytes
    /// in memory.
    public let name: String
    /// CSV or TSV.
    public let format: TextFileFormat
    /// How bytes become text.
    public let decoding: TextDecoding
    /// The longest field accepted, in bytes.
    public let maxFieldBytes: Int
    /// The column names from the first line.
    public private(set) var header: [String] = []
    /// The bytes read from the input so far (ahead of the records taken, by at most one chunk).
    public private(set) var bytesRead = 0

    /// Where the bytes come from.
    private enum Source {
        case file(FileHandle)
        case memory([UInt8])
    }

    private let source: Source
    /// The next byte to read from memory.
    private var memoryPosition = 0
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
            source = .file(try FileHandle(forReadingFrom: url))
        } catch {
            throw TextDataError.unreadableFile(file: url.path, reason: "\(error.localizedDescription)")
        }
        name = url.path
        parser = DelimitedParser(
            file: url.path, format: self.format, decoding: decoding, maxFieldBytes: maxFieldBytes)
        try readHeader()
    }

    /// Parses bytes held in memory, as ``init(contentsOf:format:decoding:maxFieldBytes:chunkSize:)``
    /// parses a file; messages name the input `name`.
    ///
    /// - Parameters:
    ///   - bytes: the whole input, as it would be stored in a file.
    ///   - name: what messages call the input (a path or a label such as `<stdin>`).
    ///   - format: CSV or TSV.
    ///   - decoding: strict UTF-8 (default), lossy UTF-8, or Latin-1.
    ///   - maxFieldBytes: the longest field accepted.
    ///   - chunkSize: bytes parsed at a time (it changes nothing but the buffering).
    /// - Throws: ``TextDataError`` if the input has no header line or the header is malformed.
    public init(
        bytes: [UInt8], name: String, format: TextFileFormat, decoding: TextDecoding = .strict,
        maxFieldBytes: Int = DelimitedFileReader.defaultMaxFieldBytes,
        chunkSize: Int = DelimitedFileReader.defaultChunkSize
    ) throws {
        guard maxFieldBytes > 0, chunkSize > 0 else {
            throw TextDataError.invalidArgument(
                operation: "DelimitedFileReader", message: "maxFieldBytes and chunkSize must be positive")
        }
        self.url = URL(fileURLWithPath: name)
        self.name = name
        self.format = format
        self.decoding = decoding
        self.maxFieldBytes = maxFieldBytes
        self.chunkSize = chunkSize
        source = .memory(bytes)
        parser = DelimitedParser(file: name, format: format, decoding: decoding, maxFieldBytes: maxFieldBytes)
        try readHeader()
    }

    deinit {
        if case let .file(handle) = source { try? handle.close() }
    }

    /// The index of the column named `name` (exact match).
    ///
    /// - Throws: ``TextDataError/missingColumn(file:column:available:)`` listing the columns.
    public func columnIndex(named name: String) throws -> Int {
        guard let index = header.firstIndex(of: name) else {
            throw TextDataError.missingColumn(file: self.name, column: name, available: header)
        }
        return index
    }

    /// The next data row, or `nil` at the end of the file.
    ///
    /// - Throws: ``TextDataError`` for a malformed row (its line, column and what was wrong), and
    ///   ``TextDataError/headerOnly(file:)`` if the file ends before its first data row.
    public func nextRecord() throws -> DelimitedRecord? {
        guard let record = try nextRawRecord() else {
            if dataRows == 0 { throw TextDataError.headerOnly(file: name) }
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

    private func readHeader() throws {
        try readByteOrderMark()
        guard let first = try nextRawRecord() else { throw TextDataError.emptyFile(file: name) }
        header = first.fields
    }

    private func readByteOrderMark() throws {
        let bom: [UInt8] = [0xEF, 0xBB, 0xBF]
        let skipsBOM = decoding.skipsByteOrderMark
        do {
            _ = try withNextChunk(maxCount: 3) { start in
                if skipsBOM && start.count == 3 && start.elementsEqual(bom) {
                    parser.offset = 3
                } else {
                    try parser.consume(start)
                }
            }
        } catch let error as TextDataError {
            deferredError = error
            finished = true
        }
    }

    /// Hands the next bytes (at most `maxCount`) to `body`; returns `false`, without calling it,
    /// at the end of the input.
    private func withNextChunk(
        maxCount: Int, _ body: (UnsafeBufferPointer<UInt8>) throws -> Void
    ) throws -> Bool {
        switch source {
        case let .file(handle):
            let chunk: Data?
            do {
                chunk = try handle.read(upToCount: maxCount)
            } catch {
                throw TextDataError.unreadableFile(file: name, reason: "\(error.localizedDescription)")
            }
            guard let chunk, !chunk.isEmpty else { return false }
            bytesRead += chunk.count
            try chunk.withUnsafeBytes { try body($0.bindMemory(to: UInt8.self)) }
            return true
        case let .memory(bytes):
            guard memoryPosition < bytes.count else { return false }
            let end = memoryPosition + Swift.min(maxCount, bytes.count - memoryPosition)
            let start = memoryPosition
            memoryPosition = end
            bytesRead += end - start
            try bytes.withUnsafeBufferPointer { try body(UnsafeBufferPointer(rebasing: $0[start..<end])) }
            return true
        }
    }

    private func nextRawRecord() throws -> DelimitedRecord? {
        while queueIndex == parser.records.count {
            parser.records.removeAll(keepingCapacity: true)
            queueIndex = 0
            if let deferredError { throw deferredError }
            if finished { return nil }
            do {
                let more = try withNextChunk(maxCount: chunkSize) { try parser.consume($0) }
                if !more {
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
