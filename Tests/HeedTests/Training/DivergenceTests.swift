import Foundation
import XCTest
@testable import Heed

/// A learning rate far too large makes training diverge: it must stop with a message that says
/// where, and leave the last good checkpoint intact.
final class DivergenceTests: SingleThreadedTestCase {
    var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("heed-diverge-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: directory) }

    /// Linear(2→8) → ReLU → Linear(8→1), a regression model whose squared error explodes
    /// geometrically under SGD with a rate of 1e3.
    private func makeRegressor() -> Sequential<Float, Tensor<Float>> {
        let model = Sequential<Float, Tensor<Float>>(name: "regressor")
        model.add(TestLinear<Float>(name: "hidden", inputs: 2, outputs: 8, seed: 7))
        model.add { x, _ in x.relu() }
        model.add(TestLinear<Float>(name: "output", inputs: 8, outputs: 1, seed: 7))
        return model
    }

    func testHugeLearningRateStopsOnNaNAndKeepsTheLastGoodCheckpoint() throws {
        let data = separableData(count: 16, seed: 7)
        let targets = try Tensor<Float>(shape: [16, 1], scalars: data.y.scalars.map { Float($0) * 10 })
        let model = makeRegressor()
        model.compile(loss: .meanSquaredError, optimizer: SGD(learningRate: 1e3))
        let url = directory.appendingPathComponent("last.safetensors")
        let guardRule = TerminateOnNaN()
        var printed = ""
        model.output = { printed += $0 }
        // One step per epoch, so every epoch before the divergent one ends with finite weights.
        let history = try model.fit(x: data.x, y: targets, batchSize: 16, epochs: 50, shuffle: false,
                                    callbacks: [guardRule, ModelCheckpoint(url: url)], verbose: .silent)

        let message = try XCTUnwrap(guardRule.message, "training never diverged")
        let stopEpoch = try XCTUnwrap(history.epochs.last) + 1
        XCTAssertGreaterThan(stopEpoch, 1, "diverged in the first epoch; no good checkpoint to keep")
        XCTAssertLessThan(stopEpoch, 50)
        XCTAssertTrue(message.hasPrefix("TerminateOnNaN: invalid loss "), message)
        XCTAssertTrue(message.hasSuffix(" at epoch \(stopEpoch), step 1; terminating training"), message)
        XCTAssertTrue(printed.contains("ModelCheckpoint: the loss of epoch \(stopEpoch) is "), printed)

        // The file still holds the epoch before the divergence, finite, and loads strictly.
        let fresh = makeRegressor()
        fresh.compile(loss: .meanSquaredError, optimizer: SGD(learningRate: 1e3))
        let info = try fresh.load(from: url, includeOptimizer: true)
        XCTAssertEqual(info.epoch, stopEpoch - 1)
        for (name, parameter) in try fresh.namedParameters() {
            XCTAssertTrue(parameter.value.scalars.allSatisfy(\.isFinite), "\(name) holds a non-finite value")
        }
    }
}
