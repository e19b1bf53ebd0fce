import XCTest
@testable import HeedText

final class TextCleanerTests: XCTestCase {
    func testHTMLTagsAreRemovedAndSeparateWords() {
        XCTAssertEqual(TextCleaner.tokens(in: "Great film.<br /><br />The end<i>ing</i> was fine"),
                       ["great", "film", "the", "end", "ing", "was", "fine"])
    }

    func testTagRunsToTheFirstClosingBracket() {
        XCTAssertEqual(TextCleaner.tokens(in: "keep <a href=x\n title=y> this <b<c> too"), ["keep", "this", "too"])
    }

    func testLessThanWithoutClosingBracketIsASeparator() {
        XCTAssertEqual(TextCleaner.tokens(in: "x<y and z<w"), ["x", "y", "and", "z", "w"])
    }

    func testDigitsAndPunctuationSplitWords() {
        XCTAssertEqual(TextCleaner.tokens(in: "It's 10/10, a must-see!!! (B+) e-mail_me"),
                       ["it", "s", "a", "must", "see", "b", "e", "mail", "me"])
    }

    func testUppercaseIsLowered() {
        XCTAssertEqual(TextCleaner.tokens(in: "DUCHOVNY Jolie's"), ["duchovny", "jolie", "s"])
    }

    func testUnicodeLettersAreKeptAndLowered() {
        XCTAssertEqual(TextCleaner.tokens(in: "Ça va? ÉLAN Straße, 東京タワー ΩMEGA señor"),
                       ["ça", "va", "élan", "straße", "東京タワー", "ωmega", "señor"])
    }

    func testFullLowercaseMappingIsUsed() {
        // U+0130 (İ) lowercases to "i" followed by U+0307 COMBINING DOT ABOVE.
        XCTAssertEqual(TextCleaner.tokens(in: "İstanbul"), ["i\u{307}stanbul"])
    }

    func testCombiningMarksAndSymbolsAreNonLetters() {
        // "e" + U+0301 (a mark, not a letter); € and emoji are symbols.
        XCTAssertEqual(TextCleaner.tokens(in: "cafe\u{301}s 5€ ok😀ok"), ["cafe", "s", "ok", "ok"])
    }

    func testC1ControlCharactersSplitWords() {
        XCTAssertEqual(TextCleaner.tokens(in: "don\u{92}t stop\u{85}now"), ["don", "t", "stop", "now"])
    }

    func testTextWithoutLettersHasNoTokens() {
        XCTAssertEqual(TextCleaner.tokens(in: ""), [])
        XCTAssertEqual(TextCleaner.tokens(in: " \t\n 123 <br/> ...!"), [])
    }

    func testCleanedJoinsTokensWithSingleSpaces() {
        XCTAssertEqual(TextCleaner.cleaned("  Hello,   WORLD<br/>again "), "hello world again")
    }
}
