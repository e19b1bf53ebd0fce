import Foundation
import Heed
import XCTest
@testable import HeedText

final class StreamedTextDatasetTests: XCTestCase {
    private var folder: TemporaryDirectory!

    override func setUpWithError() throws {
        folder = try TemporaryDirectory()
    }

    func testCachedIDsRoundTripTwoAndFourByteIDs() throws {
        for idBytes in [2, 4] {
            let url = folder.url.appendingPathComponent("ids-\(idBytes)")
            let writer = try CachedIDsWriter(url: url, width: 3, idBytes: idBytes)
            let big: Int32 = idBytes == 2 ? 65_535 : 1_000_000
            let rows: [[Int32]] = [[1, 2, 0], [big, 0, 0], [7, 8, 9], [0, 0, 0]]
            for row in rows { try writer.append(row[...]) }
            try writer.finish()
            let ids = try CachedIDs(url: url, count: 4, width: 3, idBytes: idBytes)
            let picked = try ids.examples([2, 1, 2])
            XCTAssertEqual(picked.shape, [3, 3])
            XCTAssertEqual(picked.scalars, rows[2] + rows[1] + rows[2], "\(idBytes)-byte ids")
            XCTAssertThrowsError(try CachedIDs(url: url, count: 5, width: 3, idBytes: idBytes), "a size that does not fit")
        }
    }

    func testCountersAddedColumnByColumnEqualOneCounter() {
        var whole = TokenCounter(), first = TokenCounter(), second = TokenCounter()
        let columns = [["b a", "c b"], ["d a", "e e b"]]
        for text in columns[0] { TextCleaner.forEachToken(in: text) { whole.add($0); first.add($0) } }
        for text in columns[1] { TextCleaner.forEachToken(in: text) { whole.add($0); second.add($0) } }
        var merged = first
        merged.add(contentsOf: second)
        XCTAssertEqual(merged.rankedTokens(limit: 10), whole.rankedTokens(limit: 10))
        XCTAssertEqual(merged.rankedTokens(limit: 10), ["b", "a", "e", "c", "d"])
        XCTAssertEqual(merged.count(of: "b"), 3)
    }

    func testStreamedDatasetEqualsTheInMemoryOne() throws {
        var lines = ["text,label"]
        for i in 0..<40 {
            lines.append("\"\(["good film, good film", "bad plot", "great acting, good story", "awful, boring"][i % 4]) \(i % 7 == 0 ? "again" : "")\",\(i % 4 < 2 ? "x" : "y")")
        }
        let data = try folder.file("data.csv", lines.joined(separator: "\n") + "\n")
        // Sequences, and sets of distinct tokens (cut after the repeats are dropped).
        for distinct in [false, true] {
            let options = StreamedTextOptions(textColumns: ["text"], labelColumn: "label", vocabularySize: 8, maxLength: 5,
                                              ngrams: 2, distinctTokens: distinct, seed: 3, validationFraction: 0.25)
            let cache = folder.url.appendingPathComponent("cache")
            var passes: [String] = []
            let streamed = try StreamedTextDataset.build(data: data, options: options, cacheRoot: cache,
                                                         progress: { if $0.finished { passes.append($0.pass) } })
            XCTAssertEqual(passes, ["scanning rows", "counting tokens", "encoding"])
            let memory = try TextDataset.load(data, options: TextDatasetOptions(
                textColumns: ["text"], labelColumn: "label", vocabularySize: 8, maxLength: 5, ngrams: 2, distinctTokens: distinct,
                testFraction: 0.25, seed: 3))
            XCTAssertEqual(streamed.vocabulary.tokens, memory.vocabulary.tokens)
            XCTAssertEqual(streamed.labelEncoder.classes, memory.labelEncoder.classes)
            let train = streamed.train, validation = try XCTUnwrap(streamed.validation)
            XCTAssertEqual(try train.inputs[0].examples(Array(0..<train.count)), memory.train.inputs[0], "distinct \(distinct)")
            XCTAssertEqual(train.labels, memory.train.labels)
            XCTAssertEqual(try validation.inputs[0].examples(Array(0..<validation.count)), memory.test.inputs[0])
            XCTAssertEqual(validation.labels, memory.test.labels)
            XCTAssertFalse(streamed.reused, "distinct \(distinct) has a cache of its own")
            let again = try StreamedTextDataset.build(data: data, options: options, cacheRoot: cache)
            XCTAssertTrue(again.reused)
            XCTAssertEqual(again.cacheFolder, streamed.cacheFolder)
        }
    }
}
