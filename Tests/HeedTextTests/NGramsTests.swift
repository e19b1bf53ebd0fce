import XCTest
@testable import HeedText

final class NGramsTests: XCTestCase {
    func testBigramsFollowTheWordsInOrder() {
        XCTAssertEqual(NGrams.tokens(["not", "a", "good", "film"], upTo: 2),
                       ["not", "a", "good", "film", "not a", "a good", "good film"])
    }

    func testTrigramsFollowTheBigrams() {
        XCTAssertEqual(NGrams.tokens(["a", "b", "c"], upTo: 3), ["a", "b", "c", "a b", "b c", "a b c"])
    }

    func testWidthOneGivesTheWordsAlone() {
        XCTAssertEqual(NGrams.tokens(["a", "b", "c"], upTo: 1), ["a", "b", "c"])
    }

    func testNoNGramIsWiderThanTheText() {
        XCTAssertEqual(NGrams.tokens(["a", "b"], upTo: 4), ["a", "b", "a b"])
        XCTAssertEqual(NGrams.tokens(["a"], upTo: 2), ["a"])
        XCTAssertEqual(NGrams.tokens([], upTo: 2), [])
    }

    func testTextIsCleanedBeforeTheNGrams() {
        XCTAssertEqual(NGrams.tokens(in: "Not<br />GOOD, at all!", upTo: 2),
                       ["not", "good", "at", "all", "not good", "good at", "at all"])
    }

    func testWidthCountsTheWordsOfAToken() {
        XCTAssertEqual(NGrams.width(of: "film"), 1)
        XCTAssertEqual(NGrams.width(of: "good film"), 2)
        XCTAssertEqual(NGrams.width(of: "a good film"), 3)
    }

    func testAWidthBeyondTheTextStopsAtItsLength() {
        // A config.json's or --ngrams' absurd width costs no more than the text's own length.
        XCTAssertEqual(NGrams.tokens(["a", "b", "c"], upTo: Int.max), ["a", "b", "c", "a b", "b c", "a b c"])
    }
}
