import Foundation
import XCTest
@testable import HeedText

final class VocabularyTests: XCTestCase {
    // Counts: b 2 (first at 0), a 2 (first at 1), c 2 (first at 2), e 3 (first at 5), d 1.
    private let texts = [["b", "a", "c", "a"], ["c", "e", "d", "b"], ["e", "e"]]

    func testTokensAreRankedByCountThenFirstOccurrence() throws {
        let vocabulary = try Vocabulary(building: texts, maxSize: 100)
        XCTAssertEqual(vocabulary.tokens, ["<PAD>", "<UNK>", "e", "b", "a", "c", "d"])
    }

    func testMaxSizeIncludesTheTwoReservedIDs() throws {
        let vocabulary = try Vocabulary(building: texts, maxSize: 4)
        XCTAssertEqual(vocabulary.tokens, ["<PAD>", "<UNK>", "e", "b"])
        XCTAssertEqual(vocabulary.count, 4)
    }

    func testUnknownTokensGetIDOne() throws {
        let vocabulary = try Vocabulary(building: texts, maxSize: 4)
        XCTAssertEqual(vocabulary.encode(["e", "a", "zzz", "b"]), [2, 1, 1, 3])
        XCTAssertEqual(vocabulary.token(for: 3), "b")
    }

    func testMaxSizeBelowTwoIsAnError() {
        assertThrows(
            .invalidArgument(operation: "Vocabulary", message: "maxSize 1 must be at least 2 (padding and <UNK>)"),
            message: "Vocabulary: maxSize 1 must be at least 2 (padding and <UNK>)"
        ) { try Vocabulary(building: texts, maxSize: 1) }
    }

    func testVocabularyFileRoundTrip() throws {
        let folder = try TemporaryDirectory()
        let url = folder.url.appendingPathComponent("vocab.txt")
        let vocabulary = try Vocabulary(building: texts, maxSize: 5)
        try vocabulary.write(to: url)
        XCTAssertEqual(try String(contentsOf: url, encoding: .utf8), "<PAD>\n<UNK>\ne\nb\na\n")
        XCTAssertEqual(try Vocabulary(contentsOf: url), vocabulary)
    }

    func testVocabularyFileRoundTripWithNGrams() throws {
        let folder = try TemporaryDirectory()
        let url = folder.url.appendingPathComponent("vocab.txt")
        let vocabulary = try Vocabulary(tokens: ["<PAD>", "<UNK>", "good", "not good", "not very good"])
        try vocabulary.write(to: url)
        XCTAssertEqual(try String(contentsOf: url, encoding: .utf8), "<PAD>\n<UNK>\ngood\nnot good\nnot very good\n")
        let loaded = try Vocabulary(contentsOf: url)
        XCTAssertEqual(loaded, vocabulary)
        XCTAssertEqual(loaded.id(for: "not good"), 3)
        XCTAssertEqual(loaded.widestNGram, 3)
    }

    func testTokensWithSpacesAtTheEdgesAreRejected() {
        for token in [" good", "good ", "not  good", "not\tgood", ""] {
            XCTAssertThrowsError(try Vocabulary(tokens: ["<PAD>", "<UNK>", token]), token)
        }
    }

    func testNGramsOfWordsStartingWithAJoiningLetterAreWellFormed() throws {
        // "น้ำ" (water) cuts into the words "น" and "ำ" (SARA AM, a letter that joins the space
        // before it into one Character); a halfwidth sound mark does the same.
        let words = NGrams.tokens(in: "น้ำ (ﾟ∀ﾟ)", upTo: 2)
        XCTAssertTrue(words.contains("น ำ"), "\(words)")
        let vocabulary = try Vocabulary(building: [words], maxSize: 100)
        XCTAssertGreaterThan(vocabulary.id(for: "น ำ"), 1, "a token of its own")
        let folder = try TemporaryDirectory()
        let url = folder.url.appendingPathComponent("vocab.txt")
        try vocabulary.write(to: url)
        XCTAssertEqual(try Vocabulary(contentsOf: url), vocabulary)
        for token in ["น  ำ", " ำ", "ำ ", "น\u{2003}ำ"] {
            XCTAssertThrowsError(try Vocabulary(tokens: ["<PAD>", "<UNK>", token]), token)
        }
    }

    func testVocabularyWriteLeavesNoTemporaryFile() throws {
        let folder = try TemporaryDirectory()
        let url = folder.url.appendingPathComponent("vocab.txt")
        try Vocabulary(building: texts, maxSize: 5).write(to: url)
        try Vocabulary(building: texts, maxSize: 3).write(to: url)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.url.path), ["vocab.txt"])
        XCTAssertEqual(try Vocabulary(contentsOf: url).tokens, ["<PAD>", "<UNK>", "e"])
    }

    func testWritingIntoAMissingFolderIsAnError() throws {
        let folder = try TemporaryDirectory()
        let url = folder.url.appendingPathComponent("absent/vocab.txt")
        XCTAssertThrowsError(try Vocabulary(building: texts, maxSize: 5).write(to: url)) { error in
            guard case .unwritableFile(let file, _)? = error as? TextDataError else {
                return XCTFail("unexpected error \(error)")
            }
            XCTAssertEqual(file, url.path)
            XCTAssertTrue("\(error)".hasPrefix("\(url.path): cannot write the file: "), "\(error)")
        }
    }

    func testVocabularyFileMayStartWithAnEmptyLine() throws {
        let folder = try TemporaryDirectory()
        let url = try folder.file("vocab.txt", "\n<UNK>\nthe\nfilm\n")
        let vocabulary = try Vocabulary(contentsOf: url)
        XCTAssertEqual(vocabulary.tokens, ["<PAD>", "<UNK>", "the", "film"])
        XCTAssertEqual(vocabulary.id(for: "film"), 3)
    }

    func testVocabularyFileMayUseCRLFLineEnds() throws {
        let folder = try TemporaryDirectory()
        let url = try folder.file("vocab.txt", "<PAD>\r\n<UNK>\r\nthe\r\n")
        XCTAssertEqual(try Vocabulary(contentsOf: url).tokens, ["<PAD>", "<UNK>", "the"])
    }

    func testVocabularyFileWithoutUnknownTokenIsRejected() throws {
        let folder = try TemporaryDirectory()
        let url = try folder.file("vocab.txt", "<PAD>\nthe\n")
        assertThrows(
            .invalidVocabularyFile(file: url.path, line: 2, reason: "expected <UNK> for id 1, got \"the\""),
            message: "\(url.path): line 2: expected <UNK> for id 1, got \"the\""
        ) { try Vocabulary(contentsOf: url) }
    }

    func testVocabularyFileWithRepeatedTokenIsRejected() throws {
        let folder = try TemporaryDirectory()
        let url = try folder.file("vocab.txt", "<PAD>\n<UNK>\nthe\nfilm\nthe\n")
        assertThrows(
            .invalidVocabularyFile(file: url.path, line: 5, reason: "token \"the\" appears twice"),
            message: "\(url.path): line 5: token \"the\" appears twice"
        ) { try Vocabulary(contentsOf: url) }
    }
}
