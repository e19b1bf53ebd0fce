import Foundation
import XCTest
@testable import Heed

final class ModelTrainingTests: SingleThreadedTestCase {

    func testSmallModelLearnsSeparableTaskToNinetyNinePercent() throws {
        let data = separableData(count: 256, seed: 1)
        let model = makeClassifier(seed: 2)
        model.compile(loss: .sparseCategoricalCrossentropy(fromLogits: false), optimizer: Adam(learningRate: 0.05),
                      metrics: [.accuracy])
        let history = try model.fit(x: data.x, y: data.y, batchSize: 32, epochs: 30, seed: 3, verbose: .silent)
        XCTAssertEqual(history.epochs, Array(0..<30))
        XCTAssertLessThan(try XCTUnwrap(history["loss"]?.last), try XCTUnwrap(history["loss"]?.first))
        XCTAssertGreaterThanOrEqual(try XCTUnwrap(model.evaluate(x: data.x, y: data.y)["accuracy"]), 0.99)
    }

    func testBinaryModelWithSigmoidOutputTrains() throws {
        let data = separableData(count: 128, seed: 4)
        let model = Sequential<Float, Tensor<Float>>(name: "binary", outputActivation: .sigmoid)
        model.add(TestLinear<Float>(name: "dense", inputs: 2, outputs: 1, seed: 5))
        model.compile(loss: .binaryCrossentropy(fromLogits: false), optimizer: Adam(learningRate: 0.1),
                      metrics: [.binaryAccuracy(), .auc])
        let y = Targets<Float>.values(try Tensor(shape: [128, 1], scalars: data.y.scalars.map { Float($0) }))
        try model.fit(x: data.x, y: y, batchSize: 16, epochs: 15, seed: 6, verbose: .silent)
        let logs = try model.evaluate(x: data.x, y: y)
        XCTAssertGreaterThanOrEqual(try XCTUnwrap(logs["accuracy"]), 0.97)
        XCTAssertGreaterThanOrEqual(try XCTUnwrap(logs["auc"]), 0.99)
        XCTAssertEqual(try model.predict(data.x).shape, [128, 1])
    }

    func testDuplicateWeightNamesThrow() throws {
        let model = Sequential<Float, Tensor<Float>>()
        model.add(TestLinear<Float>(name: "dense", inputs: 2, outputs: 2, seed: 1))
        model.add(TestLinear<Float>(name: "dense", inputs: 2, outputs: 2, seed: 2))
        XCTAssertThrowsError(try model.namedParameters()) { error in
            XCTAssertEqual(error as? ModelError, .duplicateParameterName("dense/kernel"))
        }
    }

    func testParametersAreNamedLayerSlashPath() throws {
        let names = try makeClassifier(seed: 1).namedParameters().map(\.name)
        XCTAssertEqual(names, ["hidden/kernel", "hidden/bias", "output/kernel", "output/bias"])
    }

    func testSequentialWithTokenIdsNeedsAnInputLayer() throws {
        let model = Sequential<Float, IntTensor>(name: "ids")
        model.add(TestLinear<Float>(name: "dense", inputs: 4, outputs: 2, seed: 1))
        XCTAssertThrowsError(try model.forward(IntTensor([1, 2]), training: false)) { error in
            XCTAssertEqual(error as? ModelError, .noInputLayer(model: "ids"))
        }
    }

    func testSequentialOverTokenIdsTrains() throws {
        // Label 1 when the sequence contains token 3.
        var g = SeededGenerator(seed: 9)
        var ids: [Int32] = [], labels: [Int32] = []
        for _ in 0..<64 {
            let row = (0..<4).map { _ in Int32(g.nextInt(below: 6)) }
            ids += row
            labels.append(row.contains(3) ? 1 : 0)
        }
        let x = try IntTensor(shape: [64, 4], scalars: ids)
        let model = Sequential<Float, IntTensor>(name: "bag", outputActivation: .softmax)
        model.addInput(TestMeanEmbedding<Float>(name: "embedding", vocabulary: 6, dimension: 8, seed: 1))
        model.add(TestLinear<Float>(name: "dense", inputs: 8, outputs: 2, seed: 1))
        model.compile(loss: .sparseCategoricalCrossentropy(fromLogits: false), optimizer: Adam(learningRate: 0.05),
                      metrics: [.accuracy])
        let history = try model.fit(x: x, y: IntTensor(labels), batchSize: 16, epochs: 20, seed: 2, verbose: .silent)
        XCTAssertLessThan(try XCTUnwrap(history["loss"]?.last), try XCTUnwrap(history["loss"]?.first) * 0.7)
        XCTAssertEqual(try model.namedParameters().map(\.name), ["embedding/embeddings", "dense/kernel", "dense/bias"])
    }

    /// A query/document model: a shared embedding over both texts, their features joined, a dense head.
    final class PairModel: Model<Float, InputPair<IntTensor, IntTensor>> {
        let embedding = TestMeanEmbedding<Float>(name: "embedding", vocabulary: 5, dimension: 4, seed: 1)
        let head = TestLinear<Float>(name: "dense", inputs: 8, outputs: 2, seed: 1)

        init() {
            super.init(name: "pair", outputActivation: .softmax)
            add(embedding)
            add(embedding)
            add(head)
        }

        override func forward(_ input: InputPair<IntTensor, IntTensor>, training: Bool) throws -> Tensor<Float> {
            let q = try embedding.forward(input.first, training: training)
            let d = try embedding.forward(input.second, training: training)
            return try head.forward(Tensor.concatenate([q, d], alongAxis: -1), training: training)
        }
    }

    func testTwoInputModelTrainsWithSharedLayer() throws {
        // Label 1 when the query's and the document's first tokens agree.
        var g = SeededGenerator(seed: 4)
        var q: [Int32] = [], d: [Int32] = [], y: [Int32] = []
        for i in 0..<48 {
            let a = Int32(g.nextInt(below: 5)), b = i % 2 == 0 ? a : Int32(g.nextInt(below: 5))
            q += [a, a]
            d += [b, b]
            y.append(a == b ? 1 : 0)
        }
        let x = InputPair(try IntTensor(shape: [48, 2], scalars: q), try IntTensor(shape: [48, 2], scalars: d))
        let model = PairModel()
        XCTAssertEqual(try model.namedParameters().count, 3)
        model.compile(loss: .sparseCategoricalCrossentropy(fromLogits: false), optimizer: Adam(learningRate: 0.05))
        let history = try model.fit(x: x, y: IntTensor(y), batchSize: 8, epochs: 10, seed: 1, verbose: .silent)
        XCTAssertLessThan(try XCTUnwrap(history["loss"]?.last), try XCTUnwrap(history["loss"]?.first))
        XCTAssertEqual(try model.predict(x, batchSize: 5).shape, [48, 2])
    }

    func testPredictInBatchesEqualsOneForwardPass() throws {
        let data = separableData(count: 10, seed: 5)
        let model = makeClassifier(seed: 6)
        let whole = try withoutGrad { try model.forward(data.x, training: false).softmax(alongAxis: -1) }
        XCTAssertEqual(try model.predict(data.x, batchSize: 3).scalars, whole.scalars)
    }

    func testEvaluateAveragesLossOverExamplesNotBatches() throws {
        let data = separableData(count: 5, seed: 7)
        let model = makeClassifier(seed: 8)
        model.compile(loss: .sparseCategoricalCrossentropy(fromLogits: false), optimizer: SGD(), metrics: [.accuracy])
        let logits = try model.forward(data.x, training: false)
        let expected = try Losses.sparseCategoricalCrossentropy(logits: logits, labels: data.y).scalar
        XCTAssertEqual(try XCTUnwrap(model.evaluate(x: data.x, y: data.y, batchSize: 2)["loss"]), Double(expected), accuracy: 1e-6)
    }

    func testValidationSplitHoldsOutTheLastExamples() throws {
        let data = separableData(count: 40, seed: 9)
        let model = makeClassifier(seed: 10)
        model.compile(loss: .sparseCategoricalCrossentropy(fromLogits: false), optimizer: Adam(learningRate: 0.01),
                      metrics: [.accuracy])
        let history = try model.fit(x: data.x, y: data.y, batchSize: 8, epochs: 2, validationSplit: 0.25, seed: 1,
                                    verbose: .silent)
        let tail = Array(30..<40)
        let direct = try model.evaluate(x: data.x.selectingExamples(tail), y: data.y.selectingExamples(tail), batchSize: 8)
        XCTAssertEqual(history["val_loss"]?.last, direct["loss"])
        XCTAssertEqual(history["val_accuracy"]?.last, direct["accuracy"])
        XCTAssertEqual(history["accuracy"]?.count, 2)
    }

    func testStepsPerEpochTakesTheFirstStepsOfEachEpochsOrder() throws {
        let data = separableData(count: 40, seed: 11)
        let fitted = makeClassifier(seed: 12), stepped = makeClassifier(seed: 12)
        for model in [fitted, stepped] {
            model.compile(loss: .sparseCategoricalCrossentropy(fromLogits: false), optimizer: Adam(learningRate: 0.01))
        }
        final class StepCounter: Callback {
            var steps = 0
            func onBatchEnd(_ step: Int, context: TrainingContext) throws { steps += 1 }
        }
        let counter = StepCounter()
        try fitted.fit(x: data.x, y: data.y, batchSize: 8, epochs: 2, seed: 5, callbacks: [counter], verbose: .silent,
                       stepsPerEpoch: 3)
        XCTAssertEqual(counter.steps, 6)
        for epoch in 0..<2 {
            let order = Model<Float, Tensor<Float>>.shuffledOrder(count: 40, seed: 5, epoch: epoch)
            for step in 0..<3 {
                let batch = Array(order[(step * 8)..<(step * 8 + 8)])
                _ = try stepped.trainOnBatch(x: data.x.selectingExamples(batch), y: data.y.selectingExamples(batch))
            }
        }
        for ((name, a), (_, b)) in zip(try fitted.namedParameters(), try stepped.namedParameters()) {
            XCTAssertEqual(a.value.scalars, b.value.scalars, name)
        }
        XCTAssertThrowsError(try fitted.fit(x: data.x, y: data.y, verbose: .silent, stepsPerEpoch: 0))
    }

    func testFitBeforeCompileThrows() throws {
        let data = separableData(count: 4, seed: 1)
        XCTAssertThrowsError(try makeClassifier(seed: 1).fit(x: data.x, y: data.y, verbose: .silent)) { error in
            XCTAssertEqual(error as? ModelError, .notCompiled(model: "classifier"))
        }
    }

    func testMismatchedExampleCountsThrow() throws {
        let data = separableData(count: 4, seed: 1)
        let model = makeClassifier(seed: 1)
        model.compile(loss: .sparseCategoricalCrossentropy(fromLogits: true), optimizer: SGD())
        XCTAssertThrowsError(try model.fit(x: data.x, y: IntTensor([0, 1]), verbose: .silent)) { error in
            XCTAssertEqual(error as? ModelError, .exampleCountMismatch(inputs: 4, targets: 2))
        }
    }
}
