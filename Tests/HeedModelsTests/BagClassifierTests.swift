import Foundation
import Heed
import HeedModels
import HeedText
import XCTest

final class BagClassifierTests: XCTestCase {
    /// Two classes, α = 1, four tokens. Class 0 texts hold {1, 2} and {2, 3} (the repeated 2 of
    /// the first counts once), class 1 texts {3, 4} and {4}. Counts (class 0, class 1): token 1
    /// (1, 0), 2 (2, 0), 3 (1, 1), 4 (0, 2); class 0 holds 4 tokens, class 1 holds 3, so the
    /// denominators are 4·α + 4 = 8 and 4·α + 3 = 7, r[i, 1] = log((1 + n₁) / 7) − log((1 + n₀) / 8)
    /// and r[i, 0] = −r[i, 1].
    func testTwoClassRatiosAreHandWorkedLogCountRatios() throws {
        let model = try BagClassifier<Double>(vocabSize: 5, numClasses: 2, nbWeight: 0.5)
        let texts = try IntTensor(shape: [4, 4], scalars: [1, 2, 2, 0, 2, 3, 0, 0, 3, 4, 0, 0, 4, 0, 0, 0])
        try model.adapt(texts, labels: IntTensor([0, 0, 1, 1]))
        let expected = [0, log(4.0 / 7), log(8.0 / 21), log(8.0 / 7), log(24.0 / 7)]
        for i in 0..<5 {
            XCTAssertEqual(model.linear.ratios.value.scalars[2 * i + 1], expected[i], accuracy: 1e-12, "r[\(i), 1]")
            XCTAssertEqual(model.linear.ratios.value.scalars[2 * i], -expected[i], accuracy: 1e-12, "r[\(i), 0]")
        }
        // Before training the logits are naive Bayes times nbWeight: tokens 1 and 2, padding adds nothing.
        let logits = try model.forward(IntTensor(shape: [1, 3], scalars: [1, 2, 0]), training: false)
        XCTAssertEqual(logits.scalars[1], 0.5 * log(32.0 / 147), accuracy: 1e-12)
        XCTAssertEqual(logits.scalars[0], -0.5 * log(32.0 / 147), accuracy: 1e-12)
    }

    /// Three classes, α = 1, two tokens: class 0 holds {1}, class 1 {2}, class 2 {1, 2}. Each
    /// class against the rest: for class 0, p₁ = (1 + 1) / (2 + 1), q₁ = (1 + 1) / (2 + 3), so
    /// r[1, 0] = log(5/3); p₂ = 1/3, q₂ = 3/5, r[2, 0] = log(5/9). Class 1 mirrors it; class 2
    /// has p = q = 1/2 for both tokens, so its ratios are 0.
    func testThreeClassRatiosAreOneAgainstTheRest() throws {
        let model = try BagClassifier<Double>(vocabSize: 3, numClasses: 3)
        try model.adapt(IntTensor(shape: [3, 2], scalars: [1, 0, 2, 0, 1, 2]), labels: IntTensor([0, 1, 2]))
        let expected = [0, 0, 0,
                        log(5.0 / 3), log(5.0 / 9), 0,
                        log(5.0 / 9), log(5.0 / 3), 0]
        for (i, value) in model.linear.ratios.value.scalars.enumerated() {
            XCTAssertEqual(value, expected[i], accuracy: 1e-12, "ratios[\(i / 3), \(i % 3)]")
        }
    }

    func testAdaptRefusesLabelsOutsideTheClassesAndMismatchedCounts() throws {
        let model = try BagClassifier<Float>(vocabSize: 4, numClasses: 2)
        let texts = try IntTensor(shape: [2, 2], scalars: [1, 2, 3, 0])
        XCTAssertThrowsError(try model.adapt(texts, labels: IntTensor([0, 2])))
        XCTAssertThrowsError(try model.adapt(texts, labels: IntTensor([0])))
        XCTAssertThrowsError(try model.adapt(IntTensor(shape: [1, 2], scalars: [1, 4]), labels: IntTensor([0])))
        XCTAssertThrowsError(try model.adapt(IntTensor(shape: [1, 2], scalars: [1, -1]), labels: IntTensor([0])))
        XCTAssertThrowsError(try BagClassifier<Float>(vocabSize: 4, numClasses: 2, nbWeight: -1))
    }

    func testWeightNamesAndTheRatiosAreNotTrained() throws {
        let model = try BagClassifier<Float>(vocabSize: 6, numClasses: 2)
        let named = try model.namedParameters()
        XCTAssertEqual(named.map(\.name), ["nb_linear/kernel", "nb_linear/bias", "nb_linear/ratios"])
        XCTAssertEqual(named.map(\.parameter.trainable), [true, true, false])
        XCTAssertEqual(named.map(\.parameter.shape), [[6, 2], [2], [6, 2]])
    }

    func testLossGradientMatchesFiniteDifferences() throws {
        let model = try BagClassifier<Double>(vocabSize: 8, numClasses: 3, nbWeight: 0.3)
        try model.adapt(randomIDs(batch: 6, time: 4, vocab: 8, padding: 1, seed: 3), labels: IntTensor([0, 1, 2, 0, 1, 2]))
        var generator = SeededGenerator(seed: 11)
        model.linear.kernel.update { $0 = $0.map { _ in generator.nextUniform(-0.5, 0.5) } }
        model.linear.bias.update { $0 = $0.map { _ in generator.nextUniform(-0.5, 0.5) } }
        let input = randomIDs(batch: 3, time: 5, vocab: 8, padding: 2, seed: 4)
        let loss = {
            try Loss.sparseCategoricalCrossentropy(fromLogits: false)(model.forward(input, training: true),
                                                                      .classes(IntTensor([2, 0, 1])), outputActivation: .softmax)
        }
        try checkModelGradients(model, weights: ["nb_linear/kernel", "nb_linear/bias"], entriesPerWeight: 8, loss: loss)
        let value = try loss()
        value.backward()
        XCTAssertNil(model.linear.ratios.grad, "the ratios are a constant of the graph")
        // Padding has ratios 0: its kernel row gets no gradient.
        let kernelGrad = try XCTUnwrap(model.linear.kernel.grad)
        XCTAssertEqual(Array(kernelGrad.scalars[0..<3]), [0, 0, 0])
    }

    func testContributionsSumToTheLogits() throws {
        let model = try BagClassifier<Double>(vocabSize: 8, numClasses: 2)
        try model.adapt(randomIDs(batch: 6, time: 4, vocab: 8, seed: 5), labels: IntTensor([0, 1, 0, 1, 1, 0]))
        model.linear.bias.update { $0 = [0.25, -0.5] }
        let input = randomIDs(batch: 2, time: 4, vocab: 8, padding: 1, seed: 6)
        let parts = try model.contributions(input)
        XCTAssertEqual(parts.shape, [2, 4, 2])
        let logits = try model.forward(input, training: false)
        for b in 0..<2 {
            for c in 0..<2 {
                let sum = (0..<4).reduce(0.0) { $0 + parts.scalars[(b * 4 + $1) * 2 + c] } + [0.25, -0.5][c]
                XCTAssertEqual(logits.scalars[b * 2 + c], sum, accuracy: 1e-12)
            }
        }
    }

    func testReadyModelEncodesDistinctTokensAndAdaptsBeforeTraining() throws {
        let vocabulary = try Vocabulary(tokens: ["<PAD>", "<UNK>", "good", "bad", "film", "plot"])
        let labels = try LabelEncoder(classes: ["neg", "pos"])
        var config = ModelConfig(kind: .bag, vocabSize: vocabulary.count, maxLength: 4, classes: labels.classes,
                                 textColumns: ["text"], labelColumn: "label", format: "csv")
        config.training = .init(epochs: 2, batchSize: 2, learningRate: 0.01)
        let model = try ReadyModel(config: config, vocabulary: vocabulary, labels: labels)
        XCTAssertEqual(try model.encode([["good good film, good plot", "bad bad"]])[0].scalars, [2, 4, 5, 0, 3, 0, 0, 0])
        XCTAssertEqual(model.tokens(of: "good good film, awful dull good plot bad"), ["good", "film", "awful", "plot"])
        let texts = [["good film", "bad film", "good plot", "bad plot", "good good", "bad"]]
        let data = try EncodedTexts(inputs: model.encode(texts), labels: IntTensor([1, 0, 1, 0, 1, 0]))
        model.compile()
        try model.fit(data, validation: nil, epochs: 2, callbacks: [], verbose: .silent, resumeFrom: nil)
        guard case let .bag(network) = model.network else { return XCTFail("not a bag model") }
        // good is in positive texts only: its ratio for "pos" is log((1 + 3)/(5α + 5)) − log(1/(5α + 5)) = log 4.
        XCTAssertEqual(Double(network.linear.ratios.value.scalars[2 * 2 + 1]), log(4), accuracy: 1e-5)
        let probabilities = try model.probabilities(model.encode([["good film", "bad plot"]]))
        XCTAssertGreaterThan(probabilities[0][1], 0.5)
        XCTAssertLessThan(probabilities[1][1], 0.5)
    }

    func testNegativeNBWeightInConfigIsRefused() throws {
        var config = ModelConfig(kind: .bag, vocabSize: 4, maxLength: 4, classes: ["a", "b"], textColumns: ["text"],
                                 labelColumn: "label")
        config.nbWeight = -0.1
        XCTAssertThrowsError(try config.validate()) { error in
            XCTAssertTrue("\(error)".contains("nb_weight"), "\(error)")
        }
        config.nbWeight = 0.1
        let decoded = try ModelConfig.decode(config.jsonData(), file: "config.json")
        XCTAssertEqual(decoded.nbWeight, 0.1)
        XCTAssertTrue(String(decoding: try config.jsonData(), as: UTF8.self).contains("\"nb_weight\""))
    }
}
