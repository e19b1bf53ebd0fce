import XCTest
@testable import Heed

/// Finite-difference check of PositionalEncoding's input gradient (the identity).
final class PositionalEncodingGradientTests: XCTestCase {
    func testInputGradientIsIdentity() throws {
        let layer = PositionalEncoding<Double>()
        try checkGradients([randomTensor([2, 3, 5], seed: 51)]) { xs in try layer(xs[0]) }
    }
}
