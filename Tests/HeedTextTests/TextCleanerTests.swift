import Heed
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

    func testKeepingDigitsMakesThemWordCharacters() {
        XCTAssertEqual(TextCleaner.tokens(in: "It's 10/10, $1.5 billion in 2003; B52s", keepingDigits: true),
                       ["it", "s", "10", "10", "1", "5", "billion", "in", "2003", "b52s"])
        // Other decimal digits (general category Nd) too; superscripts and fractions are not Nd.
        XCTAssertEqual(TextCleaner.tokens(in: "٣٤ and x² ½", keepingDigits: true), ["٣٤", "and", "x"])
        XCTAssertEqual(TextCleaner.cleaned("Route 66!", keepingDigits: true), "route 66")
    }

    func testHasTokensFollowsTheDigitRule() {
        XCTAssertFalse(TextCleaner.hasTokens("2003 -- 42!"))
        XCTAssertTrue(TextCleaner.hasTokens("2003 -- 42!", keepingDigits: true))
        XCTAssertFalse(TextCleaner.hasTokens("?! ...", keepingDigits: true))
        XCTAssertTrue(TextCleaner.hasTokens("a"))
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

    func testWordsLongerThanTheInitialBufferStayWhole() {
        let long = String(repeating: "Ab", count: 300) + String(repeating: "é", count: 200)
        XCTAssertEqual(TextCleaner.tokens(in: long + " x"),
                       [String(repeating: "ab", count: 300) + String(repeating: "é", count: 200), "x"])
    }

    func testFastCleanerMatchesThePlainScalarVersion() {
        let pieces = ["a", "Z", "<", ">", "<br />", "b r", "1", ",", "é", "É", "Straße", "東", "İ", "\u{301}",
                      "😀", "\n", "\t", "Ω", "ǅ", "\u{92}", "-", "_", "'", " "]
        var generator = SeededGenerator(seed: 3)
        for _ in 0..<500 {
            let text = (0..<generator.nextInt(below: 12)).map { _ in pieces[generator.nextInt(below: pieces.count)] }.joined()
            XCTAssertEqual(TextCleaner.tokens(in: text), Self.plainTokens(text), "text \(text.debugDescription)")
        }
    }

    /// The rules applied one after another on whole scalar arrays, the slow and obvious way.
    private static func plainTokens(_ text: String) -> [String] {
        let scalars = Array(text.unicodeScalars)
        var untagged: [Unicode.Scalar] = []
        var i = 0
        while i < scalars.count {
            if scalars[i] == "<", let close = scalars[(i + 1)...].firstIndex(of: ">") {
                untagged.append(" ")
                i = close + 1
            } else {
                untagged.append(scalars[i])
                i += 1
            }
        }
        let letters: Set<Unicode.GeneralCategory> = [
            .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter,
        ]
        var spaced = String.UnicodeScalarView()
        for scalar in untagged { spaced.append(letters.contains(scalar.properties.generalCategory) ? scalar : " ") }
        var lowered = ""
        for scalar in spaced { lowered += scalar.properties.lowercaseMapping }
        return lowered.unicodeScalars.split(separator: " ").map { String(String.UnicodeScalarView($0)) }
    }
}
