import XCTest
@testable import Heed

final class LayerNormalizationTests: XCTestCase {
    func testNormalisesWithBiasedVarianceAndDefaultEpsilon() throws {
        // x = [1, 2, 3, 4]: mean 2.5, biased variance 1.25, epsilon 1e-3.
        let layer = try LayerNormalization<Double>()
        let y = try layer(Tensor(shape: [1, 4], scalars: [1, 2, 3, 4]))
        let s = (1.25 + 1e-3).squareRoot()
        assertClose(y.scalars, [-1.5 / s, -0.5 / s, 0.5 / s, 1.5 / s], rtol: 1e-12, atol: 1e-12)
    }

    func testFusedTrailingAxesMatchComposite() throws {
        for (axes, paramShape) in [([2], [5]), ([1, 2], [3, 5])] {
            let x = randomTensor([2, 3, 5], seed: 14).requiringGrad()
            let gamma = randomTensor(paramShape, seed: 15).requiringGrad()
            let beta = randomTensor(paramShape, seed: 16).requiringGrad()
            let r = randomTensor([2, 3, 5], seed: 17)
            let fused = try LayerNormalization<Double>.apply(x, axes: axes, gamma: gamma, beta: beta)
            try (fused * r).sum().backward()
            let fusedGrads = [x, gamma, beta].map { $0.grad?.scalars ?? [] }
            [x, gamma, beta].forEach { $0.zeroGrad() }
            let slow = try LayerNormalization<Double>.composite(x, axes: axes, gamma: gamma, beta: beta, epsilon: 1e-3)
            try (slow * r).sum().backward()
            assertClose(fused.scalars, slow.scalars, rtol: 1e-12, atol: 1e-12, "values, axes \(axes)")
            for (i, t) in [x, gamma, beta].enumerated() {
                assertClose(fusedGrads[i], t.grad?.scalars ?? [], rtol: 1e-10, atol: 1e-12, "gradient \(i), axes \(axes)")
            }
        }
    }

    func testGammaAndBetaScaleAndShift() throws {
        let layer = try LayerNormalization<Double>(epsilon: 0)
        try layer.build(inputShape: [1, 2])
        try layer.gamma?.assign(Tensor([2, 3]))
        try layer.beta?.assign(Tensor([10, 20]))
        // x = [1, 3]: mean 2, variance 1 → [-1, 1] → [-2 + 10, 3 + 20].
        let y = try layer(Tensor(shape: [1, 2], scalars: [1, 3]))
        assertClose(y.scalars, [8, 23], rtol: 1e-12, atol: 1e-12)
    }

    func testWeightsAreShapedLikeTheNormalisedAxes() throws {
        let layer = try LayerNormalization<Float>(axis: [1, 2])
        _ = try layer(Tensor<Float>.ones([2, 3, 5]))
        XCTAssertEqual(layer.namedParameters.map(\.name), ["layer_norm/gamma", "layer_norm/beta"])
        XCTAssertEqual(layer.parameters.map(\.shape), [[3, 5], [3, 5]])
        let middle = try LayerNormalization<Float>(axis: 1)
        try middle.build(inputShape: [2, 3, 5])
        XCTAssertEqual(middle.parameters.map(\.shape), [[3], [3]])
    }

    func testCenterAndScaleOffCreateNoWeights() throws {
        let layer = try LayerNormalization<Float>(center: false, scale: false)
        try layer.build(inputShape: [2, 4])
        XCTAssertTrue(layer.parameters.isEmpty)
        let onlyScale = try LayerNormalization<Float>(center: false)
        try onlyScale.build(inputShape: [2, 4])
        XCTAssertEqual(onlyScale.parameters.map(\.path), ["gamma"])
    }

    func testMaskPassesThrough() throws {
        let layer = try LayerNormalization<Float>()
        let mask = try Mask(shape: [1, 3], values: [true, true, false])
        let y = try layer(MaskedTensor(Tensor<Float>.ones([1, 3, 2]), mask: mask))
        XCTAssertEqual(y.mask, mask)
    }

    func testAxisOutOfRangeThrows() throws {
        let layer = try LayerNormalization<Float>(axis: 3)
        XCTAssertThrowsError(try layer(Tensor<Float>.ones([2, 3, 5])))
    }

    func testRepeatedAxisThrows() {
        XCTAssertThrowsError(try LayerNormalization<Float>(axis: [1, 1]))
    }
}
