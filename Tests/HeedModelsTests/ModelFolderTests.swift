import Foundation
import Heed
import HeedModels
import HeedText
import XCTest

final class ModelFolderTests: XCTestCase {
    var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("heed-folder-\(UUID().uuidString)")
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: folder)
    }

    func makeModel(_ kind: ModelKind) throws -> ReadyModel {
        let vocabulary = try Vocabulary(tokens: ["<PAD>", "<UNK>", "good", "bad", "film", "plot"])
        let labels = try LabelEncoder(classes: ["neg", "neutral", "pos"])
        var config = ModelConfig(kind: kind, vocabSize: vocabulary.count, maxLength: 6, embedDim: 8, classes: labels.classes,
                                 textColumns: kind == .pair ? ["a", "b"] : ["text"], labelColumn: "label", format: "csv")
        config.filters = 5
        config.ffDim = 12
        config.keyDim = 4
        return try ReadyModel(config: config, vocabulary: vocabulary, labels: labels)
    }

    func save(_ model: ReadyModel) throws {
        try ModelFolder.writeDescription(of: model, to: folder)
        var history = History()
        history.append(epoch: 0, logs: ["loss": 1.5, "accuracy": 0.25, "val_loss": 1.25, "val_accuracy": 0.5])
        try ModelFolder.writeEpoch(of: model, history: history, completedEpochs: 1, to: folder)
    }

    func testSaveLoadPredictIsIdenticalForEveryKind() throws {
        for kind in ModelKind.allCases {
            let model = try makeModel(kind)
            try save(model)
            let texts = kind == .pair ? [["good film", "bad plot twist"], ["a good plot", "film"]] : [["good film", "bad plot twist"]]
            let before = try model.probabilities(model.encode(texts))
            let loaded = try ModelFolder.load(folder)
            XCTAssertEqual(loaded.config, model.config, "\(kind)")
            XCTAssertEqual(try loaded.probabilities(loaded.encode(texts)), before, "\(kind)")
        }
    }

    /// The probabilities of a trace (what `heed explain` prints) are those of a prediction.
    func testTraceProbabilitiesAgreeWithPredict() throws {
        for kind in ModelKind.allCases {
            let model = try makeModel(kind)
            let texts = kind == .pair ? [["good film", "bad plot twist"], ["a good plot", "film"]] : [["good film", "bad plot twist"]]
            let inputs = try model.encode(texts)
            let traced = try model.probabilities(of: model.trace(inputs))
            let predicted = try model.probabilities(inputs)
            XCTAssertEqual(traced.count, predicted.count, "\(kind)")
            for (t, p) in zip(traced, predicted) {
                XCTAssertEqual(t.count, p.count, "\(kind)")
                for (a, b) in zip(t, p) { XCTAssertEqual(a, b, accuracy: 1e-6, "\(kind)") }
            }
        }
    }

    func testProbabilitiesAndLossAgreeWithPredictAndEvaluate() throws {
        for kind in ModelKind.allCases {
            let model = try makeModel(kind)
            let texts = kind == .pair ? [["good film", "bad plot twist", "plot"], ["a good plot", "film", "bad"]]
                : [["good film", "bad plot twist", "plot"]]
            let data = try EncodedTexts(inputs: model.encode(texts), labels: IntTensor([2, 0, 1]))
            let (probabilities, loss) = try model.probabilitiesAndLoss(data, batchSize: 2)
            XCTAssertEqual(probabilities, try model.probabilities(data.inputs, batchSize: 2), "\(kind)")
            let y: Targets<Float> = .classes(data.labels)
            let logs: [String: Double]
            switch model.network {
            case let .text(m):
                m.compile(loss: model.loss, optimizer: Adam(), metrics: [])
                logs = try m.evaluate(x: data.inputs[0], y: y, batchSize: 2)
            case let .transformer(m):
                m.compile(loss: model.loss, optimizer: Adam(), metrics: [])
                logs = try m.evaluate(x: data.inputs[0], y: y, batchSize: 2)
            case let .bag(m):
                m.compile(loss: model.loss, optimizer: Adam(), metrics: [])
                logs = try m.evaluate(x: data.inputs[0], y: y, batchSize: 2)
            case let .pair(m):
                m.compile(loss: model.loss, optimizer: Adam(), metrics: [])
                logs = try m.evaluate(x: InputPair(data.inputs[0], data.inputs[1]), y: y, batchSize: 2)
            }
            XCTAssertEqual(loss, try XCTUnwrap(logs["loss"]), "\(kind)")
        }
    }

    func testBigramModelRoundTripsAndEncodesItsBigrams() throws {
        let vocabulary = try Vocabulary(tokens: ["<PAD>", "<UNK>", "good", "film", "good film", "not"])
        let labels = try LabelEncoder(classes: ["neg", "pos"])
        var config = ModelConfig(kind: .text, vocabSize: vocabulary.count, maxLength: 6, embedDim: 8, classes: labels.classes,
                                 textColumns: ["text"], labelColumn: "label", format: "csv")
        config.ngrams = 2
        let model = try ReadyModel(config: config, vocabulary: vocabulary, labels: labels)
        XCTAssertEqual(try model.encode([["Good film, not good"]])[0].scalars, [2, 3, 5, 2, 4, 1])
        XCTAssertEqual(model.tokens(of: "Good film, not good"), ["good", "film", "not", "good", "good film", "film not"])
        try save(model)
        let loaded = try ModelFolder.load(folder)
        XCTAssertEqual(loaded.config.ngrams, 2)
        XCTAssertEqual(loaded.vocabulary, vocabulary)
        let texts = [["good film", "not a good film"]]
        XCTAssertEqual(try loaded.probabilities(loaded.encode(texts)), try model.probabilities(model.encode(texts)))
    }

    func testConfigWithoutNGramsIsAWordModel() throws {
        let model = try makeModel(.text)
        try save(model)
        let json = try String(contentsOf: folder.appendingPathComponent("config.json"), encoding: .utf8)
        XCTAssertFalse(json.contains("ngrams"), "a word model's config.json reads as before n-grams existed")
        let loaded = try ModelFolder.load(folder)
        XCTAssertNil(loaded.config.ngrams)
        XCTAssertEqual(loaded.config.ngramWidth, 1)
        XCTAssertEqual(try loaded.encode([["good film"]])[0].scalars, [2, 4, 0, 0, 0, 0])
    }

    func testVocabularyWithWiderNGramsThanTheConfigIsAnError() throws {
        try save(makeModel(.text))
        let url = folder.appendingPathComponent("vocab.txt")
        try Data("<PAD>\n<UNK>\ngood\nbad\nfilm\ngood film\n".utf8).write(to: url)
        XCTAssertThrowsError(try ModelFolder.load(folder)) { error in
            XCTAssertEqual(error as? ModelFolderError,
                           .invalidFile(file: url.path, reason: "holds n-grams of 2 words but config.json says ngrams 1"))
        }
    }

    func testEmbeddingDropoutAndWeightDecayRoundTripAndChooseTheOptimizer() throws {
        var config = try makeModel(.text).config
        config.embeddingDropout = 0.25
        config.training.weightDecay = 0.5
        config.training.cosineDecaySteps = 10
        let base = try makeModel(.text)
        let model = try ReadyModel(config: config, vocabulary: base.vocabulary, labels: base.labels)
        guard case let .text(network) = model.network else { return XCTFail("not a text model") }
        XCTAssertEqual(network.embeddingDropout?.rate, 0.25)
        model.compile()
        let adamW = try XCTUnwrap(network.configuration?.optimizer as? AdamW<Float>)
        XCTAssertEqual(adamW.weightDecay, 0.5)
        XCTAssertEqual(adamW.schedule, .cosineDecay(initial: 0.001, decaySteps: 10))
        try save(model)
        let json = try String(contentsOf: folder.appendingPathComponent("config.json"), encoding: .utf8)
        XCTAssertTrue(json.contains("\"embedding_dropout\" : 0.25") && json.contains("\"weight_decay\" : 0.5"), json)
        XCTAssertEqual(try ModelFolder.load(folder).config, config)
    }

    func testConfigWithoutDropoutOrWeightDecayTrainsAsBefore() throws {
        let model = try makeModel(.text)
        try save(model)
        let json = try String(contentsOf: folder.appendingPathComponent("config.json"), encoding: .utf8)
        XCTAssertFalse(json.contains("embedding_dropout") || json.contains("weight_decay") || json.contains("cosine"), json)
        let loaded = try ModelFolder.load(folder)
        guard case let .text(network) = loaded.network else { return XCTFail("not a text model") }
        XCTAssertNil(network.embeddingDropout)
        loaded.compile()
        XCTAssertEqual(network.configuration?.optimizer.kerasName, "Adam")
        XCTAssertEqual(network.configuration?.optimizer.schedule, .constant(0.001))
    }

    func testOutOfRangeDropoutOrWeightDecayInTheConfigIsNamed() throws {
        var config = try makeModel(.text).config
        config.embeddingDropout = 1
        XCTAssertThrowsError(try config.validate()) { error in
            XCTAssertEqual(error as? ModelFolderError, .invalidConfig(file: "config.json", reason: "embedding_dropout 1.0 must be in [0, 1)"))
        }
        config.embeddingDropout = nil
        config.training.weightDecay = -1
        XCTAssertThrowsError(try config.validate()) { error in
            XCTAssertEqual(error as? ModelFolderError, .invalidConfig(file: "config.json", reason: "training weight_decay -1.0 must be a number ≥ 0"))
        }
    }

    func testConfigDecodingErrorsNameTheKeysAsTheFileSpellsThem() throws {
        let json = String(decoding: try makeModel(.text).config.jsonData(), as: UTF8.self)
        func reason(_ edited: String) -> String? {
            do {
                _ = try ModelConfig.decode(Data(edited.utf8), file: "config.json")
                return nil
            } catch let ModelFolderError.invalidConfig(_, reason) {
                return reason
            } catch {
                return "\(error)"
            }
        }
        XCTAssertTrue(json.contains("\"embed_dim\" : 8,"), json)
        XCTAssertEqual(reason(json.replacingOccurrences(of: "\"embed_dim\" : 8,", with: "")), "the key \"embed_dim\" is missing")
        XCTAssertEqual(reason(json.replacingOccurrences(of: "\"embed_dim\" : 8,", with: "\"embed_dim\" : \"x\",")),
                       "the value at \"embed_dim\" has the wrong type")
        XCTAssertTrue(json.contains("\"batch_size\" : "), json)
        XCTAssertEqual(reason(json.replacingOccurrences(of: "\"batch_size\" : ", with: "\"batch_size\" : \"x\", \"unused\" : ")),
                       "the value at \"training.batch_size\" has the wrong type")
    }

    func testNewTransformerConfigSaysItsEmbeddingsAreNotScaled() throws {
        let model = try makeModel(.transformer)
        XCTAssertEqual(model.config.scaleEmbeddings, false)
        guard case let .transformer(network) = model.network else { return XCTFail("not a transformer") }
        XCTAssertFalse(network.scaleEmbeddings)
        try save(model)
        let json = try String(contentsOf: folder.appendingPathComponent("config.json"), encoding: .utf8)
        XCTAssertTrue(json.contains("\"scale_embeddings\" : false"), json)
    }

    func testTransformerFolderWithoutScaleEmbeddingsKeepsTheScaleItWasTrainedWith() throws {
        var config = try makeModel(.transformer).config
        config.scaleEmbeddings = nil  // as written before the option existed
        let model = try ReadyModel(config: config, vocabulary: makeModel(.transformer).vocabulary,
                                   labels: makeModel(.transformer).labels)
        try save(model)
        let json = try String(contentsOf: folder.appendingPathComponent("config.json"), encoding: .utf8)
        XCTAssertFalse(json.contains("scale_embeddings"), json)
        let loaded = try ModelFolder.load(folder)
        guard case let .transformer(network) = loaded.network else { return XCTFail("not a transformer") }
        XCTAssertTrue(network.scaleEmbeddings)
        let texts = [["good film", "bad plot twist"]]
        XCTAssertEqual(try loaded.probabilities(loaded.encode(texts)), try model.probabilities(model.encode(texts)))
    }

    func testFolderHoldsEveryFile() throws {
        try save(makeModel(.text))
        for file in ["config.json", "model.safetensors", "vocab.txt", "labels.json", "history.csv", "loss.svg", "accuracy.svg"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: folder.appendingPathComponent(file).path), file)
        }
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".tmp") }
        XCTAssertEqual(leftovers, [])
    }

    func testSavedProgressReturnsHistoryAndEpoch() throws {
        try save(makeModel(.text))
        let (history, epochs) = try ModelFolder.savedProgress(in: folder)
        XCTAssertEqual(epochs, 1)
        XCTAssertEqual(history["val_accuracy"], [0.5])
        XCTAssertEqual(history["loss"], [1.5])
    }

    func testMissingWeightsFileIsNamed() throws {
        try save(makeModel(.text))
        try FileManager.default.removeItem(at: folder.appendingPathComponent("model.safetensors"))
        XCTAssertThrowsError(try ModelFolder.load(folder)) { error in
            XCTAssertEqual(error as? ModelFolderError, .missingFile(file: self.folder.appendingPathComponent("model.safetensors").path))
        }
    }

    func testTruncatedWeightsFileIsAnError() throws {
        try save(makeModel(.text))
        let url = folder.appendingPathComponent("model.safetensors")
        let data = try Data(contentsOf: url)
        try data.prefix(data.count / 2).write(to: url)
        XCTAssertThrowsError(try ModelFolder.load(folder)) { error in
            guard case let .invalidFile(file, _)? = error as? ModelFolderError else { return XCTFail("\(error)") }
            XCTAssertEqual(file, url.path)
        }
    }

    func testCorruptedConfigIsAnError() throws {
        try save(makeModel(.text))
        try Data("{\"kind\": \"text\"".utf8).write(to: folder.appendingPathComponent("config.json"))
        XCTAssertThrowsError(try ModelFolder.load(folder)) { error in
            guard case .invalidConfig? = error as? ModelFolderError else { return XCTFail("\(error)") }
        }
    }

    func testVocabularyOfAnotherSizeIsAnError() throws {
        try save(makeModel(.text))
        try Data("<PAD>\n<UNK>\ngood\n".utf8).write(to: folder.appendingPathComponent("vocab.txt"))
        XCTAssertThrowsError(try ModelFolder.load(folder)) { error in
            guard case let .invalidFile(file, reason)? = error as? ModelFolderError else { return XCTFail("\(error)") }
            XCTAssertTrue(file.hasSuffix("vocab.txt"))
            XCTAssertEqual(reason, "holds 3 tokens but config.json says vocab_size 6")
        }
    }
}
