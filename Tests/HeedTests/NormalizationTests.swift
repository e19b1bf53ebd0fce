import XCTest
@testable import Heed

/// Keras `Normalization(axis=-1)`: `adapt` statistics, the output, the gradient and the errors.
final class NormalizationTests: XCTestCase {
    /// The example of Keras' `Normalization` documentation: each index of the last axis is
    /// standardised with its own mean and variance; the documented output is `[-1, -1, -1]`.
    func testKerasDocumentationExample() throws {
        let layer = Normalization<Float>()
        try layer.adapt(Tensor(shape: [4, 3], scalars: [0, 7, 4, 2, 9, 6, 0, 7, 4, 2, 9, 6]))
        XCTAssertEqual(layer.mean?.value.scalars, [1, 8, 5])
        XCTAssertEqual(layer.variance?.value.scalars, [1, 1, 1])
        XCTAssertEqual(try layer(Tensor(shape: [1, 3], scalars: [0, 7, 4])).scalars, [-1, -1, -1])
    }

    /// Worked by hand: feature 0 of [1, 2, 3, 6] has mean 3 and population variance
    /// (4 + 1 + 0 + 9) / 4 = 3.5; feature 1 is constant, so it is divided by 1e-7. Keras 3.15.1,
    /// adapted on the same rows, gives the same weights and outputs `[[1.6035674, 5e6],
    /// [-1.6035674, -1e7]]` for `[[6, 5.5], [0, 4]]`.
    func testPopulationVarianceAndTheEpsilonFloor() throws {
        let layer = Normalization<Double>(name: "features")
        try layer.adapt(Tensor(shape: [2, 2, 2], scalars: [1, 5, 2, 5, 3, 5, 6, 5]))
        XCTAssertEqual(layer.mean?.value.scalars, [3, 5])
        XCTAssertEqual(layer.variance?.value.scalars ?? [], [3.5, 0])
        let out = try layer(Tensor(shape: [2, 2], scalars: [6, 5.5, 0, 4]))
        for (got, keras) in zip(out.scalars, [1.6035674, 5e6, -1.6035674, -1e7]) {
            XCTAssertEqual(got, keras, accuracy: 1e-6 * max(1, abs(keras)))
        }
    }

    func testWeightsAreNonTrainableMeanAndVariance() throws {
        let layer = Normalization<Float>(name: "norm")
        try layer.build(features: 3)
        XCTAssertEqual(layer.namedParameters.map(\.name), ["norm/mean", "norm/variance"])
        XCTAssertEqual(layer.parameters.map(\.trainable), [false, false])
        XCTAssertEqual(layer.variance?.value.scalars, [1, 1, 1])
        // Before adapt, the layer passes its input through unchanged.
        XCTAssertEqual(try layer(Tensor(shape: [1, 3], scalars: [1, -2, 3])).scalars, [1, -2, 3])
    }

    func testInputGradientMatchesFiniteDifferences() throws {
        let layer = Normalization<Double>()
        try layer.adapt(randomTensor([6, 4], seed: 3, low: -2, high: 5))
        try checkGradients([randomTensor([3, 4], seed: 4)]) { xs in try layer(xs[0]) }
        let x = randomTensor([3, 4], seed: 4).requiringGrad()
        try layer(x).sum().backward()
        XCTAssertNil(layer.mean?.grad, "no gradient is kept for the statistics")
    }

    func testErrorsNameTheLayer() throws {
        let layer = Normalization<Float>(name: "stats")
        XCTAssertThrowsError(try layer(Tensor(shape: [1, 2], scalars: [1, 2]))) { error in
            XCTAssertTrue("\(error)".contains("'stats'") && "\(error)".contains("adapt"), "\(error)")
        }
        XCTAssertThrowsError(try layer.adapt(Tensor(shape: [0, 2], scalars: []))) { error in
            XCTAssertTrue("\(error)".contains("no rows"), "\(error)")
        }
        try layer.adapt(Tensor(shape: [2, 2], scalars: [1, 2, 3, 4]))
        XCTAssertThrowsError(try layer.adapt(Tensor(shape: [1, 3], scalars: [1, 2, 3])))
        XCTAssertThrowsError(try layer(Tensor(shape: [1, 3], scalars: [1, 2, 3])))
    }
}
