import XCTest
import Heed

/// The library example of the README and of the GettingStarted article, verbatim inside a test
/// so that it keeps compiling and working.
final class LibraryExampleTests: XCTestCase {
    func testLibraryExampleTrainsAndPredicts() throws {
        Heed.threads = 1
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
}
