import XCTest
@testable import Heed

/// The optimizers' moving average of the weights (Keras `use_ema`), `SwapEMAWeights`, and `fit`
/// ending with the averages.
final class EMATests: SingleThreadedTestCase {
    func testTwoSGDStepsByHand() throws {
        // w: 1 → 0.9 → 0.8 (SGD 0.1, g = 1); average: 0.9 (the first step copies), then
        // 0.99·0.9 + 0.01·0.8 = 0.899.
        let p = Parameter(path: "w", value: Tensor<Double>([1]))
        let opt = SGD<Double>(learningRate: 0.1)
        opt.useEMA = true
        for _ in 0..<2 {
            try setGradient(p, [1])
            opt.apply(to: [("w", p)])
        }
        XCTAssertEqual(p.value.scalars[0], 0.8, accuracy: 1e-15)
        try opt.swapEMAWeights([("w", p)])
        XCTAssertEqual(p.value.scalars[0], 0.899, accuracy: 1e-15)
        try opt.swapEMAWeights([("w", p)])
        XCTAssertEqual(p.value.scalars[0], 0.8, accuracy: 1e-15, "swapping twice restores the weights")
        try opt.finalizeVariableValues([("w", p)])
        XCTAssertEqual(p.value.scalars[0], 0.899, accuracy: 1e-15)
    }

    func testThreeAdamStepsMatchKeras() throws {
        // Keras 3.15.1, `Benchmarks/reference/keras_ema.py`: Adam(learning_rate=0.1,
        // use_ema=True, ema_momentum=0.9) in float32.
        let p = Parameter(path: "w", value: Tensor<Float>([1, -2]))
        let opt = Adam<Float>(learningRate: 0.1)
        opt.useEMA = true
        opt.emaMomentum = 0.9
        let gradients: [[Float]] = [[0.5, -1], [-0.25, 0.75], [1, 0.5]]
        let weights: [[Float]] = [[0.9000012874603271, -1.900001049041748], [0.8733680248260498, -1.891068696975708],
                                  [0.8075572848320007, -1.908400058746338]]
        let averages: [[Float]] = [[0.9000012874603271, -1.900001049041748], [0.8973379731178284, -1.899107813835144],
                                   [0.8883599042892456, -1.9000370502471924]]
        // Adam's own float32 steps differ from Keras' in the last bits (its powers of β), so the
        // weights agree to 1e-5; each average follows exactly from the weights Heed made.
        var average: [Float] = []
        for step in 0..<3 {
            try setGradient(p, gradients[step])
            opt.apply(to: [("w", p)])
            let w = p.value.scalars
            average = step == 0 ? w : zip(average, w).map { Float(0.9) * $0 + (1 - Float(0.9)) * $1 }
            assertClose(w, weights[step], rtol: 1e-5, atol: 0, "weights after step \(step + 1)")
            assertClose(opt.slots["w"]?["average"] ?? [], averages[step], rtol: 1e-5, atol: 0, "average after step \(step + 1)")
            XCTAssertEqual(opt.slots["w"]?["average"], average, "the average's recurrence at step \(step + 1)")
        }
        try opt.finalizeVariableValues([("w", p)])
        XCTAssertEqual(p.value.scalars, average, "finalized")
    }

    func testTheAverageIsSavedAndRestoredWithTheSlots() throws {
        let p = Parameter(path: "w", value: Tensor<Double>([1, 2]))
        let opt = Adam<Double>()
        opt.useEMA = true
        try setGradient(p, [1, -1])
        opt.apply(to: [("layer/w", p)])
        let state = opt.exportState(parameters: [("layer/w", p)])
        XCTAssertEqual(state.slots.keys.sorted(), ["layer/w/average", "layer/w/m", "layer/w/v"])
        let restored = Adam<Double>()
        restored.useEMA = true
        try restored.importState(state, parameters: [("layer/w", p)])
        XCTAssertEqual(restored.slots["layer/w"]?["average"], opt.slots["layer/w"]?["average"])
        XCTAssertThrowsError(try Adam<Double>().importState(state, parameters: [("layer/w", p)])) { error in
            XCTAssertEqual(error as? OptimizerStateError, .unexpectedSlot("layer/w/average"))
        }
        var withoutAverage = state
        withoutAverage.slots["layer/w/average"] = nil
        XCTAssertThrowsError(try restored.importState(withoutAverage, parameters: [("layer/w", p)])) { error in
            XCTAssertEqual(error as? OptimizerStateError, .missingSlot("layer/w/average"))
        }
    }

    func testFitValidatesWithTheAveragesAndEndsWithThem() throws {
        let data = separableData(count: 32, seed: 4)
        var logs: [[String: Double]] = []
        var trained: [[Float]] = []
        final class Recorder: Callback {
            let record: ([String: Double]) -> Void
            init(_ record: @escaping ([String: Double]) -> Void) { self.record = record }
            func onEpochEnd(_ epoch: Int, logs: [String: Double], context: TrainingContext) throws { record(logs) }
        }
        let model = makeClassifier(seed: 4)
        let opt = Adam<Float>(learningRate: 0.05)
        opt.useEMA = true
        opt.emaMomentum = 0.8
        model.compile(loss: .sparseCategoricalCrossentropy(fromLogits: false), optimizer: opt)
        let validation = (x: data.x, y: data.y)
        try model.fit(x: data.x, y: data.y, batchSize: 8, epochs: 2, validationData: validation, shuffle: false,
                      callbacks: [SwapEMAWeights(), Recorder {
                          logs.append($0)
                          trained = ((try? model.namedParameters()) ?? []).map(\.parameter.value.scalars)
                      }], verbose: .silent)
        let named = try model.namedParameters()
        for (name, parameter) in named {
            XCTAssertEqual(parameter.value.scalars, opt.slots[name]?["average"], "\(name) ends as its average")
        }
        // The last epoch's validation ran on the averages, which are now the weights.
        let now = try model.evaluate(x: data.x, y: data.y, batchSize: 8)
        XCTAssertEqual(logs.last?["val_loss"] ?? .nan, now["loss"] ?? .nan, accuracy: 1e-6)
        // Callbacks at the end of an epoch saw the trained weights, which differ from the averages.
        XCTAssertEqual(trained.count, named.count)
        XCTAssertNotEqual(trained, named.map(\.parameter.value.scalars))
    }
}
