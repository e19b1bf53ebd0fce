import CLibFuzzer
import HeedText

/// Reads the input through `DelimitedFileReader` as bytes in memory.
///
/// The first byte picks the format (bit 0), the decoding (bits 1–2) and a small chunk size
/// (bits 3–7), the rest is the file. Each input is parsed twice — in one chunk and in small
/// chunks — and the two readings must agree record for record and on the error, so a chunk
/// boundary can never change what a file means.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzDelimited(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data, size > 0 else { return 0 }
    let control = data[0]
    let bytes = Array(UnsafeBufferPointer(start: data + 1, count: size - 1))
    let format: TextFileFormat = control & 1 == 0 ? .csv : .tsv
    let decodings: [TextDecoding] = [.strict, .lossy, .latin1, .strict]
    let decoding = decodings[Int((control >> 1) & 3)]
    let smallChunk = Int(control >> 3) + 1
    // A small field limit so the limit's error paths are reached too.
    let maxFieldBytes = control & 0x80 == 0 ? 64 : DelimitedFileReader.defaultMaxFieldBytes
    let whole = read(bytes, format: format, decoding: decoding, maxFieldBytes: maxFieldBytes,
                     chunkSize: Swift.max(bytes.count, 1))
    let pieces = read(bytes, format: format, decoding: decoding, maxFieldBytes: maxFieldBytes,
                      chunkSize: smallChunk)
    if whole != pieces {
        fatalError("chunk size \(smallChunk) changes the reading:\n\(whole)\nversus\n\(pieces)")
    }
    return 0
}

/// One complete reading: the header, every record, and the error that ended it, if any.
struct Reading: Equatable, CustomStringConvertible {
    var header: [String] = []
    var records: [DelimitedRecord] = []
    var error: String?

    var description: String { "header \(header), \(records.count) records \(records), error \(error ?? "none")" }
}

func read(_ bytes: [UInt8], format: TextFileFormat, decoding: TextDecoding, maxFieldBytes: Int,
          chunkSize: Int) -> Reading {
    var reading = Reading()
    do {
        let reader = try DelimitedFileReader(
            bytes: bytes, name: "fuzz", format: format, decoding: decoding,
            maxFieldBytes: maxFieldBytes, chunkSize: chunkSize)
        reading.header = reader.header
        for name in reader.header.prefix(2) { _ = try reader.columnIndex(named: name) }
        while let record = try reader.nextRecord() {
            guard record.fields.count == reader.header.count else {
                fatalError("record of \(record.fields.count) fields under a header of \(reader.header.count)")
            }
            reading.records.append(record)
        }
    } catch let error as TextDataError {
        let message = error.description
        guard !message.isEmpty else { fatalError("empty message for \(error)") }
        reading.error = message
    } catch {
        fatalError("untyped error \(error)")
    }
    return reading
}

/// The entry point SwiftPM links as `main`: runs libFuzzer on ``fuzzDelimited(_:_:)``.
@_cdecl("fuzz_delimited_main")
public func fuzzDelimitedMain(
    _ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?
) -> CInt {
    var count = argc
    var arguments = argv
    return LLVMFuzzerRunDriver(&count, &arguments) { fuzzDelimited($0, $1) }
}
