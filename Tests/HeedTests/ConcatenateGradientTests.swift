import XCTest
@testable import Heed

/// Finite-difference checks of `Concatenate` in Double along each axis.
final class ConcatenateGradientTests: XCTestCase {
    func testConcatenateGradientAlongLastAxis() throws {
        let layer = Concatenate<Double>(axis: -1)
        try checkGradients([randomTensor([2, 3, 2], seed: 61), randomTensor([2, 3, 4], seed: 62), randomTensor([2, 3, 1], seed: 63)]) {
            try layer($0)
        }
    }

    func testConcatenateGradientAlongTimeAxis() throws {
        let layer = Concatenate<Double>(axis: 1)
        try checkGradients([randomTensor([2, 3, 2], seed: 64), randomTensor([2, 1, 2], seed: 65)]) { try layer($0) }
    }

    func testConcatenateGradientAlongBatchAxis() throws {
        let layer = Concatenate<Double>(axis: 0)
        try checkGradients([randomTensor([1, 3, 2], seed: 66), randomTensor([2, 3, 2], seed: 67)]) { try layer($0) }
    }

    func testConcatenateGradientOnRank2Inputs() throws {
        let layer = Concatenate<Double>(axis: -1)
        try checkGradients([randomTensor([2, 3], seed: 68), randomTensor([2, 2], seed: 69)]) { try layer($0) }
    }
}
