import Foundation
import XCTest

/// Runs every `heed` subcommand on fixture files in a temporary folder.
final class HeedCLITests: XCTestCase {
    var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("heed-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try Fixtures.reviewsCSV().write(to: folder.appendingPathComponent("reviews.csv"), atomically: true, encoding: .utf8)
        try Fixtures.pairsTSV().write(to: folder.appendingPathComponent("pairs.tsv"), atomically: true, encoding: .utf8)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: folder)
    }

    func heed(_ arguments: String...) throws -> HeedProcess.Result {
        try HeedProcess.run(arguments, in: folder)
    }

    func file(_ name: String) -> URL { folder.appendingPathComponent(name) }

    func exists(_ name: String) -> Bool { FileManager.default.fileExists(atPath: file(name).path) }

    /// Trains the tiny text model into `out`.
    @discardableResult
    func trainText(out: String = "model", epochs: String = "2", extra: [String] = []) throws -> HeedProcess.Result {
        let result = try HeedProcess.run(
            ["train", "--data", "reviews.csv", "--text-column", "review", "--label-column", "sentiment", "--epochs", epochs,
             "--embed-dim", "6", "--max-len", "12", "--batch-size", "8", "--vocab-size", "30", "--out", out, "--quiet"] + extra,
            in: folder)
        XCTAssertEqual(result.status, 0, result.stderr)
        return result
    }

    func trainPair(out: String = "pair", _ extra: String...) throws {
        let result = try HeedProcess.run(
            ["train", "--data", "pairs.tsv", "--text-column", "#1 String", "--pair-column", "#2 String",
             "--label-column", "Quality", "--epochs", "1", "--embed-dim", "4", "--filters", "6",
             "--max-len", "8", "--batch-size", "8", "--out", out, "--quiet"] + extra, in: folder)
        XCTAssertEqual(result.status, 0, result.stderr)
    }

    func jsonObject(_ text: String) throws -> [String: Any] {
        let object = try JSONSerialization.jsonObject(with: Data(text.utf8))
        return try XCTUnwrap(object as? [String: Any], text)
    }

    // MARK: - Commands

    /// The Stanford archive's layout becomes one CSV: training reviews first (positive, then
    /// negative, files in numeric order), then test reviews; quotes, commas and line breaks
    /// survive the round trip through heed's own reader; a missing folder is named.
    func testImportIMDbWritesTrainingRowsFirst() throws {
        let root = file("aclImdb")
        let reviews: [(String, String, String)] = [
            ("train/pos", "10_9.txt", "Second by number"), ("train/pos", "2_8.txt", "A \"great\", long\nfilm"),
            ("train/neg", "0_1.txt", "Dull."), ("test/pos", "5_10.txt", "Fine, really"), ("test/neg", "7_2.txt", "Bad"),
        ]
        for (folder, name, text) in reviews {
            let dir = root.appendingPathComponent(folder)
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            try text.write(to: dir.appendingPathComponent(name), atomically: true, encoding: .utf8)
        }
        let result = try heed("import-imdb", "--dir", "aclImdb", "--out", "imdb.csv")
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stdout.contains("train 3, test 2"), result.stdout)
        let csv = try String(contentsOf: file("imdb.csv"), encoding: .utf8)
        XCTAssertEqual(csv, """
            review,sentiment
            "A ""great"", long
            film",positive
            "Second by number",positive
            "Dull.",negative
            "Fine, really",positive
            "Bad",negative

            """)
        let trained = try heed("train", "--data", "imdb.csv", "--text-column", "review", "--label-column", "sentiment",
                               "--train-rows", "1-3", "--test-rows", "4-5", "--epochs", "1", "--embed-dim", "4",
                               "--max-len", "6", "--out", "imdb-model", "--quiet")
        XCTAssertEqual(trained.status, 0, trained.stderr)
        XCTAssertTrue(trained.stdout.contains("(2 rows)"), trained.stdout)

        try FileManager.default.removeItem(at: root.appendingPathComponent("test/neg"))
        let missing = try heed("import-imdb", "--dir", "aclImdb", "--out", "other.csv")
        XCTAssertNotEqual(missing.status, 0)
        XCTAssertTrue(missing.stderr.contains("aclImdb/test/neg is not a folder"), missing.stderr)
        XCTAssertFalse(exists("other.csv"))
    }

    func testABatchLargerThanTheDataIsOneStepOfAllRows() throws {
        // Int.max rows a batch: no overflow in counting the steps or the cosine schedule's length.
        _ = try trainText(out: "huge", epochs: "1", extra: ["--batch-size", "9223372036854775807", "--cosine-decay"])
        _ = try trainText(out: "all", epochs: "1", extra: ["--batch-size", "1000", "--cosine-decay"])
        XCTAssertEqual(try Data(contentsOf: file("huge/model.safetensors")), try Data(contentsOf: file("all/model.safetensors")))
    }

    func testTrainWritesModelFolderAndPrintsValidationAccuracy() throws {
        let result = try trainText()
        XCTAssertTrue(result.stdout.contains("validation accuracy: "), result.stdout)
        for name in ["config.json", "model.safetensors", "vocab.txt", "labels.json", "history.csv", "loss.svg", "accuracy.svg"] {
            XCTAssertTrue(exists("model/" + name), name)
        }
        let history = try String(contentsOf: file("model/history.csv"), encoding: .utf8)
        XCTAssertEqual(history.split(separator: "\n").count, 3, history)  // header + 2 epochs
        let labels = try String(contentsOf: file("model/labels.json"), encoding: .utf8)
        XCTAssertTrue(labels.contains("\"meh\""), labels)
    }

    func testTrainWithTestRowsReportsTestAccuracy() throws {
        let result = try trainText(epochs: "1", extra: ["--train-rows", "1-24", "--test-rows", "25-36"])
        XCTAssertTrue(result.stdout.contains("12 test rows"), result.stdout)
        XCTAssertTrue(result.stdout.contains("test accuracy: "), result.stdout)
    }

    func testValidationSplitWithTestRowsValidatesOnTrainingRowsAndTestsAtTheEnd() throws {
        let trained = try trainText(epochs: "2", extra: ["--train-rows", "1-24", "--test-rows", "25-36",
                                                         "--validation-split", "0.25", "--early-stopping", "1"])
        XCTAssertTrue(trained.stdout.contains("18 training rows, 6 validation rows, 12 test rows"), trained.stdout)
        let evaluated = try heed("evaluate", "--model", "model", "--data", "reviews.csv", "--rows", "25-36", "--json")
        XCTAssertEqual(evaluated.status, 0, evaluated.stderr)
        let accuracy = try XCTUnwrap(jsonObject(evaluated.stdout)["accuracy"] as? Double)
        XCTAssertTrue(trained.stdout.contains(String(format: "test accuracy: %.4f", accuracy) + ", loss: "), trained.stdout)
    }

    func testBigramModelEvaluatesAsItTrained() throws {
        let trained = try trainText(epochs: "1", extra: ["--ngrams", "2", "--train-rows", "1-24", "--test-rows", "25-36"])
        let vocabulary = try String(contentsOf: file("model/vocab.txt"), encoding: .utf8).split(separator: "\n")
        XCTAssertTrue(vocabulary.contains { $0.contains(" ") }, "no bigram in \(vocabulary)")
        let config = try jsonObject(String(contentsOf: file("model/config.json"), encoding: .utf8))
        XCTAssertEqual(config["ngrams"] as? Int, 2)
        let evaluated = try heed("evaluate", "--model", "model", "--data", "reviews.csv", "--rows", "25-36", "--json")
        XCTAssertEqual(evaluated.status, 0, evaluated.stderr)
        let json = try jsonObject(evaluated.stdout)
        let accuracy = try XCTUnwrap(json["accuracy"] as? Double)
        let loss = try XCTUnwrap(json["loss"] as? Double)
        XCTAssertTrue(trained.stdout.contains(String(format: "test accuracy: %.4f", accuracy)), trained.stdout)
        XCTAssertTrue(trained.stdout.contains(String(format: "loss: %.4f (12 rows)", loss)), trained.stdout)
        let predicted = try heed("predict", "--model", "model", "--text", "a wonderful film")
        XCTAssertEqual(predicted.status, 0, predicted.stderr)
    }

    func testDropoutAndWeightDecayAreSavedAndTheModelEvaluates() throws {
        try trainText(epochs: "2", extra: ["--dropout", "0.3", "--weight-decay", "0.1"])
        let config = try jsonObject(String(contentsOf: file("model/config.json"), encoding: .utf8))
        XCTAssertEqual(config["embedding_dropout"] as? Double, 0.3)
        XCTAssertEqual((config["training"] as? [String: Any])?["weight_decay"] as? Double, 0.1)
        let evaluated = try heed("evaluate", "--model", "model", "--data", "reviews.csv", "--json")
        XCTAssertEqual(evaluated.status, 0, evaluated.stderr)
        // Resuming keeps AdamW: its slots were saved under its name.
        let resumed = try trainText(epochs: "3", extra: ["--dropout", "0.3", "--weight-decay", "0.1", "--resume"])
        XCTAssertTrue(resumed.stdout.contains("Epoch 3/3"), resumed.stdout)
    }

    func testTheMovingAverageIsSavedResumedAndEndsInTheModel() throws {
        let trained = try trainText(epochs: "2", extra: ["--ema-momentum", "0.9", "--validation-split", "0.25"])
        let config = try jsonObject(String(contentsOf: file("model/config.json"), encoding: .utf8))
        XCTAssertEqual((config["training"] as? [String: Any])?["ema_momentum"] as? Double, 0.9)
        // The folder holds the averaged weights, and beside them the averages for a resume.
        let bytes = try Data(contentsOf: file("model/model.safetensors"))
        let length = bytes.prefix(8).enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        let header = try jsonObject(String(decoding: bytes.dropFirst(8).prefix(length), as: UTF8.self))
        XCTAssertTrue(header.keys.contains { $0.hasSuffix("/average") }, "\(header.keys.sorted())")
        XCTAssertTrue(trained.stdout.contains("validation accuracy:"), trained.stdout)
        let resumed = try trainText(epochs: "3", extra: ["--ema-momentum", "0.9", "--validation-split", "0.25", "--resume"])
        XCTAssertTrue(resumed.stdout.contains("Epoch 3/3"), resumed.stdout)
    }

    func testAFinishedRunResumedForMoreEpochsEqualsTheLongerRun() throws {
        // The Transformer drops 10 % by default; the moving average replaces the weights at the end.
        let options = ["--model", "transformer", "--ema-momentum", "0.9", "--threads", "1", "--num-heads", "2", "--key-dim", "4"]
        _ = try trainText(out: "straight", epochs: "3", extra: options)
        _ = try trainText(out: "resumed", epochs: "2", extra: options)
        _ = try trainText(out: "resumed", epochs: "3", extra: options + ["--resume"])
        // Weights, optimizer state and the history in the metadata, byte for byte.
        XCTAssertEqual(try Data(contentsOf: file("resumed/model.safetensors")), try Data(contentsOf: file("straight/model.safetensors")))
        XCTAssertEqual(try String(contentsOf: file("resumed/history.csv"), encoding: .utf8),
                       try String(contentsOf: file("straight/history.csv"), encoding: .utf8))
    }

    func testCosineDecaySpansEveryStepOfTheEpochs() throws {
        let trained = try trainText(epochs: "2", extra: ["--cosine-decay"])
        let rows = try XCTUnwrap(trained.stdout.split(separator: ";").dropFirst().first?.split(separator: " ").first.flatMap { Int($0) },
                                 trained.stdout)
        let config = try jsonObject(String(contentsOf: file("model/config.json"), encoding: .utf8))
        XCTAssertEqual((config["training"] as? [String: Any])?["cosine_decay_steps"] as? Int, 2 * ((rows + 7) / 8))
    }

    func testResumingWithAnotherMaxLenOrTrainingSettingIsRefused() throws {
        _ = try trainText(epochs: "1")
        let result = try heed("train", "--data", "reviews.csv", "--text-column", "review", "--label-column", "sentiment",
                              "--epochs", "2", "--embed-dim", "6", "--max-len", "10", "--batch-size", "8", "--vocab-size", "30",
                              "--resume", "--out", "model", "--quiet")
        XCTAssertEqual(result.status, 64)
        XCTAssertEqual(result.stderr, "heed: error: --resume: model was trained with --max-len 12, not 10; pass the options it was trained with\n")
        // A training setting given that differs is refused too; one left out is the model's.
        let rate = try heed("train", "--data", "reviews.csv", "--text-column", "review", "--label-column", "sentiment",
                            "--epochs", "2", "--embed-dim", "6", "--max-len", "12", "--vocab-size", "30",
                            "--learning-rate", "0.01", "--resume", "--out", "model", "--quiet")
        XCTAssertEqual(rate.status, 64)
        XCTAssertEqual(rate.stderr, "heed: error: --resume: model was trained with --learning-rate 0.001, not 0.01; pass the options it was trained with\n")
        let same = try heed("train", "--data", "reviews.csv", "--text-column", "review", "--label-column", "sentiment",
                            "--epochs", "2", "--embed-dim", "6", "--max-len", "12", "--vocab-size", "30",
                            "--resume", "--out", "model", "--quiet")
        XCTAssertEqual(same.status, 0, same.stderr)
    }

    func testResumingPastTheEndOfACosineScheduleIsRefused() throws {
        _ = try trainText(epochs: "1", extra: ["--cosine-decay"])
        let result = try heed("train", "--data", "reviews.csv", "--text-column", "review", "--label-column", "sentiment",
                              "--epochs", "3", "--embed-dim", "6", "--max-len", "12", "--batch-size", "8", "--vocab-size", "30",
                              "--cosine-decay", "--resume", "--out", "model", "--quiet")
        XCTAssertEqual(result.status, 64)
        XCTAssertEqual(result.stderr, "heed: error: --resume: model was trained with --cosine-decay over 1 epoch, after which its "
                       + "learning rate is 0; resume with --epochs 1 at most, or train a new model with --epochs 3\n")
    }

    func testADivergedRunStopsAndKeepsTheLastSoundEpoch() throws {
        let result = try HeedProcess.run(
            ["train", "--data", "reviews.csv", "--text-column", "review", "--label-column", "sentiment", "--epochs", "4",
             "--embed-dim", "6", "--max-len", "12", "--batch-size", "36", "--vocab-size", "30", "--learning-rate", "1e30",
             "--out", "model", "--quiet"], in: folder)
        XCTAssertEqual(result.status, 1, result.stderr)
        // One step an epoch: the first update is finite but huge, and the second epoch's loss is not.
        XCTAssertTrue(result.stderr.hasSuffix("the model folder keeps epoch 1; lower --learning-rate\n"), result.stderr)
        XCTAssertTrue(result.stderr.contains("heed: error: training diverged in epoch 2 (loss "), result.stderr)
        let history = try String(contentsOf: file("model/history.csv"), encoding: .utf8)
        XCTAssertEqual(history.split(separator: "\n").count, 2, history)
    }

    func testPairKernelSizeIsTheConvolutionWidth() throws {
        try trainPair(out: "pair", "--kernel-size", "2")
        let config = try jsonObject(String(contentsOf: file("pair/config.json"), encoding: .utf8))
        XCTAssertEqual(config["kernel_size"] as? Int, 2)
        // The safetensors header: an 8-byte little-endian length, then JSON.
        let bytes = try Data(contentsOf: file("pair/model.safetensors"))
        let length = bytes.prefix(8).enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        let header = try jsonObject(String(decoding: bytes.dropFirst(8).prefix(length), as: UTF8.self))
        XCTAssertEqual((header["cnn/kernel"] as? [String: Any])?["shape"] as? [Int], [2, 4, 6])
    }

    func testPairOverlapFeaturesAreSavedWithTheirStatistics() throws {
        try trainPair(out: "pair", "--overlap-features", "--keep-digits")
        let config = try jsonObject(String(contentsOf: file("pair/config.json"), encoding: .utf8))
        XCTAssertEqual(config["overlap_features"] as? Bool, true)
        XCTAssertEqual(config["keep_digits"] as? Bool, true)
        let bytes = try Data(contentsOf: file("pair/model.safetensors"))
        let length = bytes.prefix(8).enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        let header = try jsonObject(String(decoding: bytes.dropFirst(8).prefix(length), as: UTF8.self))
        XCTAssertEqual((header["overlap_normalization/mean"] as? [String: Any])?["shape"] as? [Int], [5])
        XCTAssertEqual((header["output/kernel"] as? [String: Any])?["shape"] as? [Int], [12 + 5, 1])
        // A text of digits alone is something to classify for a model that keeps digits.
        let result = try heed("predict", "--model", "pair", "--text", "1999", "--pair-text", "in 1999")
        XCTAssertEqual(result.status, 0, result.stderr)
    }

    func testKeepDigitsPutsNumbersInTheVocabulary() throws {
        let rows = (0..<24).map { "\"won \($0 % 4) to 1 in 2003\",\($0 % 2 == 0 ? "a" : "b")" }
        try (["score,label"] + rows).joined(separator: "\n").write(to: file("scores.csv"), atomically: true, encoding: .utf8)
        func train(_ out: String, _ extra: [String]) throws -> [Substring] {
            let result = try HeedProcess.run(["train", "--data", "scores.csv", "--text-column", "score", "--label-column", "label",
                                              "--epochs", "1", "--embed-dim", "4", "--max-len", "8", "--out", out, "--quiet"] + extra,
                                             in: folder)
            XCTAssertEqual(result.status, 0, result.stderr)
            return try String(contentsOf: file("\(out)/vocab.txt"), encoding: .utf8).split(separator: "\n")
        }
        XCTAssertEqual(try train("digits", ["--keep-digits"]).sorted(), ["0", "1", "2", "2003", "3", "<PAD>", "<UNK>", "in", "to", "won"])
        XCTAssertEqual(try train("words", []).sorted(), ["<PAD>", "<UNK>", "in", "to", "won"])
        let config = try jsonObject(String(contentsOf: file("words/config.json"), encoding: .utf8))
        XCTAssertNil(config["keep_digits"], "left out when off")
        let predicted = try heed("predict", "--model", "digits", "--text", "2003")
        XCTAssertEqual(predicted.status, 0, predicted.stderr)
        XCTAssertEqual(try heed("predict", "--model", "words", "--text", "2003").status, 64)
    }

    func testResumeContinuesFromTheLastCompleteEpoch() throws {
        try trainText(epochs: "1")
        let resumed = try trainText(epochs: "3", extra: ["--resume"])
        XCTAssertTrue(resumed.stdout.contains("Epoch 2/3"), resumed.stdout)
        XCTAssertFalse(resumed.stdout.contains("Epoch 1/3"), resumed.stdout)
        let history = try String(contentsOf: file("model/history.csv"), encoding: .utf8)
        XCTAssertEqual(history.split(separator: "\n").map { $0.split(separator: ",").first ?? "" }, ["epoch", "0", "1", "2"])
    }

    func testEvaluateJSONHasTheMetrics() throws {
        try trainText()
        let result = try heed("evaluate", "--model", "model", "--data", "reviews.csv", "--json")
        XCTAssertEqual(result.status, 0, result.stderr)
        let json = try jsonObject(result.stdout)
        XCTAssertEqual(json["count"] as? Int, 36)
        for key in ["accuracy", "loss", "macro_f1"] { XCTAssertNotNil(json[key] as? Double, key) }
        XCTAssertNil(json["auc"], "three classes have no AUC")
        XCTAssertEqual(json["classes"] as? [String], ["bad", "good", "meh"])
    }

    func testEvaluatePrintsConfusionMatrix() throws {
        try trainText()
        let result = try heed("evaluate", "--model", "model", "--data", "reviews.csv")
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stdout.contains("confusion matrix"), result.stdout)
        XCTAssertTrue(result.stdout.contains("macro-F1:"), result.stdout)
    }

    func testPairModelTrainsOnTSVAndReportsAUC() throws {
        try trainPair()
        XCTAssertTrue(exists("pair/roc.svg"))
        let result = try heed("evaluate", "--model", "pair", "--data", "pairs.tsv", "--json")
        XCTAssertEqual(result.status, 0, result.stderr)
        let json = try jsonObject(result.stdout)
        XCTAssertEqual(json["count"] as? Int, 24)
        let auc = try XCTUnwrap(json["auc"] as? Double)
        XCTAssertTrue((0...1).contains(auc))
    }

    func testPredictTextPrintsALabelAndProbabilities() throws {
        try trainText()
        let result = try heed("predict", "--model", "model", "--text", "a wonderful film")
        XCTAssertEqual(result.status, 0, result.stderr)
        let first = result.stdout.split(separator: "\n").first.map(String.init) ?? ""
        XCTAssertTrue(["bad", "good", "meh"].contains(first.split(separator: " ").first.map(String.init) ?? ""), first)
        XCTAssertEqual(result.stdout.split(separator: "\n").count, 4, result.stdout)
    }

    func testPredictPairNeedsPairText() throws {
        try trainPair()
        let result = try heed("predict", "--model", "pair", "--text", "alpha beta")
        XCTAssertEqual(result.status, 64)
        XCTAssertEqual(result.stderr, "heed: error: this is a pair model: pass --pair-text too\n")
    }

    func testPairConfigWithAHugeInteractionHeadIsRefusedBeforeAllocating() throws {
        try trainPair("--interaction-head")
        let url = file("pair/config.json")
        let config = try String(contentsOf: url, encoding: .utf8)
        XCTAssertTrue(config.contains("\"hidden_units\" : 64,"), config)
        try config.replacingOccurrences(of: "\"hidden_units\" : 64,", with: "\"hidden_units\" : 100000000000,")
            .write(to: url, atomically: true, encoding: .utf8)
        let result = try heed("predict", "--model", "pair", "--text", "alpha beta", "--pair-text", "beta alpha")
        XCTAssertEqual(result.status, 1, result.stderr)
        // 4 × 6 filters × 10^11 × 16 bytes.
        XCTAssertTrue(result.stderr.hasPrefix("heed: error: the interaction head's hidden layer (4 × --filters × hidden_units, "
                                              + "with its gradient and Adam moments) would take 38400.0 GB"), result.stderr)
    }

    func testPredictFileWritesOneRowPerInput() throws {
        try trainText()
        let result = try heed("predict", "--model", "model", "--data", "reviews.csv", "--output", "predictions.csv")
        XCTAssertEqual(result.status, 0, result.stderr)
        let lines = try String(contentsOf: file("predictions.csv"), encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(lines.first, "label,probability,p_bad,p_good,p_meh")
        XCTAssertEqual(lines.count, 37)
    }

    func testExplainRefusesAPairTextForAModelOfOneText() throws {
        try trainText()
        let result = try heed("explain", "--model", "model", "--text", "the plot", "--pair-text", "a film", "--out", "e.svg")
        XCTAssertEqual(result.status, 64)
        XCTAssertEqual(result.stderr, "heed: error: --pair-text is only for pair models\n")
    }

    func testExplainWritesHeatmapAndListsWords() throws {
        try trainText()
        let result = try heed("explain", "--model", "model", "--text", "the wonderful plot", "--out", "explain.svg")
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stdout.contains("most-attended words:"), result.stdout)
        XCTAssertTrue(result.stdout.contains("wonderful"), result.stdout)
        let svg = try String(contentsOf: file("explain.svg"), encoding: .utf8)
        XCTAssertTrue(svg.hasPrefix("<svg") || svg.hasPrefix("<?xml"), String(svg.prefix(80)))
    }

    func testBagModelTrainsOnTrigramsEvaluatesAndExplains() throws {
        let trained = try trainText(epochs: "2", extra: ["--model", "bag", "--ngrams", "3", "--nb-weight", "0.1",
                                                         "--train-rows", "1-24", "--test-rows", "25-36"])
        // Kernel and ratios 30 × 3 each and 3 biases; the ratios are not trained.
        XCTAssertTrue(trained.stdout.contains("heed: bag model, 183 weights (93 trained); "), trained.stdout)
        let config = try jsonObject(String(contentsOf: file("model/config.json"), encoding: .utf8))
        XCTAssertEqual(config["kind"] as? String, "bag")
        XCTAssertEqual(config["nb_weight"] as? Double, 0.1)
        let evaluated = try heed("evaluate", "--model", "model", "--data", "reviews.csv", "--rows", "25-36", "--json")
        XCTAssertEqual(evaluated.status, 0, evaluated.stderr)
        let accuracy = try XCTUnwrap(try jsonObject(evaluated.stdout)["accuracy"] as? Double)
        XCTAssertTrue(trained.stdout.contains(String(format: "test accuracy: %.4f", accuracy)), trained.stdout)
        let explained = try heed("explain", "--model", "model", "--text", "a wonderful wonderful plot", "--out", "words.svg")
        XCTAssertEqual(explained.status, 0, explained.stderr)
        XCTAssertTrue(explained.stdout.contains("(logit over the other classes):"), explained.stdout)
        // Each distinct token is listed once: wonderful is not repeated.
        XCTAssertEqual(explained.stdout.components(separatedBy: "  wonderful  ").count, 2, explained.stdout)
        XCTAssertTrue(exists("words.svg"))
        let resumed = try trainText(epochs: "3", extra: ["--model", "bag", "--ngrams", "3", "--nb-weight", "0.1",
                                                         "--train-rows", "1-24", "--test-rows", "25-36", "--resume"])
        XCTAssertTrue(resumed.stdout.contains("Epoch 3/3"), resumed.stdout)
    }

    func testPlotRedrawsCurvesFromHistory() throws {
        try trainText(epochs: "1")
        try FileManager.default.removeItem(at: file("model/loss.svg"))
        let result = try heed("plot", "--model", "model")
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(exists("model/loss.svg"))
    }

    func testWordsDrawsBarChartOfFrequentWords() throws {
        let result = try heed("words", "--data", "reviews.csv", "--text-column", "review", "--top", "3", "--out", "words.svg")
        XCTAssertEqual(result.status, 0, result.stderr)
        let lines = result.stdout.split(separator: "\n")
        // Every review holds "the", "film", "plot", "and", "acting" once: 36 each.
        XCTAssertEqual(lines.prefix(3).map { $0.split(separator: "\t").last.map(String.init) ?? "" }, ["36", "36", "36"])
        XCTAssertTrue(exists("words.svg"))
    }

    func testVersionNamesTheBLASKernel() throws {
        let result = try heed("--version")
        XCTAssertEqual(result.status, 0)
        XCTAssertTrue(result.stdout.hasPrefix("heed "), result.stdout)
        XCTAssertTrue(result.stdout.contains("OpenBLAS kernel: "), result.stdout)
    }

    func testHelpListsSubcommands() throws {
        let result = try heed("--help")
        XCTAssertEqual(result.status, 0)
        for command in ["train", "evaluate", "predict", "explain", "plot", "words"] {
            XCTAssertTrue(result.stdout.contains(command), command)
        }
    }

    // MARK: - Errors

    func testZeroMaxLengthIsAOneLineError() throws {
        let result = try heed("train", "--data", "reviews.csv", "--text-column", "review", "--label-column", "sentiment",
                              "--max-len", "0", "--out", "m")
        XCTAssertEqual(result.status, 64)
        XCTAssertEqual(result.stderr, "heed: error: --max-len must be at least 1, got 0\n")
        XCTAssertFalse(exists("m"))
    }

    func testZeroNGramsIsAOneLineError() throws {
        let result = try heed("train", "--data", "reviews.csv", "--text-column", "review", "--label-column", "sentiment",
                              "--ngrams", "0", "--out", "m")
        XCTAssertEqual(result.status, 64)
        XCTAssertEqual(result.stderr, "heed: error: --ngrams must be at least 1 (1 = words alone), got 0\n")
        XCTAssertFalse(exists("m"))
    }

    func testNegativeLearningRateIsAOneLineError() throws {
        let result = try heed("train", "--data", "reviews.csv", "--text-column", "review", "--label-column", "sentiment",
                              "--learning-rate", "-0.1", "--out", "m")
        XCTAssertEqual(result.status, 64)
        XCTAssertEqual(result.stderr, "heed: error: --learning-rate must be a positive number, got -0.1\n")
    }

    func testMissingColumnNamesTheColumns() throws {
        let result = try heed("train", "--data", "reviews.csv", "--text-column", "text", "--label-column", "sentiment",
                              "--out", "m")
        XCTAssertEqual(result.status, 1)
        XCTAssertEqual(result.stderr,
                       "heed: error: \(file("reviews.csv").path): no column named \"text\"; the columns are \"review\", \"sentiment\"\n")
    }

    func testMissingDataFileIsAnError() throws {
        let result = try heed("train", "--data", "nothing.csv", "--text-column", "review", "--label-column", "sentiment",
                              "--out", "m")
        XCTAssertEqual(result.status, 1)
        XCTAssertEqual(result.stderr, "heed: error: \(file("nothing.csv").path): cannot read the file: no such file\n")
    }

    func testSingleClassIsAnError() throws {
        try "review,sentiment\n\"a b\",pos\n\"c d\",pos\n\"e f\",pos\n".write(to: file("one.csv"), atomically: true, encoding: .utf8)
        let result = try heed("train", "--data", "one.csv", "--text-column", "review", "--label-column", "sentiment", "--out", "m")
        XCTAssertEqual(result.status, 1)
        XCTAssertEqual(result.stderr, "heed: error: the training labels hold only 1 class (\"pos\"); a classifier needs at least two\n")
        // Test rows of another class: still the training rows' error, in memory as with --stream.
        try "review,sentiment\n\"a b\",pos\n\"c d\",pos\n\"e f\",neg\n".write(to: file("two.csv"), atomically: true, encoding: .utf8)
        for stream in [[], ["--stream"]] {
            let split = try HeedProcess.run(["train", "--data", "two.csv", "--text-column", "review", "--label-column", "sentiment",
                                             "--train-rows", "1-2", "--test-rows", "3-3", "--out", "m2"] + stream, in: folder)
            XCTAssertEqual(split.status, 1, "\(stream)")
            XCTAssertTrue(split.stderr.hasSuffix("\nheed: error: the training labels hold only 1 class (\"pos\"); a classifier needs at least two\n")
                          || split.stderr.hasPrefix("heed: error: the training labels"), "\(stream): \(split.stderr)")
            XCTAssertEqual(split.stderr.components(separatedBy: "heed: error:").count, 2, split.stderr)
        }
    }

    func testUnknownLabelAtEvaluateIsAnError() throws {
        try trainText(epochs: "1")
        try "review,sentiment\n\"a great film\",superb\n".write(to: file("new.csv"), atomically: true, encoding: .utf8)
        let result = try heed("evaluate", "--model", "model", "--data", "new.csv")
        XCTAssertEqual(result.status, 1)
        XCTAssertEqual(result.stderr, "heed: error: \(file("new.csv").path): line 2: unknown label \"superb\"; the model knows \"bad\", \"good\", \"meh\"\n")
    }

    func testUnknownTestDataLabelListsTheClassesInTheModelsOrder() throws {
        try "text,label\n\"a b\",2\n\"c d\",10\n\"e f\",2\n".write(to: file("numbers.csv"), atomically: true, encoding: .utf8)
        try "label,other,text\n7,x,\"a b\"\n".write(to: file("numbers-test.csv"), atomically: true, encoding: .utf8)
        let result = try heed("train", "--data", "numbers.csv", "--test-data", "numbers-test.csv", "--text-column", "text",
                              "--label-column", "label", "--out", "m")
        XCTAssertEqual(result.status, 1)
        XCTAssertEqual(result.stderr, "heed: error: \(file("numbers-test.csv").path): line 2: unknown label \"7\"; the model knows \"2\", \"10\"\n")
    }

    func testModelFolderWithoutVocabularyIsAnError() throws {
        try trainText(epochs: "1")
        try FileManager.default.removeItem(at: file("model/vocab.txt"))
        let result = try heed("predict", "--model", "model", "--text", "great")
        XCTAssertEqual(result.status, 1)
        XCTAssertEqual(result.stderr,
                       "heed: error: \(file("model/vocab.txt").path): missing; the model folder is incomplete (train it again or restore the file)\n")
    }

    func testCorruptedWeightsAreAnError() throws {
        try trainText(epochs: "1")
        try Data("not a safetensors file".utf8).write(to: file("model/model.safetensors"))
        let result = try heed("evaluate", "--model", "model", "--data", "reviews.csv")
        XCTAssertEqual(result.status, 1)
        // The first 8 bytes, "not a sa" read as a little-endian UInt64, are the header length.
        XCTAssertEqual(result.stderr, "heed: error: \(file("model/model.safetensors").path): cannot load the weights: "
                       + "safetensors: header length 7021991845529153390 exceeds the 14 bytes after it (truncated or not a "
                       + "safetensors file); restore the file or train the model again\n")
    }

    func testUnwritableOutIsAnError() throws {
        try "x".write(to: file("plain"), atomically: true, encoding: .utf8)
        let result = try heed("train", "--data", "reviews.csv", "--text-column", "review", "--label-column", "sentiment",
                              "--out", "plain/model")
        XCTAssertEqual(result.status, 1)
        XCTAssertEqual(result.stderr, "heed: error: \(file("plain/model").path): cannot write: cannot create the folder: Not a directory\n")
    }

    func testExistingModelIsNotOverwrittenWithoutResume() throws {
        try trainText(epochs: "1")
        let result = try heed("train", "--data", "reviews.csv", "--text-column", "review", "--label-column", "sentiment",
                              "--out", "model")
        XCTAssertEqual(result.status, 64)
        XCTAssertEqual(result.stderr, "heed: error: model already holds a model; pass --resume to continue it, or choose another --out\n")
    }
}
