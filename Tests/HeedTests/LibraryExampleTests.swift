import XCTest
import Heed

/// The library example of the README and of the GettingStarted article, verbatim inside a test
/// so that it keeps compiling and working.
final class LibraryExampleTests: SingleThreadedTestCase {
    func testLibraryExampleTrainsAndPredicts() throws {
        // --- README example begins ---
        // Token ids of four padded sentences (0 = padding) and their classes.
        let ids = try IntTensor(shape: [4, 5], scalars: [1, 2, 3, 0, 0, 4, 5, 6, 7, 0,
                                                         2, 3, 1, 0, 0, 6, 4, 5, 0, 0])
        let labels = IntTensor([0, 1, 0, 1])

        let embedding = Embedding<Float>(inputDim: 8, outputDim: 16, maskZero: true)
        let attention = Attention<Float>()
        let pooling = GlobalAveragePooling1D<Float>()
        let dense = Dense<Float>(units: 2)
        let model = Model<Float, IntTensor>(name: "classifier", outputActivation: .softmax) { ids, _ in
            let x = try embedding.masked(ids)                 // [batch, time, 16] and its padding mask
            let attended = try attention(query: x, value: x)  // self-attention; padding is hidden
            return try dense(pooling(attended).tensor)        // mean over the kept steps → [batch, 2]
        }
        model.add(embedding)
        model.add(attention)
        model.add(dense)
        model.compile(loss: .sparseCategoricalCrossentropy(fromLogits: false),
                      optimizer: Adam(learningRate: 0.05), metrics: [.accuracy])
        try model.fit(x: ids, y: labels, batchSize: 2, epochs: 30, verbose: .silent)
        let probabilities = try model.predict(ids)            // [4, 2], rows sum to 1
        // --- README example ends ---
        XCTAssertEqual(probabilities.shape, [4, 2])
        XCTAssertEqual(try XCTUnwrap(model.evaluate(x: ids, y: labels)["accuracy"]), 1)
    }

    /// The `Sequential` snippet of the Training article.
    func testTrainingArticleSequentialSnippetRuns() throws {
        let model = Sequential<Float, IntTensor>(name: "bag_of_words", outputActivation: .softmax)
        model.addInput(Embedding(inputDim: 1000, outputDim: 32))
        let pooling = GlobalAveragePooling1D<Float>()
        model.add { x, _ in try pooling(x) }          // a step without weights
        model.add(Dense(units: 2))
        let ids = try IntTensor(shape: [3, 4], scalars: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12])
        let probabilities = try model.predict(ids)
        XCTAssertEqual(probabilities.shape, [3, 2])
        assertClose(probabilities.scalars.chunked2().map { $0 + $1 }, [1, 1, 1], rtol: 1e-6, atol: 1e-6)
        XCTAssertEqual(try model.namedParameters().map(\.name), ["embedding/embeddings", "dense/kernel", "dense/bias"])
    }

    /// The custom layer of the Layers article: gradients reach its weight through `fit`.
    func testLayersArticleCustomLayerTrains() throws {
        final class Scale: TensorLayer {
            let name = "scale"
            let factor = Parameter<Float>(path: "factor", value: .ones([]))
            var parameters: [Parameter<Float>] { [factor] }
            func forward(_ input: Tensor<Float>, training: Bool) throws -> Tensor<Float> {
                try input * factor.value
            }
        }
        let scale = Scale()
        let model = Sequential<Float, Tensor<Float>>()
        model.add(scale)
        model.compile(loss: .meanSquaredError, optimizer: SGD(learningRate: 0.1))
        // y = 3x: the factor should move from 1 towards 3.
        let x = try Tensor<Float>(shape: [4, 1], scalars: [1, 2, -1, 0.5])
        try model.fit(x: x, y: x * 3, batchSize: 4, epochs: 20, verbose: .silent)
        XCTAssertEqual(Double(scale.factor.value.scalar), 3, accuracy: 0.05)
    }
}

private extension Array where Element == Float {
    /// Consecutive pairs `(a[0], a[1]), (a[2], a[3]), …`.
    func chunked2() -> [(Float, Float)] {
        stride(from: 0, to: count - 1, by: 2).map { (self[$0], self[$0 + 1]) }
    }
}
