import XCTest
@testable import Heed

/// Finite-difference checks of the `Dropout` layer in Double with an injected keep mask.
final class DropoutGradientTests: XCTestCase {
    func testDropoutGradientWithInjectedKeepMask() throws {
        let layer = Dropout<Double>(rate: 0.3)
        var gen = SeededGenerator(seed: 71)
        let keep = Tensor<Double>.dropoutKeepMask(shape: [2, 3, 4], rate: 0.3, generator: &gen)
        try checkGradients([randomTensor([2, 3, 4], seed: 72)]) { xs in try layer(xs[0], training: true, keepMask: keep) }
    }

    func testDropoutGradientWithBroadcastNoiseShapeMask() throws {
        let layer = Dropout<Double>(rate: 0.5, noiseShape: [nil, 1, nil])
        let keep = try Mask(shape: [2, 1, 4], values: [true, false, true, true, false, true, true, false])
        try checkGradients([randomTensor([2, 3, 4], seed: 73)]) { xs in try layer(xs[0], training: true, keepMask: keep) }
    }

    func testDropoutGradientInInferenceIsIdentity() throws {
        let layer = Dropout<Double>(rate: 0.5)
        try checkGradients([randomTensor([2, 3], seed: 74)]) { xs in try layer(xs[0], training: false) }
    }
}
