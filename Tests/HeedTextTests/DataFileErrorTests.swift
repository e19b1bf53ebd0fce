import Foundation
import XCTest
@testable import HeedText

/// The exact messages for broken `vocab.txt` and `labels.json` files (docs/errors.md), beyond
/// those in VocabularyTests and LabelEncoderTests.
final class DataFileErrorTests: XCTestCase {
    func testVocabularyFileThatIsNotUTF8() throws {
        let folder = try TemporaryDirectory()
        let url = try folder.file("vocab.txt", bytes: Array("<PAD>\n<UNK>\ncaf".utf8) + [0xE9, 0x0A])
        assertThrows(
            .invalidVocabularyFile(file: url.path, line: 1, reason: "the file is not UTF-8"),
            message: "\(url.path): line 1: the file is not UTF-8"
        ) { try Vocabulary(contentsOf: url) }
    }

    func testVocabularyFileTooShort() throws {
        let folder = try TemporaryDirectory()
        let url = try folder.file("vocab.txt", "<PAD>\n")
        assertThrows(
            .invalidVocabularyFile(file: url.path, line: 2, reason: "expected <PAD> and <UNK> on lines 1 and 2"),
            message: "\(url.path): line 2: expected <PAD> and <UNK> on lines 1 and 2"
        ) { try Vocabulary(contentsOf: url) }
    }

    func testVocabularyFileWithAWrongFirstLine() throws {
        let folder = try TemporaryDirectory()
        let url = try folder.file("vocab.txt", "the\n<UNK>\n")
        assertThrows(
            .invalidVocabularyFile(file: url.path, line: 1, reason: "expected <PAD> or an empty line for id 0, got \"the\""),
            message: "\(url.path): line 1: expected <PAD> or an empty line for id 0, got \"the\""
        ) { try Vocabulary(contentsOf: url) }
    }

    func testVocabularyTokenWithWhitespace() throws {
        let folder = try TemporaryDirectory()
        let url = try folder.file("vocab.txt", "<PAD>\n<UNK>\nthe\tfilm\n")
        assertThrows(
            .invalidVocabularyFile(file: url.path, line: 3,
                                   reason: "token \"the\tfilm\" is empty or holds whitespace other than single spaces between words"),
            message: "\(url.path): line 3: token \"the\tfilm\" is empty or holds whitespace other than single spaces between words"
        ) { try Vocabulary(contentsOf: url) }
    }

    func testVocabularyTokenWithADoubledSpace() throws {
        let folder = try TemporaryDirectory()
        let url = try folder.file("vocab.txt", "<PAD>\n<UNK>\nthe\nthe  film\n")
        assertThrows(
            .invalidVocabularyFile(file: url.path, line: 4,
                                   reason: "token \"the  film\" is empty or holds whitespace other than single spaces between words"),
            message: "\(url.path): line 4: token \"the  film\" is empty or holds whitespace other than single spaces between words"
        ) { try Vocabulary(contentsOf: url) }
    }

    func testMissingVocabularyFile() throws {
        let folder = try TemporaryDirectory()
        let url = folder.url.appendingPathComponent("vocab.txt")
        XCTAssertThrowsError(try Vocabulary(contentsOf: url)) { error in
            guard case let .unreadableFile(file, _) = error as? TextDataError else { return XCTFail("got \(error)") }
            XCTAssertEqual(file, url.path)
            XCTAssertTrue("\(error)".hasPrefix("\(url.path): cannot read the file: "), "\(error)")
        }
    }

    func testLabelsFileWithARepeatedClass() throws {
        let folder = try TemporaryDirectory()
        let url = try folder.file("labels.json", #"{"classes": ["neg", "pos", "neg"]}"#)
        assertThrows(
            .invalidLabelsFile(file: url.path, reason: "a class appears twice"),
            message: "\(url.path): a class appears twice"
        ) { try LabelEncoder(contentsOf: url) }
    }

    func testLabelsFileWithOneClass() throws {
        let folder = try TemporaryDirectory()
        let url = try folder.file("labels.json", #"{"classes": ["pos"]}"#)
        assertThrows(
            .singleClass(labels: ["pos"]),
            message: "the training labels hold only 1 class (\"pos\"); a classifier needs at least two"
        ) { try LabelEncoder(contentsOf: url) }
    }
}
