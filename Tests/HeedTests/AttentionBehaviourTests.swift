import Foundation
import XCTest
@testable import Heed

/// Hand-worked cases of `Attention`'s Keras semantics.
final class AttentionBehaviourTests: XCTestCase {
    func testDotScoresAreNotDividedBySquareRootOfWidth() throws {
        // q = [1, 0, 0, 0]; keys [2, 0, 0, 0] and 0: scores [2, 0] → weights e²/(e²+1), 1/(e²+1).
        let q = try Tensor<Double>(shape: [1, 1, 4], scalars: [1, 0, 0, 0])
        let k = try Tensor<Double>(shape: [1, 2, 4], scalars: [2, 0, 0, 0, 0, 0, 0, 0])
        let v = try Tensor<Double>(shape: [1, 2, 1], scalars: [10, 20])
        let r = try Attention<Double>().attend(query: q, value: v, key: k)
        let w0 = exp(2.0) / (exp(2.0) + 1)
        assertClose(r.scores.scalars, [w0, 1 - w0], rtol: 1e-12, atol: 1e-12)
        assertClose(r.output.scalars, [10 * w0 + 20 * (1 - w0)], rtol: 1e-12, atol: 1e-12)
    }

    func testConcatScoresSumTanhOfScaledSumTimesWeight() throws {
        // q = 0.5; keys 0.5, -0.5; scale 2, weight 3: scores 3·tanh(2), 3·tanh(0) = 0.
        let layer = Attention<Double>(useScale: true, scoreMode: .concat)
        layer.build()
        try layer.scale?.assign(Tensor(2))
        try layer.concatScoreWeight?.assign(Tensor(3))
        let q = try Tensor<Double>(shape: [1, 1, 1], scalars: [0.5])
        let v = try Tensor<Double>(shape: [1, 2, 1], scalars: [0.5, -0.5])
        let r = try layer.attend(query: q, value: v)
        let s = 3 * Foundation.tanh(2.0)
        let w0 = exp(s) / (exp(s) + 1)
        assertClose(r.scores.scalars, [w0, 1 - w0], rtol: 1e-12, atol: 1e-12)
    }

    func testCausalMaskIsAnchoredTopLeftForShorterQueries() throws {
        // Tq = 2, Tv = 3, all scores equal: row 0 sees key 0, row 1 keys 0 and 1, key 2 never.
        let r = try Attention<Float>().attend(query: .zeros([1, 2, 2]), value: .ones([1, 3, 2]), useCausalMask: true)
        XCTAssertEqual(r.scores.scalars, [1, 0, 0, 0.5, 0.5, 0])
    }

    func testQueryMaskZeroesOutputRowsButNotScores() throws {
        let qMask = try Mask(shape: [1, 2], values: [true, false])
        let v = try Tensor<Float>(shape: [1, 2, 1], scalars: [2, 4])
        let r = try Attention<Float>().attend(query: .zeros([1, 2, 1]), value: v, queryMask: qMask)
        XCTAssertEqual(r.output.scalars, [3, 0])
        XCTAssertEqual(r.scores.scalars, [0.5, 0.5, 0.5, 0.5])
        XCTAssertEqual(r.mask, qMask)
    }

    func testFullyMaskedRowWithSmallScoresIsUniformOverAllKeys() throws {
        // score − 1e9 rounds every small score to exactly −1e9 in Float: uniform, never NaN.
        let q = try Tensor<Float>(shape: [1, 1, 1], scalars: [0.3])
        let v = try Tensor<Float>(shape: [1, 4, 1], scalars: [1, 2, 3, 6])
        let r = try Attention<Float>().attend(query: q, value: v, valueMask: Mask(filled: false, shape: [1, 4]))
        XCTAssertEqual(r.scores.scalars, [0.25, 0.25, 0.25, 0.25])
        XCTAssertEqual(r.output.scalars, [3])
    }

    func testFullyMaskedRowKeepsScoreDifferencesOfSixtyFourInFloat() throws {
        // Scores 0 and 100: −1e9 and 100 − 1e9 round to −1e9 and −1e9 + 128 (multiples of 64),
        // so the second key takes all the weight.
        let q = try Tensor<Float>(shape: [1, 1, 1], scalars: [1])
        let v = try Tensor<Float>(shape: [1, 2, 1], scalars: [0, 100])
        let r = try Attention<Float>().attend(query: q, value: v, valueMask: Mask(filled: false, shape: [1, 2]))
        XCTAssertEqual(r.scores.scalars, [0, 1])
    }

    func testDropoutOnlyInTrainingAndScoresAreReturnedAfterDropout() throws {
        let layer = Attention<Float>(dropout: 0.5)
        let keep = try Mask(shape: [1, 1, 2], values: [true, false])
        let v = try Tensor<Float>(shape: [1, 2, 1], scalars: [2, 4])
        let inference = try layer.attend(query: .zeros([1, 1, 1]), value: v, dropoutKeepMask: keep)
        XCTAssertEqual(inference.scores.scalars, [0.5, 0.5])
        let training = try layer.attend(query: .zeros([1, 1, 1]), value: v, training: true, dropoutKeepMask: keep)
        XCTAssertEqual(training.scores.scalars, [1, 0])
        XCTAssertEqual(training.output.scalars, [2])
    }

    func testKeepMasksBroadcastOverBatchAndQueries() throws {
        let q = randomTensor([2, 3, 2], seed: 11), v = randomTensor([2, 4, 2], seed: 12)
        let row: [Bool] = [true, false, true, true]
        let layer = Attention<Double>(dropout: 0.5)
        let broadcast = try layer.attend(query: q, value: v, training: true, dropoutKeepMask: Mask(shape: [1, 1, 4], values: row))
        let full = try layer.attend(query: q, value: v, training: true,
                                    dropoutKeepMask: Mask(shape: [2, 3, 4], values: Array([[Bool]](repeating: row, count: 6).joined())))
        XCTAssertEqual(broadcast.output.scalars, full.output.scalars)
        XCTAssertEqual(broadcast.scores.scalars, full.scores.scalars)
        let mha = try MultiHeadAttention<Double>(numHeads: 2, keyDim: 3, dropout: 0.5, seed: 1)
        let (y1, _) = try mha(query: q, value: v, training: true, dropoutKeepMask: Mask(shape: [1, 1, 1, 4], values: row))
        let (y2, _) = try mha(query: q, value: v, training: true,
                              dropoutKeepMask: Mask(shape: [2, 2, 3, 4], values: Array([[Bool]](repeating: row, count: 12).joined())))
        XCTAssertEqual(y1.scalars, y2.scalars)
    }

    func testDropoutDrawsAreReproducibleFromTheSeed() throws {
        let a = Attention<Float>(dropout: 0.5, seed: 9), b = Attention<Float>(dropout: 0.5, seed: 9)
        let q = Tensor<Float>.zeros([2, 4, 1]), v = Tensor<Float>.ones([2, 8, 1])
        let first = try a.attend(query: q, value: v, training: true).scores
        XCTAssertEqual(first.scalars, try b.attend(query: q, value: v, training: true).scores.scalars)
        XCTAssertNotEqual(first.scalars, try a.attend(query: q, value: v, training: true).scores.scalars)
    }
}
