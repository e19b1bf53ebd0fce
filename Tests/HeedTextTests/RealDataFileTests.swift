import Foundation
import XCTest
@testable import HeedText

/// Reads the shared data sets when they sit beside the package (`../shared/datasets`).
final class RealDataFileTests: XCTestCase {
    private func dataFile(_ relative: String) throws -> URL {
        let url = packageRoot().appendingPathComponent("../shared/datasets/\(relative)").standardizedFileURL
        guard FileManager.default.fileExists(atPath: url.path) else { throw XCTSkip("\(url.path) is not here") }
        return url
    }

    func testIMDbHeaderAndFirstRows() throws {
        let reader = try DelimitedFileReader(contentsOf: try dataFile("imdb/IMDB_Dataset.csv"))
        XCTAssertEqual(reader.format, .csv)
        XCTAssertEqual(reader.header, ["review", "sentiment"])
        let first = try XCTUnwrap(try reader.nextRecord())
        XCTAssertEqual(first.line, 2)
        XCTAssertTrue(first.fields[0].hasPrefix("Okay, truthfully, I saw the previews for this movie"))
        XCTAssertTrue(first.fields[0].hasSuffix("I gave it 8 stars."))
        XCTAssertEqual(first.fields[0].unicodeScalars.count, 588)
        XCTAssertEqual(first.fields[1], "positive")
        let second = try XCTUnwrap(try reader.nextRecord())
        XCTAssertTrue(second.fields[0].hasPrefix("/* slight spoilers */<br /><br />Way back"))
        XCTAssertEqual(second.fields[0].unicodeScalars.count, 5512)
        XCTAssertEqual(second.fields[1], "positive")
        let third = try XCTUnwrap(try reader.nextRecord())
        XCTAssertTrue(third.fields[0].hasSuffix("<br /><br />Just ridiculous."))
        XCTAssertEqual(third.fields[1], "negative")
    }

    func testMSRPTrainFileReadsAsTSV() throws {
        let texts = try LabeledTexts.read(
            from: try dataFile("msrp/msr_paraphrase_train.txt"), textColumns: ["#1 String", "#2 String"],
            labelColumn: "Quality")
        XCTAssertEqual(texts.count, 4076)
        XCTAssertEqual(texts.labels.filter { $0 == "1" }.count, 2753)
        XCTAssertEqual(texts.texts[0][0],
                       "Amrozi accused his brother, whom he called \"the witness\", of deliberately distorting his evidence.")
    }

    /// The whole IMDb file; set HEED_SLOW_TESTS=1 (best with `swift test -c release`).
    func testWholeIMDbFileReadsFiftyThousandRows() throws {
        guard ProcessInfo.processInfo.environment["HEED_SLOW_TESTS"] == "1" else {
            throw XCTSkip("set HEED_SLOW_TESTS=1 to read the whole IMDb file")
        }
        let start = Date()
        let texts = try LabeledTexts.read(
            from: try dataFile("imdb/IMDB_Dataset.csv"), textColumns: ["review"], labelColumn: "sentiment")
        var tokens = 0
        for text in texts.texts[0] { TextCleaner.forEachToken(in: text) { _ in tokens += 1 } }
        print("IMDb read + clean + tokenize: \(Date().timeIntervalSince(start)) s, \(tokens) tokens")
        XCTAssertEqual(texts.count, 50_000)
        XCTAssertEqual(texts.labels.filter { $0 == "positive" }.count, 25_000)
        // Python: re.sub('<[^>]*>', ' ', t), non-isalpha characters to spaces, lower(), split().
        XCTAssertEqual(tokens, 11_704_998)
    }
}
