import Foundation
import XCTest
@testable import Heed

final class ResumeTests: SingleThreadedTestCase {
    var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("heed-resume-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: directory) }

    func compiled(seed: UInt64) -> Sequential<Float, Tensor<Float>> {
        let model = makeClassifier(seed: seed)
        model.compile(loss: .sparseCategoricalCrossentropy(fromLogits: false), optimizer: Adam(learningRate: 0.02),
                      metrics: [.accuracy])
        return model
    }

    func weights(_ model: Sequential<Float, Tensor<Float>>) throws -> [[Float]] {
        try model.namedParameters().map(\.parameter.value.scalars)
    }

    func testTwoRunsWithTheSameSeedAreBitIdentical() throws {
        let data = separableData(count: 50, seed: 1)
        let a = compiled(seed: 2), b = compiled(seed: 2)
        try a.fit(x: data.x, y: data.y, batchSize: 8, epochs: 3, seed: 5, verbose: .silent)
        try b.fit(x: data.x, y: data.y, batchSize: 8, epochs: 3, seed: 5, verbose: .silent)
        XCTAssertEqual(try weights(a), try weights(b))
    }

    func testSaveLoadPredictGivesIdenticalOutputs() throws {
        let data = separableData(count: 20, seed: 3)
        let trained = compiled(seed: 4)
        try trained.fit(x: data.x, y: data.y, batchSize: 8, epochs: 1, seed: 1, verbose: .silent)
        let url = directory.appendingPathComponent("model.safetensors")
        try trained.save(to: url)
        let fresh = makeClassifier(seed: 99)
        XCTAssertNotEqual(try fresh.predict(data.x).scalars, try trained.predict(data.x).scalars)
        try fresh.load(from: url)
        XCTAssertEqual(try fresh.predict(data.x).scalars, try trained.predict(data.x).scalars)
    }

    func testModelLoadRefusesCheckpointOfAnotherArchitecture() throws {
        let url = directory.appendingPathComponent("other.safetensors")
        let other = Sequential<Float, Tensor<Float>>()
        other.add(TestLinear<Float>(name: "hidden", inputs: 2, outputs: 8, seed: 1))
        try other.save(to: url)
        XCTAssertThrowsError(try makeClassifier(seed: 1).load(from: url)) { error in
            XCTAssertEqual(error as? CheckpointError, .missingTensor("output/kernel"))
        }
    }

    func testResumingFromACheckpointIsBitIdenticalToAnUninterruptedRun() throws {
        let data = separableData(count: 60, seed: 6)
        let straight = compiled(seed: 7)
        try straight.fit(x: data.x, y: data.y, batchSize: 16, epochs: 4, seed: 8, verbose: .silent)

        let first = compiled(seed: 7)
        let url = directory.appendingPathComponent("ckpt.safetensors")
        try first.fit(x: data.x, y: data.y, batchSize: 16, epochs: 2, seed: 8,
                      callbacks: [ModelCheckpoint(url: url, monitor: "loss")], verbose: .silent)

        let resumed = compiled(seed: 123)
        let history = try resumed.fit(x: data.x, y: data.y, batchSize: 16, epochs: 4, seed: 8, verbose: .silent,
                                      resumeFrom: url)
        XCTAssertEqual(history.epochs, [2, 3])
        XCTAssertEqual(resumed.configuration?.optimizer.iterations, 16)
        XCTAssertEqual(try weights(resumed), try weights(straight))
    }

    func testResumingARunWithDropoutDrawsTheSameMasks() throws {
        func model() -> Sequential<Float, Tensor<Float>> {
            let model = Sequential<Float, Tensor<Float>>(name: "classifier", outputActivation: .softmax)
            model.add(TestLinear<Float>(name: "hidden", inputs: 2, outputs: 8, seed: 7))
            model.add { x, _ in x.relu() }
            model.add(Dropout<Float>(rate: 0.4, seed: 3, name: "dropout"))
            model.add(TestLinear<Float>(name: "output", inputs: 8, outputs: 2, seed: 7))
            model.compile(loss: .sparseCategoricalCrossentropy(fromLogits: false), optimizer: Adam(learningRate: 0.02))
            return model
        }
        let data = separableData(count: 60, seed: 6)
        let straight = model()
        try straight.fit(x: data.x, y: data.y, batchSize: 16, epochs: 4, seed: 8, verbose: .silent)
        let url = directory.appendingPathComponent("dropout.safetensors")
        try model().fit(x: data.x, y: data.y, batchSize: 16, epochs: 2, seed: 8,
                        callbacks: [ModelCheckpoint(url: url, monitor: "loss")], verbose: .silent)
        let resumed = model()
        try resumed.fit(x: data.x, y: data.y, batchSize: 16, epochs: 4, seed: 8, verbose: .silent, resumeFrom: url)
        XCTAssertEqual(try weights(resumed), try weights(straight))
        // The masks did drop: without dropout the weights differ.
        let plain = compiled(seed: 7)
        try plain.fit(x: data.x, y: data.y, batchSize: 16, epochs: 4, seed: 8, verbose: .silent)
        XCTAssertNotEqual(try weights(plain), try weights(straight))
    }

    func testResumingAFinishedMovingAverageRunContinuesFromTheTrainedWeights() throws {
        func model() -> Sequential<Float, Tensor<Float>> {
            let model = makeClassifier(seed: 7)
            let adam = Adam<Float>(learningRate: 0.02)
            adam.useEMA = true
            adam.emaMomentum = 0.9
            model.compile(loss: .sparseCategoricalCrossentropy(fromLogits: false), optimizer: adam)
            return model
        }
        let data = separableData(count: 60, seed: 6)
        let straight = model()
        try straight.fit(x: data.x, y: data.y, batchSize: 16, epochs: 4, seed: 8, verbose: .silent)
        // Two epochs run to the end: the weights become their averages, and are saved so.
        let finished = model()
        try finished.fit(x: data.x, y: data.y, batchSize: 16, epochs: 2, seed: 8, verbose: .silent)
        let url = directory.appendingPathComponent("ema.safetensors")
        try finished.save(to: url, includeOptimizer: true, epoch: 2)
        let averaged = try weights(finished)
        XCTAssertEqual(try weights({ let m = model(); _ = try m.load(from: url); return m }()), averaged,
                       "the file's weights are the averages")
        let resumed = model()
        try resumed.fit(x: data.x, y: data.y, batchSize: 16, epochs: 4, seed: 8, verbose: .silent, resumeFrom: url)
        XCTAssertEqual(try weights(resumed), try weights(straight))
        // In the same process another fit continues from the averages, as in Keras.
        try finished.fit(x: data.x, y: data.y, batchSize: 16, epochs: 4, initialEpoch: 2, seed: 8, verbose: .silent)
        XCTAssertNotEqual(try weights(finished), try weights(straight))
    }

    func testALearningRateSetByTheSchedulerIsResumed() throws {
        func model() -> Sequential<Float, Tensor<Float>> {
            let model = makeClassifier(seed: 7)
            model.compile(loss: .sparseCategoricalCrossentropy(fromLogits: false), optimizer: SGD(learningRate: 0.1))
            return model
        }
        let halving = { LearningRateScheduler { epoch, rate in epoch == 0 ? rate : rate / 2 } }
        let data = separableData(count: 60, seed: 6)
        let straight = model()
        try straight.fit(x: data.x, y: data.y, batchSize: 16, epochs: 4, seed: 8, callbacks: [halving()], verbose: .silent)
        XCTAssertEqual(straight.configuration?.optimizer.learningRate, 0.0125)
        let url = directory.appendingPathComponent("scheduled.safetensors")
        try model().fit(x: data.x, y: data.y, batchSize: 16, epochs: 2, seed: 8,
                        callbacks: [halving(), ModelCheckpoint(url: url, monitor: "loss")], verbose: .silent)
        XCTAssertEqual(try SafeTensorsFile(contentsOf: url).metadata["learning_rate"], "0.05")
        let resumed = model()
        try resumed.fit(x: data.x, y: data.y, batchSize: 16, epochs: 4, seed: 8, callbacks: [halving()], verbose: .silent,
                        resumeFrom: url)
        XCTAssertEqual(resumed.configuration?.optimizer.learningRate, 0.0125)
        XCTAssertEqual(try weights(resumed), try weights(straight))
    }

    func testResumeByLoadingAndInitialEpoch() throws {
        let data = separableData(count: 30, seed: 1)
        let straight = compiled(seed: 2)
        try straight.fit(x: data.x, y: data.y, batchSize: 8, epochs: 4, seed: 3, verbose: .silent)
        let first = compiled(seed: 2)
        try first.fit(x: data.x, y: data.y, batchSize: 8, epochs: 2, seed: 3, verbose: .silent)
        let url = directory.appendingPathComponent("manual.safetensors")
        try first.save(to: url, epoch: 2)
        let resumed = compiled(seed: 50)
        let info = try resumed.load(from: url, includeOptimizer: true)
        XCTAssertEqual(info.epoch, 2)
        try resumed.fit(x: data.x, y: data.y, batchSize: 8, epochs: 4, initialEpoch: 2, seed: 3, verbose: .silent)
        XCTAssertEqual(try weights(resumed), try weights(straight))
    }
}
