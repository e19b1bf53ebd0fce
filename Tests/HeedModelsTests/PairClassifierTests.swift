import Heed
import HeedModels
import XCTest

final class PairClassifierTests: XCTestCase {
    func testTwoClassesGiveOneSigmoidOutput() throws {
        let model = try PairClassifier<Float>(vocabSize: 20, embedDim: 6, filters: 8, numClasses: 2)
        let input = InputPair(randomIDs(batch: 3, time: 5, vocab: 20, seed: 1), randomIDs(batch: 3, time: 7, vocab: 20, seed: 2))
        XCTAssertEqual(try model.forward(input, training: false).shape, [3, 1])
        XCTAssertEqual(model.outputActivation, .sigmoid)
    }

    func testThreeClassesGiveSoftmaxOutputs() throws {
        let model = try PairClassifier<Float>(vocabSize: 20, embedDim: 6, filters: 8, numClasses: 3)
        let input = InputPair(randomIDs(batch: 2, time: 5, vocab: 20, seed: 1), randomIDs(batch: 2, time: 4, vocab: 20, seed: 2))
        XCTAssertEqual(try model.forward(input, training: false).shape, [2, 3])
        XCTAssertEqual(model.outputActivation, .softmax)
    }

    func testTraceHasKerasDocsTensors() throws {
        let model = try PairClassifier<Float>(vocabSize: 20, embedDim: 6, filters: 8, numClasses: 2)
        let trace = try model.trace(InputPair(randomIDs(batch: 2, time: 5, vocab: 20, seed: 1),
                                              randomIDs(batch: 2, time: 7, vocab: 20, seed: 2)))
        XCTAssertEqual(trace.activations["query_seq_encoding"]?.shape, [2, 5, 8])
        XCTAssertEqual(trace.activations["value_seq_encoding"]?.shape, [2, 7, 8])
        XCTAssertEqual(trace.activations["query_value_attention_seq"]?.shape, [2, 5, 8])
        XCTAssertEqual(trace.activations["concat"]?.shape, [2, 16])
        XCTAssertEqual(trace.attentionWeights?.shape, [2, 5, 7])
    }

    func testWeightNamesAreKerasNames() throws {
        let model = try PairClassifier<Float>(vocabSize: 20, embedDim: 6, filters: 8, numClasses: 2)
        XCTAssertEqual(try model.namedParameters().map(\.name),
                       ["token_embedding/embeddings", "cnn/kernel", "cnn/bias", "output/kernel", "output/bias"])
    }

    func testLossGradientMatchesFiniteDifferences() throws {
        let model = try PairClassifier<Double>(vocabSize: 10, embedDim: 3, filters: 4, numClasses: 2, seed: 5)
        let input = InputPair(randomIDs(batch: 2, time: 4, vocab: 10, seed: 6), randomIDs(batch: 2, time: 5, vocab: 10, seed: 7))
        let targets = try Tensor<Double>(shape: [2, 1], scalars: [1, 0])
        try checkModelGradients(model, weights: ["token_embedding/embeddings", "cnn/kernel", "cnn/bias", "output/kernel", "output/bias"]) {
            try Loss.binaryCrossentropy(fromLogits: false)(model.forward(input, training: false), .values(targets),
                                                           outputActivation: .sigmoid)
        }
    }

    func testInteractionHeadGradientMatchesFiniteDifferences() throws {
        let model = try PairClassifier<Double>(vocabSize: 10, embedDim: 3, filters: 4, numClasses: 3, interactionHead: true,
                                               hiddenUnits: 5, seed: 8)
        let input = InputPair(randomIDs(batch: 2, time: 4, vocab: 10, seed: 9), randomIDs(batch: 2, time: 3, vocab: 10, seed: 10))
        try checkModelGradients(model, weights: ["cnn/kernel", "hidden/kernel", "output/kernel"]) {
            try Loss.sparseCategoricalCrossentropy(fromLogits: false)(model.forward(input, training: false),
                                                                      .classes(IntTensor([2, 0])), outputActivation: .softmax)
        }
    }
}

/// The pair model's word-overlap features and their normalisation.
final class PairOverlapFeatureTests: XCTestCase {
    /// Worked by hand. Row 0: first [5 6 7 6], second [6 7 8] (padding 0 after it). Distinct
    /// words 3 and 3, shared {6, 7}: 2/3 each way. Pairs (5,6) (6,7) (7,6) and (6,7) (7,8):
    /// shared (6,7), 1/3 and 1/2. Lengths 4 and 3: 1/4.
    /// Row 1: first [1 1 4] (two unknown words), second [1 4]. Distinct: {<UNK>, 4} and
    /// {<UNK>, 4}; only 4 is shared, since unknown words never match: 1/2 and 1/2. Pairs
    /// (1,1) (1,4) and (1,4): none shared. Lengths 3 and 2: 1/3.
    /// Row 2: an empty first text shares nothing; length difference 1.
    func testFeaturesWorkedByHand() throws {
        let first = try IntTensor(shape: [3, 4], scalars: [5, 6, 7, 6, 1, 1, 4, 0, 0, 0, 0, 0])
        let second = try IntTensor(shape: [3, 4], scalars: [6, 7, 8, 0, 1, 4, 0, 0, 9, 0, 0, 0])
        let features = try PairClassifier<Double>.overlapFeatures(first, second)
        XCTAssertEqual(features.shape, [3, 5])
        let expected: [Double] = [2.0 / 3, 2.0 / 3, 1.0 / 3, 1.0 / 2, 1.0 / 4,
                                  1.0 / 2, 1.0 / 2, 0, 0, 1.0 / 3,
                                  0, 0, 0, 0, 1]
        for (got, want) in zip(features.scalars, expected) { XCTAssertEqual(got, want, accuracy: 1e-12) }
        XCTAssertThrowsError(try PairClassifier<Double>.overlapFeatures(first, IntTensor([1, 2])))
    }

    func testOutputLayerReadsTheNormalisedFeatures() throws {
        let model = try PairClassifier<Float>(vocabSize: 20, embedDim: 6, filters: 8, numClasses: 2, overlapFeatures: true)
        XCTAssertEqual(try model.namedParameters().map(\.name),
                       ["token_embedding/embeddings", "cnn/kernel", "cnn/bias", "overlap_normalization/mean",
                        "overlap_normalization/variance", "output/kernel", "output/bias"])
        XCTAssertEqual(model.outputLayer.kernel?.shape, [16 + 5, 1])
        let pairs = InputPair(randomIDs(batch: 6, time: 5, vocab: 20, seed: 1), randomIDs(batch: 6, time: 7, vocab: 20, seed: 2))
        try model.adaptOverlapNormalization(pairs)
        let raw = try PairClassifier<Float>.overlapFeatures(pairs.first, pairs.second)
        let trace = try model.trace(pairs)
        let normalised = try XCTUnwrap(trace.activations["overlap"])
        // Each standardised feature has mean 0 over the adapted pairs.
        for f in 0..<5 {
            let column = (0..<6).map { normalised.scalars[$0 * 5 + f] }
            XCTAssertEqual(column.reduce(0, +) / 6, 0, accuracy: 1e-5, "feature \(f)")
            let mean = (0..<6).map { raw.scalars[$0 * 5 + f] }.reduce(0, +) / 6
            XCTAssertEqual(model.overlapNormalization?.mean?.value.scalars[f] ?? .nan, mean, accuracy: 1e-6)
        }
        XCTAssertEqual(trace.logits.shape, [6, 1])
    }

    func testGradientWithOverlapFeaturesMatchesFiniteDifferences() throws {
        let model = try PairClassifier<Double>(vocabSize: 10, embedDim: 3, filters: 4, numClasses: 3, interactionHead: true,
                                               hiddenUnits: 5, overlapFeatures: true, seed: 8)
        let input = InputPair(randomIDs(batch: 3, time: 4, vocab: 10, seed: 9), randomIDs(batch: 3, time: 3, vocab: 10, seed: 10))
        try model.adaptOverlapNormalization(input)
        try checkModelGradients(model, weights: ["token_embedding/embeddings", "cnn/kernel", "hidden/kernel", "output/kernel", "output/bias"],
                                entriesPerWeight: 12) {
            try Loss.sparseCategoricalCrossentropy(fromLogits: false)(model.forward(input, training: false),
                                                                      .classes(IntTensor([2, 0, 1])), outputActivation: .softmax)
        }
    }
}
