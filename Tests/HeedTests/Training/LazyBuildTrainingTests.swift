import XCTest
@testable import Heed

/// `fit` on layers that create their weights on first use.
final class LazyBuildTrainingTests: SingleThreadedTestCase {

    /// Two well separated classes of 2-d points.
    private func points() throws -> (x: Tensor<Float>, y: IntTensor) {
        var g = SeededGenerator(seed: 1)
        var xs: [Float] = [], ys: [Int32] = []
        for i in 0..<64 {
            let label = i % 2
            xs += [Float(label * 2 - 1) + Float(g.nextUniform(-0.3, 0.3)), Float(g.nextUniform(-1, 1))]
            ys.append(Int32(label))
        }
        return (try Tensor(shape: [64, 2], scalars: xs), IntTensor(ys))
    }

    func testFitTrainsLayersThatAreNotBuiltYet() throws {
        let data = try points()
        let dense = Dense<Float>(units: 2, seed: 2)
        XCTAssertFalse(dense.isBuilt)
        let model = Sequential<Float, Tensor<Float>>(outputActivation: .softmax)
        model.add(dense)
        model.compile(loss: .sparseCategoricalCrossentropy(fromLogits: false), optimizer: Adam(learningRate: 0.1),
                      metrics: [.accuracy])
        let history = try model.fit(x: data.x, y: data.y, batchSize: 16, epochs: 10, seed: 3, verbose: .silent)
        XCTAssertEqual(try model.namedParameters().map(\.name), ["dense/kernel", "dense/bias"])
        XCTAssertLessThan(try XCTUnwrap(history["loss"]?.last), try XCTUnwrap(history["loss"]?.first))
        XCTAssertEqual(try XCTUnwrap(model.evaluate(x: data.x, y: data.y)["accuracy"]), 1)
    }

    func testBuildFromInputCreatesTheWeightsBeforeLoading() throws {
        let model = Sequential<Float, Tensor<Float>>()
        model.add(Dense<Float>(units: 3, seed: 4))
        XCTAssertTrue(try model.namedParameters().isEmpty)
        try model.build(from: .zeros([5, 2]))
        XCTAssertEqual(try model.namedParameters().map(\.parameter.shape), [[2, 3], [3]])
    }
}
