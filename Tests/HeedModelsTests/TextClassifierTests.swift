import Heed
import HeedModels
import XCTest

final class TextClassifierTests: XCTestCase {
    func testOutputShapeIsBatchByClasses() throws {
        let model = try TextClassifier<Float>(vocabSize: 30, embedDim: 8, numClasses: 3)
        let logits = try model.forward(randomIDs(batch: 4, time: 7, vocab: 30, seed: 1), training: false)
        XCTAssertEqual(logits.shape, [4, 3])
        XCTAssertEqual(model.outputActivation, .softmax)
    }

    func testTraceNamesKerasLayers() throws {
        let model = try TextClassifier<Float>(vocabSize: 30, embedDim: 8, numClasses: 2, maskZero: true)
        let trace = try model.trace(randomIDs(batch: 2, time: 5, vocab: 30, padding: 2, seed: 2))
        XCTAssertEqual(trace.activations["embedding"]?.shape, [2, 5, 8])
        XCTAssertEqual(trace.activations["attention"]?.shape, [2, 5, 8])
        XCTAssertEqual(trace.activations["mean_over_time"]?.shape, [2, 8])
        XCTAssertEqual(trace.masks["embedding_mask"]?.values, [true, true, true, true, true, true, true, true, false, false])
        XCTAssertEqual(trace.attentionWeights?.shape, [2, 5, 5])
    }

    func testForwardGivesTheTraceLogitsInTrainingAndInference() throws {
        let model = try TextClassifier<Float>(vocabSize: 30, embedDim: 8, numClasses: 3, maskZero: true)
        model.embedding.embeddings?.update { $0 = $0.map { $0 * 20 } }  // larger weights: non-trivial attention
        let ids = randomIDs(batch: 3, time: 6, vocab: 30, padding: 2, seed: 5)
        // The trace keeps the attention weights, so it runs the BLAS kernels; forward runs the
        // tiled ones where the CPU has them. With the BLAS kernels selected both are the same
        // computation, bit for bit; across kernels they agree to float rounding.
        let saved = Heed.attentionKernel
        defer { Heed.attentionKernel = saved }
        for kernel in [AttentionKernelKind.blas, Heed.bestAttentionKernel] {
            Heed.attentionKernel = kernel
            for training in [false, true] {
                let forward = try model.forward(ids, training: training).scalars
                let traced = try model.trace(ids, training: training).logits.scalars
                if kernel == .blas {
                    XCTAssertEqual(forward, traced, "training: \(training)")
                } else {
                    XCTAssertEqual(forward.count, traced.count)
                    for (a, b) in zip(forward, traced) { XCTAssertEqual(a, b, accuracy: 1e-5 * (1 + abs(b)), "\(kernel)") }
                }
            }
        }
    }

    func testWeightNamesAreKerasNames() throws {
        let model = try TextClassifier<Float>(vocabSize: 30, embedDim: 8, numClasses: 3)
        XCTAssertEqual(try model.namedParameters().map(\.name), ["embedding/embeddings", "classifier/kernel", "classifier/bias"])
    }

    func testLossGradientMatchesFiniteDifferences() throws {
        let model = try TextClassifier<Double>(vocabSize: 12, embedDim: 4, numClasses: 3, maskZero: true, seed: 3)
        let ids = randomIDs(batch: 3, time: 5, vocab: 12, padding: 2, seed: 4)
        let labels = IntTensor([0, 2, 1])
        model.embedding.embeddings?.update { $0 = $0.map { $0 * 20 } }  // larger weights: non-trivial attention
        try checkModelGradients(model, weights: ["embedding/embeddings", "classifier/kernel", "classifier/bias"]) {
            try Loss.sparseCategoricalCrossentropy(fromLogits: false)(
                model.forward(ids, training: false), .classes(labels), outputActivation: .softmax)
        }
    }

    func testEmbeddingDropoutActsOnTheEmbeddedTokensOnlyWhileTraining() throws {
        let ids = randomIDs(batch: 3, time: 6, vocab: 30, padding: 2, seed: 7)
        let plain = try TextClassifier<Float>(vocabSize: 30, embedDim: 8, numClasses: 3, maskZero: true, seed: 9)
        let dropped = try TextClassifier<Float>(vocabSize: 30, embedDim: 8, numClasses: 3, maskZero: true, dropout: 0.5, seed: 9)
        XCTAssertNil(plain.embeddingDropout)
        XCTAssertEqual(dropped.embeddingDropout?.name, "embedding_dropout")
        XCTAssertEqual(try dropped.namedParameters().map(\.name), try plain.namedParameters().map(\.name))
        // The same weights; in inference the dropout is the identity.
        XCTAssertEqual(try dropped.forward(ids, training: false).scalars, try plain.forward(ids, training: false).scalars)
        // In training: Keras Dropout (the layer's own stream) on the embedding's output, then
        // the rest of the model unchanged.
        let twin = Dropout<Float>(rate: 0.5, seed: 9, name: "embedding_dropout")
        let x = try twin(plain.embedding.masked(ids), training: true)
        let attended = try plain.attention(query: x, value: x, training: true)
        let expected = try plain.classifier(plain.pooling(attended.tensor, mask: attended.mask))
        let trained = try dropped.forward(ids, training: true)
        XCTAssertEqual(trained.scalars, expected.scalars)
        XCTAssertNotEqual(trained.scalars, try plain.forward(ids, training: true).scalars)
        XCTAssertEqual(x.tensor.scalars.filter { $0 == 0 }.count > 0, true, "the draw dropped something")
    }

    func testInvalidSizesThrow() {
        XCTAssertThrowsError(try TextClassifier<Float>(vocabSize: 1, numClasses: 2))
        XCTAssertThrowsError(try TextClassifier<Float>(vocabSize: 10, numClasses: 1))
        XCTAssertThrowsError(try TextClassifier<Float>(vocabSize: 10, numClasses: 2, dropout: 1))
        XCTAssertThrowsError(try TextClassifier<Float>(vocabSize: 10, numClasses: 2, dropout: -0.1))
    }
}
