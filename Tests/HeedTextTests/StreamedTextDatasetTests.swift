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

    func testABuildRemovesHalfBuiltCachesOfEndedProcessesOnly() throws {
        let data = try folder.file("data.csv", "text,label\n" + (0..<8).map { "\"good film \($0)\",\($0 % 2)\n" }.joined())
        let options = StreamedTextOptions(textColumns: ["text"], labelColumn: "label", vocabularySize: 8, maxLength: 4,
                                          ngrams: 1, seed: 1, validationFraction: 0.25)
        let cache = folder.url.appendingPathComponent("cache")
        let built = try StreamedTextDataset.build(data: data, options: options, cacheRoot: cache)
        // Left by a process killed while encoding (no such PID), and one by a live process.
        let prefix = ".\(built.cacheFolder.lastPathComponent).partial-"
        let ended = cache.appendingPathComponent(prefix + "\(Int32.max)"), live = cache.appendingPathComponent(prefix + "\(getppid())")
        for partial in [ended, live] {
            try FileManager.default.createDirectory(at: partial, withIntermediateDirectories: true)
            try Data(count: 1000).write(to: partial.appendingPathComponent("ids"))
        }
        try FileManager.default.removeItem(at: built.cacheFolder)
        let rebuilt = try StreamedTextDataset.build(data: data, options: options, cacheRoot: cache)
        XCTAssertFalse(rebuilt.reused)
        XCTAssertFalse(FileManager.default.fileExists(atPath: ended.path), "the ended process's build is removed")
        XCTAssertTrue(FileManager.default.fileExists(atPath: live.path), "a live process's build is left alone")
    }

    func testACacheReadThroughASymbolicLinkFollowsTheFileItNames() throws {
        let rows = { (label: String) in "text,label\n" + (0..<12).map { "\"good film \($0 % 3)\",\($0 % 2 == 0 ? "x" : label)\n" }.joined() }
        let target = try folder.file("target.csv", rows("y"))
        let link = folder.url.appendingPathComponent("link.csv")
        try FileManager.default.createSymbolicLink(at: link, withDestinationURL: target)
        let options = StreamedTextOptions(textColumns: ["text"], labelColumn: "label", vocabularySize: 8, maxLength: 4,
                                          ngrams: 1, seed: 1, validationFraction: 0.25)
        let cache = folder.url.appendingPathComponent("cache")
        var totals: [Int] = []
        let first = try StreamedTextDataset.build(data: link, options: options, cacheRoot: cache,
                                                  progress: { if $0.finished { totals.append($0.totalBytes) } })
        XCTAssertEqual(first.labelEncoder.classes, ["x", "y"])
        XCTAssertEqual(Set(totals), [rows("y").utf8.count], "progress counts the target's bytes, not the link's")
        // The target rewritten in place: the same size, other labels, a later modification time.
        try Data(rows("z").utf8).write(to: target)
        try FileManager.default.setAttributes([.modificationDate: Date().addingTimeInterval(5)], ofItemAtPath: target.path)
        let second = try StreamedTextDataset.build(data: link, options: options, cacheRoot: cache)
        XCTAssertFalse(second.reused, "the file behind the link changed")
        XCTAssertEqual(second.labelEncoder.classes, ["x", "z"])
    }
}
