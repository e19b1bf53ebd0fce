import XCTest
@testable import Heed

/// Finite-difference checks of LayerNormalization's gradients with respect to the input, gamma
/// and beta, for several axis choices and with center/scale switched off.
final class LayerNormalizationGradientTests: XCTestCase {
    private func check(axes: [Int], center: Bool = true, scale: Bool = true, epsilon: Double = 1e-3,
                       file: StaticString = #filePath, line: UInt = #line) throws {
        let shape = [2, 3, 5]
        let sorted = axes.map { $0 < 0 ? $0 + shape.count : $0 }.sorted()
        let paramShape = sorted.map { shape[$0] }
        var inputs = [randomTensor(shape, seed: 11)]
        if scale { inputs.append(randomTensor(paramShape, seed: 12, low: 0.5, high: 1.5)) }
        if center { inputs.append(randomTensor(paramShape, seed: 13)) }
        try checkGradients(inputs, file: file, line: line) { xs in
            try LayerNormalization<Double>.apply(xs[0], axes: axes, gamma: scale ? xs[1] : nil,
                                                 beta: center ? xs[scale ? 2 : 1] : nil, epsilon: epsilon)
        }
    }

    func testLastAxisGradients() throws { try check(axes: [-1]) }
    func testMiddleAxisGradients() throws { try check(axes: [1]) }
    func testTwoTrailingAxesGradients() throws { try check(axes: [1, 2]) }
    func testNonAdjacentAxesGradients() throws { try check(axes: [2, 0]) }
    func testSmallEpsilonGradients() throws { try check(axes: [-1], epsilon: 1e-6) }
    func testWithoutCenterGradients() throws { try check(axes: [-1], center: false) }
    func testWithoutScaleGradients() throws { try check(axes: [-1], scale: false) }
    func testWithoutCenterAndScaleGradients() throws { try check(axes: [1, 2], center: false, scale: false) }
}
