import XCTest
import Foundation
@testable import Heed

final class PositionalEncodingTests: XCTestCase {
    func testTableAlternatesSineAndCosine() {
        // D = 4: the pair (2, 3) uses 10000^(2/4) = 100.
        let table = PositionalEncoding<Double>.table(length: 3, features: 4)
        XCTAssertEqual(table.shape, [3, 4])
        let expected: [Double] = [
            0, 1, 0, 1,
            sin(1), cos(1), sin(0.01), cos(0.01),
            sin(2), cos(2), sin(0.02), cos(0.02),
        ]
        assertClose(table.scalars, expected, rtol: 1e-12, atol: 1e-12)
    }

    func testOddFeatureCountEndsWithASine() {
        // D = 3: the last feature (index 2) is sin(pos / 10000^(2/3)).
        let table = PositionalEncoding<Double>.table(length: 2, features: 3)
        let expected: [Double] = [0, 1, 0, sin(1), cos(1), sin(1 / pow(10000, 2.0 / 3.0))]
        assertClose(table.scalars, expected, rtol: 1e-12, atol: 1e-12)
    }

    func testAddsTheTableToEveryBatchRow() throws {
        let layer = PositionalEncoding<Double>()
        let x = randomTensor([2, 3, 4], seed: 41)
        let y = try layer(x)
        let table = PositionalEncoding<Double>.table(length: 3, features: 4).scalars
        let expected = x.scalars.enumerated().map { $0.element + table[$0.offset % 12] }
        assertClose(y.scalars, expected, rtol: 1e-12, atol: 1e-12)
        XCTAssertTrue(layer.parameters.isEmpty)
    }

    func testShorterSequenceAfterLongerOneUsesLeadingPositions() throws {
        let layer = PositionalEncoding<Double>()
        _ = try layer(Tensor.zeros([1, 5, 2]))
        let y = try layer(Tensor.zeros([1, 2, 2]))
        assertClose(y.scalars, [0, 1, sin(1), cos(1)], rtol: 1e-12, atol: 1e-12)
    }

    func testMaskPassesThrough() throws {
        let mask = try Mask(shape: [1, 2], values: [true, false])
        let y = try PositionalEncoding<Float>()(MaskedTensor(Tensor<Float>.zeros([1, 2, 2]), mask: mask))
        XCTAssertEqual(y.mask, mask)
    }

    func testWrongRankThrows() {
        XCTAssertThrowsError(try PositionalEncoding<Float>()(Tensor<Float>.zeros([2, 3])))
    }
}
