import XCTest
@testable import Heed

/// Finite-difference checks of `GlobalAveragePooling1D` in Double.
final class PoolingGradientTests: XCTestCase {
    let mask = try! Mask(shape: [2, 4], values: [true, false, true, true, false, true, false, false])

    func testGlobalAveragePoolingGradientWithoutMask() throws {
        let gap = GlobalAveragePooling1D<Double>()
        try checkGradients([randomTensor([2, 4, 3], seed: 51)]) { xs in try gap(xs[0]) }
    }

    func testGlobalAveragePoolingGradientWithMask() throws {
        let gap = GlobalAveragePooling1D<Double>()
        try checkGradients([randomTensor([2, 4, 3], seed: 52)]) { xs in try gap(xs[0], mask: self.mask) }
    }

    func testGlobalAveragePoolingGradientWithMaskAndKeepDims() throws {
        let gap = GlobalAveragePooling1D<Double>(keepDims: true)
        try checkGradients([randomTensor([2, 4, 3], seed: 53)]) { xs in try gap(xs[0], mask: self.mask) }
    }

    func testGlobalAveragePoolingGradientChannelsFirst() throws {
        let gap = GlobalAveragePooling1D<Double>(dataFormat: .channelsFirst)
        try checkGradients([randomTensor([2, 3, 4], seed: 54)]) { xs in try gap(xs[0]) }
    }

    func testGlobalAveragePoolingGradientChannelsFirstWithMaskAndKeepDims() throws {
        let gap = GlobalAveragePooling1D<Double>(dataFormat: .channelsFirst, keepDims: true)
        try checkGradients([randomTensor([2, 3, 4], seed: 55)]) { xs in try gap(xs[0], mask: self.mask) }
    }
}
