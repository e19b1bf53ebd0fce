import Foundation
import XCTest

/// `heed train --stream`: the id cache gives the weights training in memory gives, is reused
/// when nothing changed and rebuilt when the data or an option did.
final class StreamedTrainingTests: XCTestCase {
    var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("heed-stream-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        // Rows with no words in the training and the test ranges are skipped in both paths.
        let csv = Fixtures.reviewsCSV(rows: 60) + "\"?? 12\",good\n" + "\"the plot, the end\",bad\n" + "\"!!!\",meh\n"
        try csv.write(to: file("reviews.csv"), atomically: true, encoding: .utf8)
        try Fixtures.pairsTSV(rows: 24).write(to: file("pairs.tsv"), atomically: true, encoding: .utf8)
        try Fixtures.pairsTSV(rows: 10).write(to: file("pairs-test.tsv"), atomically: true, encoding: .utf8)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: folder)
    }

    func file(_ name: String) -> URL { folder.appendingPathComponent(name) }

    func heed(_ arguments: [String]) throws -> HeedProcess.Result {
        let result = try HeedProcess.run(arguments, in: folder)
        XCTAssertEqual(result.status, 0, result.stderr)
        return result
    }

    func weights(_ model: String) throws -> Data {
        try Data(contentsOf: file(model).appendingPathComponent("model.safetensors"))
    }

    func caches() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".heedids") }.sorted()
    }

    let textOptions = ["--data", "reviews.csv", "--text-column", "review", "--label-column", "sentiment",
                       "--train-rows", "1-61", "--test-rows", "62-63", "--validation-split", "0.25",
                       "--embed-dim", "6", "--max-len", "10", "--batch-size", "8", "--vocab-size", "20", "--ngrams", "2",
                       "--threads", "1", "--quiet", "--epochs", "2"]

    func testStreamedTextModelEqualsInMemoryAndReusesItsCache() throws {
        let memory = try heed(["train"] + textOptions + ["--out", "memory"])
        let streamed = try heed(["train"] + textOptions + ["--stream", "--out", "streamed"])
        XCTAssertEqual(try weights("streamed"), try weights("memory"), "the same weights, bit for bit")
        // The same rows, warnings and results.
        let summary = { (r: HeedProcess.Result) in r.stdout.split(separator: "\n").filter { $0.hasPrefix("heed: text model") || $0.hasPrefix("test accuracy") } }
        XCTAssertEqual(summary(streamed), summary(memory))
        XCTAssertEqual(summary(memory).count, 2, memory.stdout)
        XCTAssertTrue(streamed.stderr.contains("skipping 1 training row with no words after cleaning (line 62)"), streamed.stderr)
        XCTAssertTrue(streamed.stderr.contains("skipping 1 test row with no words after cleaning (line 64)"), streamed.stderr)
        XCTAssertTrue(streamed.stderr.contains("encoding reviews.csv: 63 rows"), streamed.stderr)
        XCTAssertTrue(streamed.stdout.contains("heed: wrote the id cache"), streamed.stdout)
        XCTAssertEqual(try caches().count, 1)

        // Unchanged data and options: the cache is reused, with no pass over the data.
        let again = try heed(["train"] + textOptions + ["--stream", "--out", "again"])
        XCTAssertTrue(again.stdout.contains("heed: reusing the id cache"), again.stdout)
        XCTAssertFalse(again.stderr.contains("encoding"), again.stderr)
        XCTAssertEqual(try weights("again"), try weights("memory"))

        // A changed option builds another cache.
        let longer = try heed(["train"] + textOptions + ["--max-len", "12"] + ["--stream", "--out", "longer"])
        XCTAssertTrue(longer.stdout.contains("heed: wrote the id cache"), longer.stdout)
        XCTAssertEqual(try caches().count, 2)

        // A changed data file rebuilds: the same size and options, a later modification time.
        let data = try Data(contentsOf: file("reviews.csv"))
        try data.write(to: file("reviews.csv"))
        try FileManager.default.setAttributes([.modificationDate: Date().addingTimeInterval(5)], ofItemAtPath: file("reviews.csv").path)
        let rebuilt = try heed(["train"] + textOptions + ["--stream", "--out", "rebuilt"])
        XCTAssertTrue(rebuilt.stdout.contains("heed: wrote the id cache"), rebuilt.stdout)
        XCTAssertEqual(try weights("rebuilt"), try weights("memory"))
    }

    func testStreamedPairModelWithATestFileEqualsInMemory() throws {
        let options = ["--data", "pairs.tsv", "--test-data", "pairs-test.tsv", "--text-column", "#1 String",
                       "--pair-column", "#2 String", "--label-column", "Quality", "--epochs", "2", "--embed-dim", "4",
                       "--filters", "6", "--max-len", "8", "--batch-size", "8", "--threads", "1", "--quiet"]
        let memory = try heed(["train"] + options + ["--out", "memory"])
        let streamed = try heed(["train"] + options + ["--stream", "--cache-dir", "caches", "--out", "streamed"])
        XCTAssertEqual(try weights("streamed"), try weights("memory"))
        XCTAssertEqual(memory.stdout.split(separator: "\n").last { $0.hasPrefix("test accuracy") },
                       streamed.stdout.split(separator: "\n").last { $0.hasPrefix("test accuracy") })
        let cached = try FileManager.default.contentsOfDirectory(atPath: file("caches").path)
        XCTAssertEqual(cached.count, 1, "\(cached)")
    }

    func testStreamedBagModelEqualsInMemory() throws {
        let options = textOptions + ["--model", "bag", "--ngrams", "3", "--max-len", "6"]
        let memory = try heed(["train"] + options + ["--out", "memory"])
        let streamed = try heed(["train"] + options + ["--stream", "--out", "streamed"])
        XCTAssertTrue(streamed.stdout.contains("heed: bag model"), streamed.stdout)
        XCTAssertEqual(try weights("streamed"), try weights("memory"), "the same ratios and weights, bit for bit")
        XCTAssertEqual(memory.stdout.split(separator: "\n").last { $0.hasPrefix("test accuracy") },
                       streamed.stdout.split(separator: "\n").last { $0.hasPrefix("test accuracy") })
    }

    func testStreamedBagModelResumesAsABagModelWithoutItsModelOption() throws {
        let bag = textOptions.dropLast(2) + ["--model", "bag", "--ngrams", "3", "--max-len", "6"]
        _ = try heed(["train"] + bag + ["--epochs", "3", "--stream", "--out", "whole"])
        _ = try heed(["train"] + bag + ["--epochs", "2", "--stream", "--out", "resumed"])
        // Resumed without --model bag: the saved kind decides how the texts are read.
        let resumed = try heed(["train"] + textOptions.dropLast(2) + ["--ngrams", "3", "--max-len", "6", "--epochs", "3",
                                                                      "--stream", "--resume", "--out", "resumed"])
        XCTAssertTrue(resumed.stdout.contains("Epoch 3/3"), resumed.stdout)
        XCTAssertEqual(try weights("resumed"), try weights("whole"))
        let otherLength = try HeedProcess.run(["train"] + bag + ["--max-len", "7", "--epochs", "4", "--stream", "--resume",
                                                                 "--out", "resumed"], in: folder)
        XCTAssertEqual(otherLength.status, 64)
        XCTAssertTrue(otherLength.stderr.hasSuffix(
            "heed: error: --resume: resumed was trained with --max-len 6, not 7; pass the options it was trained with\n"),
                      otherLength.stderr)
    }

    func testStreamedRunResumesFromItsLastEpoch() throws {
        let options = textOptions.dropLast(2) + ["--epochs", "3"]
        _ = try heed(["train"] + options + ["--out", "whole"])
        // Two epochs, then resumed to three, from the same cache.
        _ = try heed(["train"] + textOptions + ["--stream", "--out", "resumed"])
        let resumed = try heed(["train"] + options + ["--stream", "--resume", "--out", "resumed"])
        XCTAssertTrue(resumed.stdout.contains("heed: reusing the id cache"), resumed.stdout)
        XCTAssertEqual(try weights("resumed"), try weights("whole"))
    }

    func testAStreamedUnknownTestLabelNamesTheFileAndLine() throws {
        try "review,sentiment\n\"good film\",pos\n\"bad plot\",neg\n\"dull story\",meh\n".write(to: file("three.csv"), atomically: true, encoding: .utf8)
        let result = try HeedProcess.run(["train", "--data", "three.csv", "--text-column", "review", "--label-column", "sentiment",
                                          "--train-rows", "1-2", "--test-rows", "3-3", "--stream", "--quiet", "--out", "m"], in: folder)
        XCTAssertEqual(result.status, 1, result.stderr)
        XCTAssertTrue(result.stderr.hasSuffix("heed: error: \(file("three.csv").path): line 4: unknown label \"meh\"; the training rows have \"neg\", \"pos\"\n"),
                      result.stderr)
    }

    func testStreamedResumeOfADamagedFolderFailsBeforeBuildingACache() throws {
        _ = try heed(["train"] + textOptions + ["--epochs", "1", "--out", "damaged"])
        try Data("{\"kind\": ".utf8).write(to: file("damaged").appendingPathComponent("config.json"))
        let result = try HeedProcess.run(["train"] + textOptions + ["--stream", "--resume", "--cache-dir", "caches",
                                                                    "--out", "damaged"], in: folder)
        XCTAssertEqual(result.status, 1, result.stderr)
        XCTAssertTrue(result.stderr.contains("damaged/config.json"), result.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: file("caches").path), "no id cache for a run that cannot resume")
    }
}
