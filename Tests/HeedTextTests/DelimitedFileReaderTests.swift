import Foundation
import Heed
import XCTest
@testable import HeedText

final class DelimitedFileReaderTests: XCTestCase {
    private var folder: TemporaryDirectory!

    override func setUpWithError() throws {
        folder = try TemporaryDirectory()
    }

    override func tearDown() {
        folder = nil
    }

    /// The header and every data row's fields.
    private func readAll(
        _ url: URL, format: TextFileFormat? = nil, decoding: TextDecoding = .strict, chunkSize: Int = 1 << 20
    ) throws -> (header: [String], rows: [[String]]) {
        let reader = try DelimitedFileReader(contentsOf: url, format: format, decoding: decoding, chunkSize: chunkSize)
        var rows: [[String]] = []
        while let record = try reader.nextRecord() { rows.append(record.fields) }
        return (reader.header, rows)
    }

    // MARK: RFC 4180

    func testCSVFieldsWrittenByHeedReadBackUnchanged() throws {
        // A quote or comma followed by a combining mark, and CRLF, are one Character each in Swift.
        let fields = ["plain", "a,b", "say \"hi\"", "\"\u{301}x", ",\u{301}", "so\r\nso", "tab\there", ""]
        XCTAssertEqual(fields.map { TextFileFormat.csvField($0) },
                       ["plain", "\"a,b\"", "\"say \"\"hi\"\"\"", "\"\"\"\u{301}x\"", "\",\u{301}\"", "\"so\r\nso\"", "tab\there", ""])
        XCTAssertEqual(TextFileFormat.csvField("plain", alwaysQuoted: true), "\"plain\"")
        let body = fields.map { TextFileFormat.csvField($0) + ",1\n" }.joined()
        let url = try folder.file("a.csv", "text,label\n" + body)
        XCTAssertEqual(try readAll(url).rows, fields.map { [$0, "1"] })
    }

    func testQuotedFieldKeepsCommas() throws {
        let url = try folder.file("a.csv", "text,label\n\"one, two, three\",1\n")
        XCTAssertEqual(try readAll(url).rows, [["one, two, three", "1"]])
    }

    func testDoubledQuotesBecomeOneQuote() throws {
        let url = try folder.file("a.csv", "text,label\n\"He said \"\"hi\"\".\",1\n\"\"\"\",2\n")
        XCTAssertEqual(try readAll(url).rows, [["He said \"hi\".", "1"], ["\"", "2"]])
    }

    func testNewlinesInsideQuotesStayInTheField() throws {
        let url = try folder.file("a.csv", "text,label\n\"first line\nsecond line\",1\n\"x\",2\n")
        XCTAssertEqual(try readAll(url).rows, [["first line\nsecond line", "1"], ["x", "2"]])
    }

    func testCRLFInsideQuotesIsKeptAsData() throws {
        let url = try folder.file("a.csv", "text,label\r\n\"a\r\nb\",1\r\n")
        XCTAssertEqual(try readAll(url).rows, [["a\r\nb", "1"]])
    }

    func testRecordsReportTheLineTheyStartOn() throws {
        let url = try folder.file("a.csv", "text,label\n\"a\nb\nc\",1\n\nd,2\n")
        let reader = try DelimitedFileReader(contentsOf: url)
        XCTAssertEqual(try reader.nextRecord()?.line, 2)
        XCTAssertEqual(try reader.nextRecord()?.line, 6)
        XCTAssertNil(try reader.nextRecord())
    }

    func testByteOrderMarkIsSkipped() throws {
        let url = try folder.file("a.csv", bytes: [0xEF, 0xBB, 0xBF] + Array("review,label\nok,1\n".utf8))
        let result = try readAll(url)
        XCTAssertEqual(result.header, ["review", "label"])
        XCTAssertEqual(result.rows, [["ok", "1"]])
    }

    func testCRLFLineEnds() throws {
        let url = try folder.file("a.csv", "a,b\r\n1,2\r\n3,4\r\n")
        XCTAssertEqual(try readAll(url).rows, [["1", "2"], ["3", "4"]])
    }

    func testEmptyFieldsQuotedAndUnquoted() throws {
        let url = try folder.file("a.csv", "a,b,c\n,,\n\"\",x,\n")
        XCTAssertEqual(try readAll(url).rows, [["", "", ""], ["", "x", ""]])
    }

    func testLastLineWithoutNewline() throws {
        let url = try folder.file("a.csv", "a,b\n1,2\n\"3\",\"4\"")
        XCTAssertEqual(try readAll(url).rows, [["1", "2"], ["3", "4"]])
    }

    func testBlankLinesAreSkipped() throws {
        let url = try folder.file("a.csv", "a,b\n\n1,2\n\r\n\n3,4\n\n")
        XCTAssertEqual(try readAll(url).rows, [["1", "2"], ["3", "4"]])
    }

    func testQuoteInsideUnquotedFieldIsText() throws {
        let url = try folder.file("a.csv", "a,b\na 5\" screen,1\n")
        XCTAssertEqual(try readAll(url).rows, [["a 5\" screen", "1"]])
    }

    func testChunkBoundariesDoNotChangeRecords() throws {
        let text = "\u{FEFF}t,l\r\n\"x, \"\"y\"\"\r\nz\",1\r\nnaïve — 日本 😀,2\r\n\"\",3"
        let url = try folder.file("a.csv", text)
        let expected: [[String]] = [["x, \"y\"\r\nz", "1"], ["naïve — 日本 😀", "2"], ["", "3"]]
        for chunkSize in 1...7 {
            let result = try readAll(url, chunkSize: chunkSize)
            XCTAssertEqual(result.header, ["t", "l"], "chunk size \(chunkSize)")
            XCTAssertEqual(result.rows, expected, "chunk size \(chunkSize)")
        }
    }

    func testRandomFieldsSurviveAWriteAndReadAtAnyChunkSize() throws {
        // Fields drawn from pieces that stress the parser, written the RFC 4180 way by hand.
        let pieces = ["a", "b c", ",", "\"", "\"\"", "\n", "\r\n", "é", "日本", "😀", " ", ""]
        var generator = SeededGenerator(seed: 9)
        var rows: [[String]] = []
        for _ in 0..<40 {
            rows.append((0..<3).map { _ in
                (0..<generator.nextInt(below: 5)).map { _ in pieces[generator.nextInt(below: pieces.count)] }.joined()
            })
        }
        func quoted(_ field: String) -> String { "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }
        var text = "x,y,z\r\n"
        for row in rows { text += row.map(quoted).joined(separator: ",") + "\r\n" }
        let url = try folder.file("random.csv", text)
        for chunkSize in [1, 2, 3, 5, 64, 1 << 20] {
            XCTAssertEqual(try readAll(url, chunkSize: chunkSize).rows, rows, "chunk size \(chunkSize)")
        }
    }

    func testReadColumnsPicksColumnsByName() throws {
        let url = try folder.file("a.csv", "id,text,label\n1,good,pos\n2,bad,neg\n")
        let reader = try DelimitedFileReader(contentsOf: url)
        XCTAssertEqual(try reader.readColumns(["label", "text"]), [["pos", "neg"], ["good", "bad"]])
    }

    // MARK: TSV

    func testTSVTreatsQuotesAsPlainText() throws {
        let url = try folder.file("pairs.tsv", "Quality\tA\tB\n1\t\"the witness\", he said\t\"open\n0\tx\"y\t\"\"\n")
        XCTAssertEqual(try readAll(url).rows, [["1", "\"the witness\", he said", "\"open"], ["0", "x\"y", "\"\""]])
    }

    func testTSVWithByteOrderMarkAndCRLF() throws {
        let url = try folder.file("pairs.txt", bytes: [0xEF, 0xBB, 0xBF] + Array("Quality\t#1 String\r\n1\ta, b\r\n".utf8))
        let result = try readAll(url)
        XCTAssertEqual(result.header, ["Quality", "#1 String"])
        XCTAssertEqual(result.rows, [["1", "a, b"]])
    }

    func testFormatIsInferredFromTheExtension() throws {
        XCTAssertEqual(try TextFileFormat(inferringFrom: URL(fileURLWithPath: "/d/x.csv")), .csv)
        XCTAssertEqual(try TextFileFormat(inferringFrom: URL(fileURLWithPath: "/d/x.CSV")), .csv)
        XCTAssertEqual(try TextFileFormat(inferringFrom: URL(fileURLWithPath: "/d/x.tsv")), .tsv)
        XCTAssertEqual(try TextFileFormat(inferringFrom: URL(fileURLWithPath: "/d/x.txt")), .tsv)
    }

    func testExplicitFormatOverridesTheExtension() throws {
        let url = try folder.file("data.txt", "a,b\n\"1,5\",2\n")
        XCTAssertEqual(try readAll(url, format: .csv).rows, [["1,5", "2"]])
    }

    // MARK: Errors

    func testUnknownExtensionError() throws {
        let url = try folder.file("data.dat", "a,b\n1,2\n")
        assertThrows(
            .unknownFormat(file: url.path, fileExtension: "dat"),
            message: "\(url.path): cannot tell the format from the extension \".dat\"; use .csv, .tsv or .txt, or name the format"
        ) { try DelimitedFileReader(contentsOf: url) }
    }

    func testMissingFileError() throws {
        let url = folder.url.appendingPathComponent("absent.csv")
        assertThrows(
            .unreadableFile(file: url.path, reason: "no such file"),
            message: "\(url.path): cannot read the file: no such file"
        ) { try DelimitedFileReader(contentsOf: url) }
    }

    func testDirectoryIsNotAReadableFile() throws {
        let url = folder.url.appendingPathComponent("data.csv")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: false)
        assertThrows(
            .unreadableFile(file: url.path, reason: "it is a directory"),
            message: "\(url.path): cannot read the file: it is a directory"
        ) { try DelimitedFileReader(contentsOf: url) }
    }

    func testEmptyFileError() throws {
        let url = try folder.file("a.csv", "")
        assertThrows(
            .emptyFile(file: url.path),
            message: "\(url.path): the file is empty; expected a header line followed by data rows"
        ) { try DelimitedFileReader(contentsOf: url) }
    }

    func testFileWithOnlyByteOrderMarkAndBlankLinesIsEmpty() throws {
        let url = try folder.file("a.csv", bytes: [0xEF, 0xBB, 0xBF, 0x0A, 0x0D, 0x0A])
        assertThrows(
            .emptyFile(file: url.path),
            message: "\(url.path): the file is empty; expected a header line followed by data rows"
        ) { try DelimitedFileReader(contentsOf: url) }
    }

    func testHeaderOnlyError() throws {
        let url = try folder.file("a.csv", "review,sentiment\n")
        let reader = try DelimitedFileReader(contentsOf: url)
        assertThrows(
            .headerOnly(file: url.path),
            message: "\(url.path): the file has a header line but no data rows"
        ) { try reader.nextRecord() }
    }

    func testMissingColumnErrorListsTheColumns() throws {
        let url = try folder.file("a.csv", "review,sentiment\nok,positive\n")
        let reader = try DelimitedFileReader(contentsOf: url)
        assertThrows(
            .missingColumn(file: url.path, column: "text", available: ["review", "sentiment"]),
            message: "\(url.path): no column named \"text\"; the columns are \"review\", \"sentiment\""
        ) { try reader.readColumns(["text", "sentiment"]) }
    }

    func testRaggedRowError() throws {
        let url = try folder.file("a.csv", "a,b\n1,2\n\"x\ny\",2\n1,2,3\n")
        let reader = try DelimitedFileReader(contentsOf: url)
        assertThrows(
            .raggedRow(file: url.path, line: 5, expected: 2, got: 3),
            message: "\(url.path): line 5 has 3 fields, expected 2 as in the header"
        ) { try reader.readColumns(["a"]) }
    }

    func testRowWithTooFewFieldsIsRagged() throws {
        let url = try folder.file("a.tsv", "a\tb\tc\n1\t2\n")
        let reader = try DelimitedFileReader(contentsOf: url)
        assertThrows(
            .raggedRow(file: url.path, line: 2, expected: 3, got: 2),
            message: "\(url.path): line 2 has 2 fields, expected 3 as in the header"
        ) { try reader.nextRecord() }
    }

    func testRowWithManyExtraFieldsIsCountedNotKept() throws {
        let url = try folder.file("a.csv", "a,b\n" + String(repeating: ",", count: 100_000) + "\n")
        let reader = try DelimitedFileReader(contentsOf: url)
        assertThrows(
            .raggedRow(file: url.path, line: 2, expected: 2, got: 100_001),
            message: "\(url.path): line 2 has 100001 fields, expected 2 as in the header"
        ) { try reader.nextRecord() }
    }

    func testUnterminatedQuoteNamesTheLineWhereItStarted() throws {
        let url = try folder.file("a.csv", "a,b\n1,2\n3,\"open\nmore\nlines\n")
        let reader = try DelimitedFileReader(contentsOf: url)
        assertThrows(
            .unterminatedQuote(file: url.path, line: 3),
            message: "\(url.path): line 3: a quoted field starts here and is never closed"
        ) { try reader.readColumns(["a"]) }
    }

    func testTextAfterClosingQuoteError() throws {
        let url = try folder.file("a.csv", "text,label\nok,1\n\"say \"hi\"\",1\n")
        let reader = try DelimitedFileReader(contentsOf: url)
        assertThrows(
            .textAfterClosingQuote(file: url.path, line: 3, column: 1, columnName: "text"),
            message: "\(url.path): line 3, column 1 (\"text\"): unexpected text after a closing quote; "
                + "a quote inside a quoted field must be doubled (\"\")"
        ) { try reader.readColumns(["text"]) }
    }

    func testTextAfterClosingQuotePastTheHeaderNamesItsColumn() throws {
        let url = try folder.file("a.csv", "text,label\nhi,pos,x,\"y\"z\n")
        let reader = try DelimitedFileReader(contentsOf: url)
        assertThrows(
            .textAfterClosingQuote(file: url.path, line: 2, column: 4, columnName: nil),
            message: "\(url.path): line 2, column 4: unexpected text after a closing quote; "
                + "a quote inside a quoted field must be doubled (\"\")"
        ) { try reader.readColumns(["text"]) }
    }

    func testNulByteError() throws {
        // Offsets: "a,b\n" is 0...3, "1,x" is 4...6, so the NUL is byte 7.
        let url = try folder.file("a.csv", bytes: Array("a,b\n1,x".utf8) + [0] + Array("\n".utf8))
        let reader = try DelimitedFileReader(contentsOf: url)
        assertThrows(
            .nulByte(file: url.path, line: 2, offset: 7),
            message: "\(url.path): line 2: NUL byte at byte offset 7; text files never contain one "
                + "(is this a binary or UTF-16 file?)"
        ) { try reader.nextRecord() }
    }

    func testFieldOverTheLimitError() throws {
        let url = try folder.file("a.csv", "text,label\n1234567890,1\n12345678901,2\n")
        let reader = try DelimitedFileReader(contentsOf: url, maxFieldBytes: 10)
        XCTAssertEqual(try reader.nextRecord()?.fields, ["1234567890", "1"])
        assertThrows(
            .fieldTooLarge(file: url.path, line: 3, column: 1, columnName: "text", limit: 10),
            message: "\(url.path): line 3, column 1 (\"text\"): field is longer than the limit of 10 bytes; "
                + "raise maxFieldBytes if such fields are intended"
        ) { try reader.nextRecord() }
    }

    func testFiftyMegabyteFieldIsRefusedAtTheDefaultLimit() throws {
        var bytes = Array("text,label\n\"".utf8)
        bytes += [UInt8](repeating: UInt8(ascii: "a"), count: 50 * 1024 * 1024)
        bytes += Array("\",1\n".utf8)
        let url = try folder.file("big.csv", bytes: bytes)
        bytes = []
        let reader = try DelimitedFileReader(contentsOf: url)
        assertThrows(
            .fieldTooLarge(file: url.path, line: 2, column: 1, columnName: "text", limit: 10_485_760),
            message: "\(url.path): line 2, column 1 (\"text\"): field is longer than the limit of 10485760 bytes; "
                + "raise maxFieldBytes if such fields are intended"
        ) { try reader.nextRecord() }
    }

    func testBareCarriageReturnError() throws {
        // "a,b\r\n" is 0...4, "1,2" 5...7, the lone CR is byte 8.
        let url = try folder.file("a.csv", "a,b\r\n1,2\r3,4\r\n")
        let reader = try DelimitedFileReader(contentsOf: url)
        assertThrows(
            .bareCarriageReturn(file: url.path, line: 2, offset: 8),
            message: "\(url.path): line 2: carriage return without a line feed at byte offset 8; "
                + "line ends must be LF or CRLF"
        ) { try reader.nextRecord() }
    }

    func testCarriageReturnAtTheEndOfTheFileError() throws {
        // "a\tb\n" is 0...3, "1\t2" 4...6, the CR is byte 7.
        let url = try folder.file("a.tsv", "a\tb\n1\t2\r")
        let reader = try DelimitedFileReader(contentsOf: url)
        assertThrows(
            .bareCarriageReturn(file: url.path, line: 2, offset: 7),
            message: "\(url.path): line 2: carriage return without a line feed at byte offset 7; "
                + "line ends must be LF or CRLF"
        ) { try reader.nextRecord() }
    }

    // MARK: Decoding

    func testStrictDecodingRejectsInvalidUTF8WithLineAndOffset() throws {
        // "a,b\n" 0...3, "1,ok\n" 4...8, "2,caf" 9...13, then 0xE9 (Latin-1 é) at 14.
        let url = try folder.file("a.csv", bytes: Array("a,b\n1,ok\n2,caf".utf8) + [0xE9] + Array("\n".utf8))
        let reader = try DelimitedFileReader(contentsOf: url)
        XCTAssertEqual(try reader.nextRecord()?.fields, ["1", "ok"])
        assertThrows(
            .invalidUTF8(file: url.path, line: 3, offset: 14, byte: 0xE9),
            message: "\(url.path): line 3: invalid UTF-8 (byte 0xE9) at byte offset 14; "
                + "convert the file to UTF-8, or read it with the lossy or latin1 decoding"
        ) { try reader.nextRecord() }
    }

    func testStrictDecodingRejectsATruncatedSequenceAtTheEnd() throws {
        let url = try folder.file("a.csv", bytes: Array("a,b\n1,x".utf8) + [0xE6, 0x97])
        let reader = try DelimitedFileReader(contentsOf: url)
        assertThrows(
            .invalidUTF8(file: url.path, line: 2, offset: 7, byte: 0xE6),
            message: "\(url.path): line 2: invalid UTF-8 (byte 0xE6) at byte offset 7; "
                + "convert the file to UTF-8, or read it with the lossy or latin1 decoding"
        ) { try reader.nextRecord() }
    }

    func testStrictDecodingRejectsOverlongAndSurrogateForms() throws {
        for bad: [UInt8] in [[0xC0, 0x80], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80]] {
            let url = try folder.file("a.csv", bytes: Array("a\n".utf8) + bad + Array("\n".utf8))
            XCTAssertThrowsError(try readAll(url)) { error in
                XCTAssertEqual(error as? TextDataError, .invalidUTF8(file: url.path, line: 2, offset: 2, byte: bad[0]))
            }
        }
    }

    func testStrictDecodingReadsMultibyteTextAcrossChunks() throws {
        let url = try folder.file("a.csv", "a\n\"naïve — 日本 😀\"\n")
        XCTAssertEqual(try readAll(url, chunkSize: 1).rows, [["naïve — 日本 😀"]])
    }

    func testLossyDecodingReplacesInvalidBytes() throws {
        let url = try folder.file("a.csv", bytes: Array("a\ncaf".utf8) + [0xE9] + Array("!\n".utf8))
        XCTAssertEqual(try readAll(url, decoding: .lossy).rows, [["caf\u{FFFD}!"]])
    }

    func testLatin1DecodingMapsEveryByte() throws {
        let url = try folder.file("a.csv", bytes: Array("a\ncaf".utf8) + [0xE9, 0x20, 0xFF, 0x92] + Array("\n".utf8))
        XCTAssertEqual(try readAll(url, decoding: .latin1).rows, [["café ÿ\u{92}"]])
    }
}
