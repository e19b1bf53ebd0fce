import Heed
import HeedModels
import XCTest

final class TransformerClassifierTests: XCTestCase {
    func testOutputShapeIsBatchByClasses() throws {
        let model = try TransformerClassifier<Float>(vocabSize: 30, embedDim: 8, numHeads: 2, keyDim: 4, ffDim: 16,
                                                     blocks: 2, numClasses: 4)
        let ids = randomIDs(batch: 3, time: 6, vocab: 30, padding: 2, seed: 1)
        XCTAssertEqual(try model.forward(ids, training: true).shape, [3, 4])
        let trace = try model.trace(ids)
        XCTAssertEqual(trace.activations["encoder_2"]?.shape, [3, 6, 8])
        XCTAssertEqual(trace.attentionWeights?.shape, [3, 6, 6])
    }

    func testForwardGivesTheTraceLogits() throws {
        let model = try TransformerClassifier<Float>(vocabSize: 30, embedDim: 8, numHeads: 2, keyDim: 4, ffDim: 16,
                                                     blocks: 2, numClasses: 3)
        let ids = randomIDs(batch: 3, time: 6, vocab: 30, padding: 2, seed: 6)
        // As for the text classifier: bit for bit on the same kernels, to float rounding across.
        let saved = Heed.attentionKernel
        defer { Heed.attentionKernel = saved }
        Heed.attentionKernel = .blas
        XCTAssertEqual(try model.forward(ids, training: false).scalars, try model.trace(ids).logits.scalars)
        Heed.attentionKernel = Heed.bestAttentionKernel
        let forward = try model.forward(ids, training: false).scalars, traced = try model.trace(ids).logits.scalars
        XCTAssertEqual(forward.count, traced.count)
        for (a, b) in zip(forward, traced) { XCTAssertEqual(a, b, accuracy: 1e-5 * (1 + abs(b))) }
    }

    func testEmbeddingsAreAddedToThePositionsUnscaledUnlessAsked() throws {
        let ids = try IntTensor(shape: [1, 2], scalars: [3, 5])
        let positions = PositionalEncoding<Double>.table(length: 2, features: 4)
        for scale in [false, true] {
            let model = try TransformerClassifier<Double>(vocabSize: 8, embedDim: 4, numHeads: 1, keyDim: 2, ffDim: 4,
                                                          numClasses: 2, scaleEmbeddings: scale)
            let table = try XCTUnwrap(model.embedding.embeddings?.value)
            let embedded = try XCTUnwrap(model.trace(ids).activations["embedding"])
            for (t, id) in [3, 5].enumerated() {
                for j in 0..<4 {
                    let expected = table.scalars[id * 4 + j] * (scale ? 2 : 1) + positions.scalars[t * 4 + j]
                    XCTAssertEqual(embedded.scalars[t * 4 + j], expected, accuracy: 1e-15, "scale \(scale)")
                }
            }
        }
    }

    func testPaddingDoesNotChangeTheLogits() throws {
        let model = try TransformerClassifier<Double>(vocabSize: 20, embedDim: 4, numHeads: 2, keyDim: 2, ffDim: 8,
                                                      dropout: 0, numClasses: 2)
        let short = try IntTensor(shape: [1, 3], scalars: [5, 6, 7])
        let padded = try IntTensor(shape: [1, 5], scalars: [5, 6, 7, 0, 0])
        let a = try model.forward(short, training: false), b = try model.forward(padded, training: false)
        for (x, y) in zip(a.scalars, b.scalars) { XCTAssertEqual(x, y, accuracy: 1e-12) }
    }

    func testLossGradientMatchesFiniteDifferences() throws {
        let model = try TransformerClassifier<Double>(vocabSize: 10, embedDim: 4, numHeads: 2, keyDim: 2, ffDim: 6,
                                                      dropout: 0, numClasses: 3, seed: 11)
        let ids = randomIDs(batch: 2, time: 4, vocab: 10, padding: 1, seed: 12)
        try checkModelGradients(model, weights: ["token_embedding/embeddings", "encoder_1_attention/query/kernel",
                                                 "encoder_1_norm1/gamma", "encoder_1_ffn1/kernel", "classifier/bias"]) {
            try Loss.sparseCategoricalCrossentropy(fromLogits: false)(model.forward(ids, training: false),
                                                                      .classes(IntTensor([1, 2])), outputActivation: .softmax)
        }
    }
}
