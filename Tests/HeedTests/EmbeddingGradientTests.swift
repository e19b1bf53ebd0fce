import XCTest
@testable import Heed

/// Finite-difference checks of `Embedding` in Double with respect to the table.
final class EmbeddingGradientTests: XCTestCase {
    func testEmbeddingGradientAddsUpOverRepeatedIds() throws {
        let layer = Embedding<Double>(inputDim: 5, outputDim: 3, maskZero: true)
        let ids = try IntTensor(shape: [2, 4], scalars: [1, 3, 1, 0, 4, 1, 0, 0])
        try checkGradients([randomTensor([5, 3], seed: 41)]) { xs in try layer.lookup(ids, in: xs[0]) }
    }

    func testEmbeddingRepeatedIdRowGradientIsTheSumOfItsPositions() throws {
        // Hand-worked: id 2 appears at positions 0 and 2, so its row gets R[0] + R[2].
        let layer = Embedding<Double>(inputDim: 3, outputDim: 2)
        let table = randomTensor([3, 2], seed: 42).requiringGrad()
        let ids = IntTensor([2, 0, 2])
        let r = try Tensor<Double>(shape: [3, 2], scalars: [1, 2, 3, 4, 5, 6])
        try (layer.lookup(ids, in: table) * r).sum().backward()
        XCTAssertEqual(table.grad?.scalars, [3, 4, 0, 0, 6, 8])
    }
}
