import Foundation
import XCTest

/// Every malformed input gives one line `heed: error: …` on standard error and a non-zero exit
/// status; docs/errors.md lists these messages.
final class HeedCLIErrorTests: XCTestCase {
    var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("heed-cli-errors-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try Fixtures.reviewsCSV().write(to: file("reviews.csv"), atomically: true, encoding: .utf8)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: folder)
    }

    func file(_ name: String) -> URL { folder.appendingPathComponent(name) }

    func path(_ name: String) -> String { file(name).path }

    func write(_ bytes: [UInt8], to name: String) throws {
        try Data(bytes).write(to: file(name))
    }

    func write(_ text: String, to name: String) throws {
        try write(Array(text.utf8), to: name)
    }

    /// `heed train` on `data` with the tiny model and `extra` options.
    func train(_ data: String = "reviews.csv", out: String = "m", _ extra: String...) throws -> HeedProcess.Result {
        try HeedProcess.run(
            ["train", "--data", data, "--text-column", "review", "--label-column", "sentiment", "--epochs", "1",
             "--embed-dim", "4", "--max-len", "8", "--batch-size", "8", "--vocab-size", "30", "--out", out, "--quiet"]
                + extra, in: folder)
    }

    /// Checks the exit status and that standard error is exactly `message` on one line.
    func assertError(_ result: HeedProcess.Result, status: Int32, _ message: String,
                     file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(result.status, status, result.stderr, file: file, line: line)
        XCTAssertEqual(result.stderr, "heed: error: \(message)\n", file: file, line: line)
    }

    /// Trains the tiny model into `out` and checks that it worked.
    func trainModel(out: String = "model", _ extra: String...) throws {
        let result = try HeedProcess.run(
            ["train", "--data", "reviews.csv", "--text-column", "review", "--label-column", "sentiment", "--epochs", "1",
             "--embed-dim", "4", "--max-len", "8", "--batch-size", "8", "--vocab-size", "30", "--out", out, "--quiet"]
                + extra, in: folder)
        XCTAssertEqual(result.status, 0, result.stderr)
    }

    func predict(model: String = "model") throws -> HeedProcess.Result {
        try HeedProcess.run(["predict", "--model", model, "--text", "a great film"], in: folder)
    }

    // MARK: - Data files

    func testEmptyFileIsAnError() throws {
        try write("", to: "empty.csv")
        assertError(try train("empty.csv"), status: 1,
                    "\(path("empty.csv")): the file is empty; expected a header line followed by data rows")
    }

    func testHeaderOnlyFileIsAnError() throws {
        try write("review,sentiment\n", to: "header.csv")
        assertError(try train("header.csv"), status: 1, "\(path("header.csv")): the file has a header line but no data rows")
    }

    func testRaggedRowNamesItsLine() throws {
        try write("review,sentiment\ngood film,good\nbad film,bad,extra\n", to: "ragged.csv")
        assertError(try train("ragged.csv"), status: 1, "\(path("ragged.csv")): line 3 has 3 fields, expected 2 as in the header")
    }

    func testUnterminatedQuoteNamesTheLineWhereItOpens() throws {
        try write("review,sentiment\ngood film,good\n\"bad film,bad\nfine film,good\n", to: "quote.csv")
        assertError(try train("quote.csv"), status: 1,
                    "\(path("quote.csv")): line 3: a quoted field starts here and is never closed")
    }

    /// The reviews fixture with a first row holding "café" in Latin-1 (byte 0xE9 at offset 20).
    func writeLatin1Reviews() throws {
        let header = Array("review,sentiment\n".utf8)
        let row = Array("caf".utf8) + [0xE9] + Array(" film,good\n".utf8)
        let rest = Fixtures.reviewsCSV().split(separator: "\n", maxSplits: 1).last.map { Array($0.utf8) } ?? []
        try write(header + row + rest, to: "latin1.csv")
    }

    func testInvalidUTF8NamesLineAndOffsetAndTheEncodingOption() throws {
        try writeLatin1Reviews()
        assertError(try train("latin1.csv"), status: 1,
                    "\(path("latin1.csv")): line 2: invalid UTF-8 (byte 0xE9) at byte offset 20; convert the file to UTF-8, "
                        + "or pass --encoding lossy (bad bytes become U+FFFD) or --encoding latin1")
    }

    func testLossyEncodingReadsTheInvalidUTF8File() throws {
        try writeLatin1Reviews()
        let result = try train("latin1.csv", "--encoding", "lossy")
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(result.stderr, "")
    }

    func testLatin1EncodingReadsTheInvalidUTF8File() throws {
        try writeLatin1Reviews()
        let result = try train("latin1.csv", "--encoding", "latin1")
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(result.stderr, "")
    }

    func testNulByteNamesLineAndOffset() throws {
        try write(Array("review,sentiment\na".utf8) + [0] + Array("b,good\n".utf8), to: "nul.csv")
        assertError(try train("nul.csv"), status: 1,
                    "\(path("nul.csv")): line 2: NUL byte at byte offset 18; text files never contain one "
                        + "(is this a binary or UTF-16 file?)")
    }

    func testFieldOverTheLimitIsRefused() throws {
        // 11 MB, just over the 10 MiB default limit.
        var bytes = Array("review,sentiment\n".utf8)
        bytes += [UInt8](repeating: UInt8(ascii: "x"), count: 11_000_000)
        bytes += Array(",good\nfine film,bad\n".utf8)
        try write(bytes, to: "huge.csv")
        assertError(try train("huge.csv"), status: 1,
                    "\(path("huge.csv")): line 2, column 1 (\"review\"): field is longer than the limit of 10485760 bytes; "
                        + "raise --max-field-bytes if such fields are intended")
    }

    func testMaxFieldBytesOptionLowersTheLimit() throws {
        assertError(try train("reviews.csv", "--max-field-bytes", "10"), status: 1,
                    "\(path("reviews.csv")): line 2, column 1 (\"review\"): field is longer than the limit of 10 bytes; "
                        + "raise --max-field-bytes if such fields are intended")
    }

    func testBareCarriageReturnNamesLineAndOffset() throws {
        try write("review,sentiment\na b,good\rc d,bad\r", to: "mac.csv")
        assertError(try train("mac.csv"), status: 1,
                    "\(path("mac.csv")): line 2: carriage return without a line feed at byte offset 25; "
                        + "line ends must be LF or CRLF")
    }

    func testRowsWithoutWordsAreSkippedWithAWarning() throws {
        let text = Fixtures.reviewsCSV().replacingOccurrences(of: "review,sentiment\n", with: "review,sentiment\n\"123, !!!\",good\n")
        try write(text, to: "digits.csv")
        let result = try train("digits.csv")
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(result.stderr,
                       "heed: warning: \(path("digits.csv")): skipping 1 training row with no words after cleaning (line 2)\n")
        XCTAssertTrue(result.stdout.contains("28 training rows, 8 validation rows"), result.stdout)
    }

    func testFileWhoseTextsAllLackWordsIsAnError() throws {
        try write("review,sentiment\n123,good\n\"4, 5!\",bad\n...,good\n", to: "nowords.csv")
        assertError(try train("nowords.csv"), status: 1,
                    "\(path("nowords.csv")): every training text is empty after cleaning (no letters); "
                        + "check --text-column and the file's encoding")
    }

    func testPredictTextWithoutWordsIsAnError() throws {
        try trainModel("--mask-zero")
        assertError(try HeedProcess.run(["predict", "--model", "model", "--text", "123, !!!"], in: folder), status: 64,
                    "--text holds no words after cleaning (only digits, punctuation or symbols); there is nothing to classify")
    }

    func testPredictFileRowsWithoutWordsGetAnEmptyPrediction() throws {
        try trainModel("--mask-zero")
        try write("review\ngreat film\n\"123, !!!\"\nawful plot\n", to: "new.csv")
        let result = try HeedProcess.run(["predict", "--model", "model", "--data", "new.csv", "--output", "p.csv"], in: folder)
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(result.stderr,
                       "heed: warning: \(path("new.csv")): 1 row with no words after cleaning gets no prediction (line 3)\n")
        let lines = try String(contentsOf: file("p.csv"), encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
        XCTAssertEqual(lines.count, 5)  // header, three rows, final newline
        XCTAssertEqual(lines[2], ",,,,")
        XCTAssertFalse(lines.contains { $0.contains("nan") })
    }

    // MARK: - Options

    func testVocabularySizeBelowTwoIsAnError() throws {
        assertError(try train("reviews.csv", "--vocab-size", "1"), status: 64,
                    "--vocab-size must be at least 2 (padding and unknown word), got 1")
    }

    func testZeroBatchSizeIsAnError() throws {
        assertError(try train("reviews.csv", "--batch-size", "0"), status: 64, "--batch-size must be at least 1, got 0")
    }

    func testZeroLearningRateIsAnError() throws {
        assertError(try train("reviews.csv", "--learning-rate", "0"), status: 64,
                    "--learning-rate must be a positive number, got 0.0")
    }

    func testNegativeWeightDecayIsAnError() throws {
        assertError(try train("reviews.csv", "--weight-decay", "-0.1"), status: 64, "--weight-decay must be a number ≥ 0, got -0.1")
    }

    func testEMAMomentumOutsideZeroToOneOrWithEarlyStoppingIsAnError() throws {
        assertError(try train("reviews.csv", "--ema-momentum", "1"), status: 64, "--ema-momentum must be in [0, 1), got 1.0")
        assertError(try train("reviews.csv", "--ema-momentum", "0.99", "--early-stopping", "1"), status: 64,
                    "--ema-momentum and --early-stopping cannot be combined: early stopping would restore trained weights that the averages then replace; fix --epochs instead")
    }

    func testDropoutOnThePairModelIsAnError() throws {
        assertError(try train("reviews.csv", "--model", "pair", "--pair-column", "title", "--dropout", "0.2"), status: 64,
                    "--dropout applies to the text and transformer models, not the pair model")
    }

    func testNBWeightOutsideTheBagModelOrNegativeIsAnError() throws {
        assertError(try train("reviews.csv", "--nb-weight", "0.1"), status: 64, "--nb-weight applies to the bag model alone (--model bag)")
        assertError(try train("reviews.csv", "--model", "bag", "--nb-weight", "-1"), status: 64, "--nb-weight must be a number ≥ 0, got -1.0")
        assertError(try train("reviews.csv", "--model", "bag", "--dropout", "0.2"), status: 64,
                    "--dropout applies to the text and transformer models, not the bag model")
    }

    func testOverlapFeaturesOnTheTextModelIsAnError() throws {
        assertError(try train("reviews.csv", "--overlap-features"), status: 64,
                    "--overlap-features applies to the pair model alone (it compares two texts)")
    }

    func testZeroEpochsIsAnError() throws {
        assertError(try train("reviews.csv", "--epochs", "0"), status: 64, "--epochs must be at least 1, got 0")
    }

    func testValidationSplitOfZeroIsAnError() throws {
        assertError(try train("reviews.csv", "--validation-split", "0"), status: 64,
                    "--validation-split must be between 0 and 1 (both excluded), got 0.0")
    }

    func testValidationSplitAboveOneIsAnError() throws {
        assertError(try train("reviews.csv", "--validation-split", "1.5"), status: 64,
                    "--validation-split must be between 0 and 1 (both excluded), got 1.5")
    }

    func testMoreThreadsThanCoresIsAnError() throws {
        let cores = ProcessInfo.processInfo.activeProcessorCount
        assertError(try train("reviews.csv", "--threads", "100000"), status: 64,
                    "--threads must be between 1 and \(cores) (the cores of this machine), got 100000")
    }

    func testLabelColumnThatIsAlsoTheTextColumnIsAnError() throws {
        let result = try HeedProcess.run(["train", "--data", "reviews.csv", "--text-column", "review", "--label-column", "review",
                                          "--out", "m"], in: folder)
        assertError(result, status: 64, "--label-column review is also a text column; the label must be a column of its own")
    }

    func testTrainRowsPastTheFileAreAnError() throws {
        assertError(try train("reviews.csv", "--train-rows", "30-40"), status: 64,
                    "--train-rows 30-40 goes past the last data row of reviews.csv (36 rows)")
    }

    func testAnOptionOfAnotherKindOfModelIsAnError() throws {
        assertError(try train("reviews.csv", "--filters", "5"), status: 64, "--filters applies to the pair model, not the text model")
        assertError(try train("reviews.csv", "--model", "bag", "--mask-zero"), status: 64,
                    "--mask-zero applies to the text and pair models, not the bag model")
        assertError(try train("reviews.csv", "--num-heads", "4"), status: 64, "--num-heads applies to the transformer model, not the text model")
        assertError(try train("reviews.csv", "--model", "transformer", "--interaction-head"), status: 64,
                    "--interaction-head applies to the pair model, not the transformer model")
        assertError(try train("reviews.csv", "--scale-embeddings"), status: 64,
                    "--scale-embeddings applies to the transformer model, not the text model")
    }

    func testValidationSplitOfEveryRowIsAnError() throws {
        assertError(try train("reviews.csv", "--validation-split", "0.999"), status: 64,
                    "--validation-split 0.999 holds out every one of the 36 training rows; lower it")
    }

    func testStreamedRowsPastTheFileAreTheSameError() throws {
        for (option, range) in [("--train-rows", "30-40"), ("--test-rows", "31-37")] {
            let result = try train("reviews.csv", "--train-rows", "1-30", option, range, "--stream", "--validation-split", "0.2")
            XCTAssertEqual(result.status, 64, result.stderr)
            XCTAssertTrue(result.stderr.hasSuffix("heed: error: \(option) \(range) goes past the last data row of reviews.csv (36 rows)\n"),
                          result.stderr)
        }
    }

    func testTestRowsPastTheFileAreAnError() throws {
        assertError(try train("reviews.csv", "--train-rows", "1-30", "--test-rows", "31-37"), status: 64,
                    "--test-rows 31-37 goes past the last data row of reviews.csv (36 rows)")
    }

    func testTrainRowsStartingAtZeroAreAnError() throws {
        assertError(try train("reviews.csv", "--train-rows", "0-5"), status: 64,
                    "--train-rows 0-5: rows count from 1, the first row after the header")
    }

    func testReversedTrainRowsAreAnError() throws {
        assertError(try train("reviews.csv", "--train-rows", "9-3"), status: 64,
                    "--train-rows 9-3: the first row is after the last; write FIRST-LAST, e.g. 1-25000")
    }

    func testRowRangeThatIsNotARangeIsAnError() throws {
        assertError(try train("reviews.csv", "--train-rows", "first-ten"), status: 64,
                    "The value 'first-ten' is invalid for '--train-rows <train-rows>'")
    }

    func testOptionsThatWouldWriteNothingAreRefused() throws {
        try trainModel()
        assertError(try HeedProcess.run(["predict", "--model", "model", "--text", "a film", "--output", "p.csv"], in: folder),
                    status: 64, "--output writes the predictions of --data; those of --text are printed")
        // The fixture's model has three classes.
        assertError(try HeedProcess.run(["evaluate", "--model", "model", "--data", "reviews.csv", "--roc", "roc.svg"], in: folder),
                    status: 64, "--roc draws the curve of a model of two classes; this one has 3")
        XCTAssertFalse(FileManager.default.fileExists(atPath: path("p.csv")))
    }

    func testAnImportedReviewThatIsNotUTF8IsADataError() throws {
        for split in ["train/pos", "train/neg", "test/pos", "test/neg"] {
            try FileManager.default.createDirectory(at: file("aclImdb/" + split), withIntermediateDirectories: true)
            try Data("fine".utf8).write(to: file("aclImdb/\(split)/0_7.txt"))
        }
        try Data([0x66, 0xFF, 0x66]).write(to: file("aclImdb/test/neg/1_2.txt"))
        assertError(try HeedProcess.run(["import-imdb", "--dir", "aclImdb", "--out", "imdb.csv"], in: folder),
                    status: 1, "\(path("aclImdb/test/neg/1_2.txt")) is not valid UTF-8")
    }

    func testOutputInAMissingFolderIsRefusedBeforeLoading() throws {
        try trainModel()
        assertError(try HeedProcess.run(["predict", "--model", "model", "--data", "reviews.csv", "--output", "none/p.csv"],
                                        in: folder),
                    status: 64, "--output none/p.csv: the folder \(path("none")) does not exist")
    }

    /// The machine's memory as the tool reports it.
    var memory: String { String(format: "%.1f GB", Double(ProcessInfo.processInfo.physicalMemory) / 1e9) }

    func testMaxLengthTooBigForMemoryIsRefusedBeforeAllocating() throws {
        // 32 rows a batch × 2,000,000,000² attention scores × 4 bytes = 5.12e20 bytes.
        assertError(try train("reviews.csv", "--max-len", "2000000000", "--batch-size", "32"), status: 64,
                    "one batch's attention scores (--batch-size × --max-len²) would take 5.1e+11 GB, and this machine has "
                        + "\(memory); lower --max-len, --embed-dim, --batch-size or the model's sizes")
    }

    func testEmbeddingWidthTooBigForMemoryIsRefusedBeforeAllocating() throws {
        // 32 rows a batch × 8 tokens × 10^12 × 4 bytes = 1.024e15 bytes.
        assertError(try train("reviews.csv", "--embed-dim", "1000000000000", "--batch-size", "32"), status: 64,
                    "one batch's embeddings (--batch-size × --max-len × --embed-dim) would take 1.0e+06 GB, and this "
                        + "machine has \(memory); lower --max-len, --embed-dim, --batch-size or the model's sizes")
    }

    // MARK: - Model folders

    func assertMissing(_ name: String, file: StaticString = #filePath, line: UInt = #line) throws {
        try trainModel()
        try FileManager.default.removeItem(at: self.file("model/" + name))
        assertError(try predict(), status: 1,
                    "\(path("model/" + name)): missing; the model folder is incomplete (train it again or restore the file)",
                    file: file, line: line)
    }

    func testMissingModelFolderIsAnError() throws {
        assertError(try predict(model: "nowhere"), status: 1,
                    "\(path("nowhere")): not a model folder (expected a directory with config.json)")
    }

    func testModelFolderWithoutConfigIsAnError() throws { try assertMissing("config.json") }

    func testModelFolderWithoutWeightsIsAnError() throws { try assertMissing("model.safetensors") }

    func testModelFolderWithoutLabelsIsAnError() throws { try assertMissing("labels.json") }

    func testModelFolderWithoutVocabularyIsAnError() throws { try assertMissing("vocab.txt") }

    func testTruncatedWeightsAreAnError() throws {
        try trainModel()
        let weights = [UInt8](try Data(contentsOf: file("model/model.safetensors")))
        // Keep the 8-byte length, the JSON header and the first 10 bytes of the data section.
        let headerLength = weights.prefix(8).reversed().reduce(0) { $0 << 8 | Int($1) }
        try write(Array(weights.prefix(8 + headerLength + 10)), to: "model/model.safetensors")
        assertError(try predict(), status: 1, "\(path("model/model.safetensors")): cannot load the weights: "
                        + "safetensors: tensor 'classifier/bias' has data_offsets [0, 12] outside the 10-byte data section; "
                        + "restore the file or train the model again")
    }

    func testConfigThatIsNotJSONIsAnError() throws {
        try trainModel()
        try write("{ not json", to: "model/config.json")
        assertError(try predict(), status: 1, "\(path("model/config.json")): invalid model configuration: not valid JSON; "
                        + "restore the file or train the model again")
    }

    func testConfigWithAHugeSizeIsRefusedBeforeAllocating() throws {
        try trainModel()
        let config = try String(contentsOf: file("model/config.json"), encoding: .utf8)
        XCTAssertTrue(config.contains("\"embed_dim\" : 4,"), config)
        try write(config.replacingOccurrences(of: "\"embed_dim\" : 4,", with: "\"embed_dim\" : 100000000000,"),
                  to: "model/config.json")
        // 1 row × 8 tokens × 10^11 × 4 bytes = 3.2e12 bytes; the vocabulary's 16 × 10^11 × 16 bytes is larger.
        assertError(try predict(), status: 1,
                    "the embedding table (vocabulary 16 × --embed-dim 100000000000, with its gradient and Adam moments) "
                        + "would take 25600.0 GB, and this machine has \(memory); \(path("model/config.json")) is damaged "
                        + "or was written for a bigger machine")
    }

    func testWeightOfTheWrongShapeIsAnError() throws {
        try trainModel()
        try trainModel(out: "wide", "--embed-dim", "6")
        try FileManager.default.removeItem(at: file("model/model.safetensors"))
        try FileManager.default.copyItem(at: file("wide/model.safetensors"), to: file("model/model.safetensors"))
        assertError(try predict(), status: 1, "\(path("model/model.safetensors")): cannot load the weights: checkpoint: tensor "
                        + "'embedding/embeddings' has shape [16, 6], the model expects [16, 4]; restore the file or train the model again")
    }
}
