import XCTest
@testable import Heed

/// Keras masks travel from `Embedding(maskZero:)` through the layers that pass, use or combine
/// them.
final class MaskPropagationTests: XCTestCase {
    func testEmbeddingMaskZeroGivesIdsNotZeroAndKeepsRowZero() throws {
        let layer = Embedding<Float>(inputDim: 3, outputDim: 2, maskZero: true)
        layer.build()
        try layer.embeddings?.assign(Tensor(shape: [3, 2], scalars: [9, 8, 1, 2, 3, 4]))
        let out = try layer.masked(IntTensor(shape: [1, 3], scalars: [2, 0, 1]))
        XCTAssertEqual(out.mask, try Mask(shape: [1, 3], values: [true, false, true]))
        XCTAssertEqual(out.tensor.scalars, [3, 4, 9, 8, 1, 2])
    }

    func testEmbeddingWithoutMaskZeroHasNoMask() throws {
        let layer = Embedding<Float>(inputDim: 3, outputDim: 2)
        XCTAssertNil(try layer.masked(IntTensor([0, 1])).mask)
    }

    /// Embedding(maskZero) → Attention([x, x]) → GlobalAveragePooling1D, against a plain-loop
    /// reference: padded keys get no weight, padded query rows are zero, and the pooling averages
    /// only the real steps.
    func testEmbeddingAttentionPoolingUsesThePaddingMask() throws {
        let table: [Double] = [0.5, -0.5, 0.2, 0.1, -0.3, 0.4, 0.6, 0.2]  // 4 rows × 2
        let idsValues: [Int32] = [1, 3, 2, 0, 0, 2, 0, 0]                  // [2, 4], id 0 = padding
        let embedding = Embedding<Double>(inputDim: 4, outputDim: 2, maskZero: true)
        embedding.build()
        try embedding.embeddings?.assign(Tensor(shape: [4, 2], scalars: table))
        let x = try embedding.masked(IntTensor(shape: [2, 4], scalars: idsValues))
        let attended = try Attention<Double>()(query: x, value: x)
        XCTAssertEqual(attended.mask, x.mask)
        let pooled = try GlobalAveragePooling1D<Double>()(attended)
        XCTAssertNil(pooled.mask)

        // Reference with plain loops.
        var expected: [Double] = []
        for b in 0..<2 {
            let ids = idsValues[(b * 4)..<(b * 4 + 4)].map(Int.init)
            let rows = ids.map { [table[$0 * 2], table[$0 * 2 + 1]] }
            let valid = ids.map { $0 != 0 }
            var sum = [0.0, 0.0]
            for i in 0..<4 where valid[i] {
                let scores = (0..<4).map { j in rows[i][0] * rows[j][0] + rows[i][1] * rows[j][1] }
                let e = (0..<4).map { valid[$0] ? exp(scores[$0]) : 0 }
                let z = e.reduce(0, +)
                for j in 0..<4 {
                    sum[0] += e[j] / z * rows[j][0]
                    sum[1] += e[j] / z * rows[j][1]
                }
            }
            let n = Double(valid.filter { $0 }.count)
            expected += [sum[0] / n, sum[1] / n]
        }
        assertClose(pooled.tensor.scalars, expected, rtol: 1e-12, atol: 1e-12)
    }

    func testDenseAndDropoutPassTheMaskThrough() throws {
        let mask = try Mask(shape: [1, 2], values: [true, false])
        let x = MaskedTensor(Tensor<Float>.ones([1, 2, 3]), mask: mask)
        XCTAssertEqual(try Dense<Float>(units: 2)(x).mask, mask)
        XCTAssertEqual(try Dropout<Float>(rate: 0.5)(x, training: true).mask, mask)
    }

    func testConcatenateAlongFeaturesAndsTheMasks() throws {
        let a = MaskedTensor(Tensor<Float>.zeros([1, 3, 2]), mask: try Mask(shape: [1, 3], values: [true, true, false]))
        let b = MaskedTensor(Tensor<Float>.zeros([1, 3, 1]), mask: try Mask(shape: [1, 3], values: [true, false, true]))
        XCTAssertEqual(try Concatenate<Float>(axis: -1)([a, b]).mask, try Mask(shape: [1, 3], values: [true, false, false]))
    }

    func testConcatenateAlongTimeJoinsTheMasks() throws {
        let a = MaskedTensor(Tensor<Float>.zeros([1, 2, 2]), mask: try Mask(shape: [1, 2], values: [true, false]))
        let b = MaskedTensor(Tensor<Float>.zeros([1, 3, 2]), mask: try Mask(shape: [1, 3], values: [false, true, true]))
        XCTAssertEqual(try Concatenate<Float>(axis: 1)([a, b]).mask,
                       try Mask(shape: [1, 5], values: [true, false, false, true, true]))
    }

    func testConcatenateTreatsAMissingMaskAsAllTrue() throws {
        let a = MaskedTensor(Tensor<Float>.zeros([1, 2, 2]), mask: try Mask(shape: [1, 2], values: [false, true]))
        let b = MaskedTensor(Tensor<Float>.zeros([1, 2, 3]))
        XCTAssertEqual(try Concatenate<Float>(axis: -1)([a, b]).mask, try Mask(shape: [1, 2], values: [false, true]))
    }

    func testConcatenateWithoutMasksHasNoMask() throws {
        let a = MaskedTensor(Tensor<Float>.zeros([1, 2, 2]))
        XCTAssertNil(try Concatenate<Float>(axis: -1)([a, a]).mask)
    }
}
