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
