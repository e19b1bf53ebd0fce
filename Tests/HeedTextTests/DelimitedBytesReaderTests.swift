import Foundation
import XCTest
@testable import HeedText

/// `DelimitedFileReader(bytes:)`: the same parser over bytes in memory, and inputs found by
/// fuzzing that once read differently depending on where chunks were cut.
final class DelimitedBytesReaderTests: XCTestCase {
    private func readAll(
        _ bytes: [UInt8], format: TextFileFormat = .csv, decoding: TextDecoding = .strict, chunkSize: Int = 1 << 20
    ) throws -> (header: [String], rows: [[String]]) {
        let reader = try DelimitedFileReader(bytes: bytes, name: "input.csv", format: format, decoding: decoding,
                                             chunkSize: chunkSize)
        var rows: [[String]] = []
        while let record = try reader.nextRecord() { rows.append(record.fields) }
        return (reader.header, rows)
    }

    func testBytesInMemoryReadAsTheFileWould() throws {
        let bytes: [UInt8] = [0xEF, 0xBB, 0xBF] + Array("text,label\r\n\"a, \"\"b\"\"\nc\",1\r\nd,2\r\n".utf8)
        for chunkSize in [1, 2, 3, 7, 1 << 20] {
            let result = try readAll(bytes, chunkSize: chunkSize)
            XCTAssertEqual(result.header, ["text", "label"], "chunk size \(chunkSize)")
            XCTAssertEqual(result.rows, [["a, \"b\"\nc", "1"], ["d", "2"]], "chunk size \(chunkSize)")
        }
    }

    func testMessagesNameTheGivenName() throws {
        assertThrows(.emptyFile(file: "<stdin>"),
                     message: "<stdin>: the file is empty; expected a header line followed by data rows") {
            try DelimitedFileReader(bytes: [], name: "<stdin>", format: .tsv)
        }
    }

    func testTruncatedSequenceInsideQuotesIsRefusedWhateverTheChunkSize() throws {
        // "text,label\n" is 0...10, "\"ab" 11...13, then E2 82 (a three-byte sequence cut short)
        // at 14, followed by plain text inside the same quoted field.
        let bytes = Array("text,label\n\"ab".utf8) + [0xE2, 0x82] + Array("n more\",1\n".utf8)
        for chunkSize in [1, 5, 16, 1 << 20] {
            assertThrows(
                .invalidUTF8(file: "input.csv", line: 2, offset: 14, byte: 0xE2),
                message: "input.csv: line 2: invalid UTF-8 (byte 0xE2) at byte offset 14; "
                    + "convert the file to UTF-8, or read it with the lossy or latin1 decoding"
            ) { try readAll(bytes, chunkSize: chunkSize) }
        }
    }

    func testInvalidByteInsideALongQuotedFieldIsFoundBeforeTheFieldLimit() throws {
        // The quoted field passes the 16-byte limit only after its invalid sequence at offset 13.
        let bytes = Array("text,label\n\"a".utf8) + [0xE8] + Array(" and then a long tail\",0\n".utf8)
        for chunkSize in [1, 1 << 20] {
            let reader = try DelimitedFileReader(bytes: bytes, name: "input.csv", format: .csv,
                                                 maxFieldBytes: 16, chunkSize: chunkSize)
            assertThrows(
                .invalidUTF8(file: "input.csv", line: 2, offset: 13, byte: 0xE8),
                message: "input.csv: line 2: invalid UTF-8 (byte 0xE8) at byte offset 13; "
                    + "convert the file to UTF-8, or read it with the lossy or latin1 decoding"
            ) { try reader.nextRecord() }
        }
    }
}
