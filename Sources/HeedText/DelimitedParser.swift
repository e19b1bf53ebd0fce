/// The byte-level state machine behind ``DelimitedFileReader``: fed chunk by chunk, it collects
/// finished records and throws ``TextDataError`` values that say where the input went wrong.
///
/// Rules: LF and CRLF end a record; a carriage return not followed by a line feed is an error
/// (outside CSV quotes; inside them every byte is data). Blank lines are skipped. In CSV a quote
/// that opens a field starts a quoted field, `""` inside it is one quote, and the closing quote
/// must be followed by a delimiter or a line end; a quote inside an unquoted field is plain
/// text. In TSV quotes are always plain text. The first record is the header; every later one
/// must have as many fields.
struct DelimitedParser {
    let file: String
    let delimiter: UInt8
    let quotes: Bool
    let decoding: TextDecoding
    let maxFieldBytes: Int
    /// Header names (the first record), so that field errors can name their column.
    private(set) var columnNames: [String]?

    /// File offset of the next byte; the reader starts it past a skipped byte-order mark.
    var offset = 0
    /// The current line (1-based).
    private(set) var line = 1
    /// Finished records, in order; the reader drains them.
    var records: [DelimitedRecord] = []

    private var validator = UTF8Validator()
    private var inQuotes = false
    private var afterQuote = false
    private var fieldStarted = false
    private var pendingCR = false
    private var crOffset = 0
    private var quoteLine = 0
    private var recordLine = 1
    private var field: [UInt8] = []
    private var fields: [String] = []
    private var extraFields = 0

    private static let quote = UInt8(ascii: "\"")
    private static let lf = UInt8(ascii: "\n")
    private static let cr = UInt8(ascii: "\r")

    init(file: String, format: TextFileFormat, decoding: TextDecoding, maxFieldBytes: Int) {
        self.file = file
        self.delimiter = format.delimiter
        self.quotes = format == .csv
        self.decoding = decoding
        self.maxFieldBytes = maxFieldBytes
        field.reserveCapacity(4096)
    }

    /// Parses the next chunk of the file.
    mutating func consume(_ bytes: UnsafeBufferPointer<UInt8>) throws {
        let strict = decoding == .strict
        var i = 0
        let n = bytes.count
        while i < n {
            let b = bytes[i]
            let at = offset + i
            if strict && (b >= 0x80 || !validator.isComplete) {
                if let bad = validator.feed(b, offset: at, line: line) {
                    throw TextDataError.invalidUTF8(file: file, line: bad.line, offset: bad.offset, byte: bad.byte)
                }
            }
            if b == 0 { throw TextDataError.nulByte(file: file, line: line, offset: at) }
            i += 1
            if pendingCR {
                pendingCR = false
                guard b == Self.lf else {
                    throw TextDataError.bareCarriageReturn(file: file, line: line, offset: crOffset)
                }
                try endRecord()
                line += 1
                recordLine = line
                continue
            }
            if inQuotes {
                if afterQuote {
                    if b == Self.quote {
                        afterQuote = false
                        try append(b)
                        continue
                    }
                    // The quoted field is closed; only a delimiter or a line end may follow.
                    inQuotes = false
                    afterQuote = false
                    guard b == delimiter || b == Self.lf || b == Self.cr else {
                        throw TextDataError.textAfterClosingQuote(
                            file: file, line: line, column: currentColumn, columnName: currentColumnName)
                    }
                } else {
                    if b == Self.quote {
                        afterQuote = true
                    } else {
                        if b == Self.lf { line += 1 }
                        try append(b)
                        // Copy the run of plain bytes up to the next quote, line feed or special byte.
                        // Not in the middle of a UTF-8 sequence: its next bytes must be validated
                        // one by one, or a chunk boundary would decide whether a bad one is caught.
                        guard !strict || validator.isComplete else { continue }
                        var j = i
                        while j < n {
                            let c = bytes[j]
                            if c == Self.quote || c == Self.lf || c == 0 || c >= 0x80 { break }
                            j += 1
                        }
                        if j > i {
                            try append(UnsafeBufferPointer(rebasing: bytes[i..<j]))
                            i = j
                        }
                    }
                    continue
                }
            }
            if b == delimiter {
                endField()
            } else if b == Self.lf {
                try endRecord()
                line += 1
                recordLine = line
            } else if b == Self.cr {
                pendingCR = true
                crOffset = at
            } else if quotes && b == Self.quote && !fieldStarted {
                inQuotes = true
                fieldStarted = true
                quoteLine = line
            } else {
                fieldStarted = true
                try append(b)
            }
        }
        offset += n
    }

    /// Ends the input: closes the last record when the file does not end in a line break.
    mutating func finish() throws {
        if !validator.isComplete {
            throw TextDataError.invalidUTF8(
                file: file, line: validator.sequenceLine, offset: validator.sequenceOffset, byte: validator.sequenceLead)
        }
        if pendingCR { throw TextDataError.bareCarriageReturn(file: file, line: line, offset: crOffset) }
        if inQuotes && !afterQuote { throw TextDataError.unterminatedQuote(file: file, line: quoteLine) }
        inQuotes = false
        afterQuote = false
        try endRecord()
    }

    /// The 1-based column of the field being read, counting fields past the header's.
    private var currentColumn: Int { fields.count + extraFields + 1 }

    private var currentColumnName: String? {
        guard let columnNames, fields.count < columnNames.count else { return nil }
        return columnNames[fields.count]
    }

    @inline(__always)
    private mutating func append(_ b: UInt8) throws {
        guard field.count < maxFieldBytes else { throw fieldTooLarge() }
        field.append(b)
    }

    private mutating func append(_ run: UnsafeBufferPointer<UInt8>) throws {
        guard field.count + run.count <= maxFieldBytes else { throw fieldTooLarge() }
        field.append(contentsOf: run)
    }

    private func fieldTooLarge() -> TextDataError {
        .fieldTooLarge(
            file: file, line: inQuotes ? quoteLine : line, column: currentColumn,
            columnName: currentColumnName, limit: maxFieldBytes)
    }

    private mutating func endField() {
        // Fields beyond the header's count are only counted, so a runaway row stays small.
        if let columnNames, fields.count >= columnNames.count {
            extraFields += 1
        } else {
            fields.append(field.withUnsafeBufferPointer { decoding.string($0) })
        }
        field.removeAll(keepingCapacity: true)
        fieldStarted = false
    }

    private mutating func endRecord() throws {
        if fields.isEmpty && !fieldStarted && field.isEmpty { return }  // a blank line
        endField()
        if let columnNames, fields.count + extraFields != columnNames.count {
            throw TextDataError.raggedRow(
                file: file, line: recordLine, expected: columnNames.count, got: fields.count + extraFields)
        }
        extraFields = 0
        records.append(DelimitedRecord(line: recordLine, fields: fields))
        if columnNames == nil { columnNames = fields }
        fields = []
        fields.reserveCapacity(records.last?.fields.count ?? 4)
    }
}
