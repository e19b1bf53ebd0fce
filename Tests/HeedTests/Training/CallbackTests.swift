import Foundation
import XCTest
@testable import Heed

final class CallbackTests: SingleThreadedTestCase {
    var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("heed-cb-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: directory) }

    func testEarlyStoppingStopsAfterPatienceAndRestoresBestWeights() throws {
        var snapshots: [Int] = [], restored: [Int] = []
        var epochNow = 0
        let context = TrainingContext(epochs: 10, stepsPerEpoch: 1, snapshot: {
            let taken = epochNow
            snapshots.append(taken)
            return WeightSnapshot { restored.append(taken) }
        })
        let rule = EarlyStopping(monitor: "val_loss", patience: 2, restoreBestWeights: true)
        try rule.onTrainBegin(context)
        for (epoch, value) in [1.0, 0.5, 0.6, 0.7, 0.1].enumerated() where !context.stopTraining {
            epochNow = epoch
            try rule.onEpochEnd(epoch, logs: ["val_loss": value], context: context)
        }
        XCTAssertTrue(context.stopTraining)
        XCTAssertEqual(rule.stoppedEpoch, 3)
        XCTAssertEqual(rule.bestEpoch, 1)
        XCTAssertEqual(snapshots, [0, 1])
        XCTAssertEqual(restored, [1])
    }

    func testEarlyStoppingCountsNaNAsNoImprovementAndRestoresTheBest() throws {
        var restored: [Int] = []
        var epochNow = 0
        let context = TrainingContext(epochs: 10, stepsPerEpoch: 1, snapshot: {
            let taken = epochNow
            return WeightSnapshot { restored.append(taken) }
        })
        let rule = EarlyStopping(monitor: "val_loss", patience: 2, restoreBestWeights: true)
        try rule.onTrainBegin(context)
        // A run that diverges after epoch 1: Keras stops at epoch 3 and restores epoch 1's weights.
        for (epoch, value) in [0.5, 0.4, .nan, .nan, .nan].enumerated() where !context.stopTraining {
            epochNow = epoch
            try rule.onEpochEnd(epoch, logs: ["val_loss": value], context: context)
        }
        XCTAssertEqual(rule.stoppedEpoch, 3)
        XCTAssertEqual(rule.bestEpoch, 1)
        XCTAssertEqual(restored, [1])
        // NaN from the first epoch on: never an improvement, never a best.
        let fresh = TrainingContext(epochs: 10, stepsPerEpoch: 1)
        let other = EarlyStopping(monitor: "val_loss", patience: 2)
        try other.onTrainBegin(fresh)
        for epoch in 0..<5 where !fresh.stopTraining { try other.onEpochEnd(epoch, logs: ["val_loss": .nan], context: fresh) }
        XCTAssertEqual(other.stoppedEpoch, 1)
        XCTAssertNil(other.bestEpoch)
    }

    func testEarlyStoppingMinDeltaAndMaxMode() throws {
        let context = TrainingContext(epochs: 10, stepsPerEpoch: 1)
        let rule = EarlyStopping(monitor: "val_accuracy", patience: 1, minDelta: 0.05)
        for (epoch, value) in [0.5, 0.52, 0.6].enumerated() where !context.stopTraining {
            try rule.onEpochEnd(epoch, logs: ["val_accuracy": value], context: context)
        }
        // 0.52 is not 0.05 better than 0.5: with patience 1 training stops at epoch 1.
        XCTAssertEqual(rule.stoppedEpoch, 1)
    }

    func testEarlyStoppingEndsFitWhenTheLossStalls() throws {
        let data = separableData(count: 16, seed: 1)
        let model = makeClassifier(seed: 1)
        model.compile(loss: .sparseCategoricalCrossentropy(fromLogits: false), optimizer: SGD(learningRate: 0))
        let history = try model.fit(x: data.x, y: data.y, batchSize: 8, epochs: 10,
                                    callbacks: [EarlyStopping(monitor: "loss", patience: 2)], verbose: .silent)
        XCTAssertEqual(history.epochs, [0, 1, 2])
    }

    func testModelCheckpointSavesOnlyImprovements() throws {
        var saved: [(String, Int)] = []
        let context = TrainingContext(epochs: 3, stepsPerEpoch: 1, saveCheckpoint: { url, epochs in
            saved.append((url.lastPathComponent, epochs))
        })
        let rule = ModelCheckpoint(url: directory.appendingPathComponent("w-{epoch:02d}.safetensors"), saveBestOnly: true)
        for (epoch, value) in [1.0, 2.0, 0.5].enumerated() {
            try rule.onEpochEnd(epoch, logs: ["val_loss": value], context: context)
        }
        XCTAssertEqual(saved.map(\.0), ["w-01.safetensors", "w-03.safetensors"])
        XCTAssertEqual(saved.map(\.1), [1, 3])
    }

    func testModelCheckpointEveryEpochRecordsTheEpochInMetadata() throws {
        let data = separableData(count: 16, seed: 2)
        let model = makeClassifier(seed: 2)
        model.compile(loss: .sparseCategoricalCrossentropy(fromLogits: false), optimizer: Adam())
        let url = directory.appendingPathComponent("last.safetensors")
        try model.fit(x: data.x, y: data.y, batchSize: 8, epochs: 2, callbacks: [ModelCheckpoint(url: url)], verbose: .silent)
        let file = try SafeTensorsFile(contentsOf: url)
        XCTAssertEqual(file.metadata["epoch"], "2")
        XCTAssertEqual(file.tensors["optimizer/iterations"]?.int64Values, [4])
    }

    func testCSVLoggerWritesOneRowPerEpoch() throws {
        let data = separableData(count: 16, seed: 3)
        let model = makeClassifier(seed: 3)
        model.compile(loss: .sparseCategoricalCrossentropy(fromLogits: false), optimizer: Adam(), metrics: [.accuracy])
        let url = directory.appendingPathComponent("history.csv")
        let history = try model.fit(x: data.x, y: data.y, batchSize: 8, epochs: 2, callbacks: [CSVLogger(url: url)],
                                    verbose: .silent)
        let lines = try String(contentsOf: url, encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(lines.count, 3)
        XCTAssertEqual(lines[0], "epoch,accuracy,loss")
        XCTAssertEqual(lines[2], "1,\(history["accuracy"]?[1] ?? .nan),\(history["loss"]?[1] ?? .nan)")
    }

    func testLearningRateSchedulerSetsTheRateEachEpoch() throws {
        let data = separableData(count: 8, seed: 4)
        let model = makeClassifier(seed: 4)
        let sgd = SGD<Float>(learningRate: 1)
        model.compile(loss: .sparseCategoricalCrossentropy(fromLogits: false), optimizer: sgd)
        var seen: [Double] = []
        try model.fit(x: data.x, y: data.y, batchSize: 8, epochs: 3,
                      callbacks: [LearningRateScheduler { epoch, current in
                          seen.append(current)
                          return 0.1 / Double(epoch + 1)
                      }], verbose: .silent)
        XCTAssertEqual(seen, [1, 0.1, 0.05])
        XCTAssertEqual(sgd.learningRate, 0.1 / 3, accuracy: 1e-15)
    }

    func testTerminateOnNaNStopsNamingEpochAndStep() throws {
        var values = separableData(count: 6, seed: 5).x.scalars
        values[2] = .nan  // example 1, in the first batch of 2
        values[8] = .nan  // example 4, in the third batch
        let x = try Tensor<Float>(shape: [6, 2], scalars: values)
        let model = Sequential<Float, Tensor<Float>>(name: "linear", outputActivation: .softmax)
        model.add(TestLinear<Float>(name: "dense", inputs: 2, outputs: 2, seed: 5))
        model.compile(loss: .sparseCategoricalCrossentropy(fromLogits: false), optimizer: SGD())
        let guardRule = TerminateOnNaN()
        var printed = ""
        model.output = { printed += $0 }
        let history = try model.fit(x: x, y: IntTensor([0, 1, 0, 1, 0, 1]), batchSize: 2, epochs: 3, shuffle: false,
                                    callbacks: [guardRule], verbose: .silent)
        XCTAssertEqual(history.epochs, [0])
        XCTAssertTrue(guardRule.message?.contains("epoch 1, step 1") ?? false, guardRule.message ?? "no message")
        XCTAssertTrue(printed.contains("TerminateOnNaN"))
    }

    func testProgressBarDrawingMatchesKeras() {
        XCTAssertEqual(ProgressLogger.bar(step: 12, total: 40),
                       "12/40 [========>.....................]")
        XCTAssertEqual(ProgressLogger.bar(step: 0, total: 40), " 0/40 [..............................]")
        XCTAssertEqual(ProgressLogger.bar(step: 40, total: 40), "40/40 [==============================]")
        XCTAssertEqual(ProgressLogger.duration(7.2), "7s")
        XCTAssertEqual(ProgressLogger.duration(65), "1:05")
        XCTAssertEqual(ProgressLogger.duration(3723), "1:02:03")
        XCTAssertEqual(ProgressLogger.format(["accuracy": 0.8125, "loss": 0.41234], order: ["loss", "accuracy"]),
                       " - loss: 0.4123 - accuracy: 0.8125")
    }

    func testProgressOutsideATerminalIsOneLinePerEpoch() throws {
        let data = separableData(count: 16, seed: 6)
        let model = makeClassifier(seed: 6)
        model.compile(loss: .sparseCategoricalCrossentropy(fromLogits: false), optimizer: Adam(), metrics: [.accuracy])
        var printed = ""
        let logger = ProgressLogger(verbosity: .progressBar, isTerminal: false) { printed += $0 }
        try model.fit(x: data.x, y: data.y, batchSize: 4, epochs: 2, validationSplit: 0.25, callbacks: [logger],
                      verbose: .silent)
        let lines = printed.split(separator: "\n")
        XCTAssertEqual(lines.count, 2)
        XCTAssertFalse(printed.contains("\r"))
        XCTAssertTrue(lines[0].hasPrefix("Epoch 1/2 - 3/3 - "), String(lines[0]))
        XCTAssertTrue(lines[1].contains(" - loss: ") && lines[1].contains(" - val_accuracy: "), String(lines[1]))
    }

    func testProgressOnATerminalRewritesTheBar() throws {
        let data = separableData(count: 16, seed: 7)
        let model = makeClassifier(seed: 7)
        model.compile(loss: .sparseCategoricalCrossentropy(fromLogits: false), optimizer: Adam())
        var printed = ""
        let logger = ProgressLogger(verbosity: .progressBar, isTerminal: true) { printed += $0 }
        try model.fit(x: data.x, y: data.y, batchSize: 4, epochs: 1, callbacks: [logger], verbose: .silent)
        XCTAssertTrue(printed.hasPrefix("Epoch 1/1\n\r"), printed)
        XCTAssertTrue(printed.contains("ETA: "))
        XCTAssertTrue(printed.hasSuffix("\n"))
        XCTAssertTrue(printed.contains("\r4/4 [==============================] - "), printed)
    }
}
