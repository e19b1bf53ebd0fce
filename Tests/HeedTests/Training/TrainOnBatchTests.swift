import XCTest
@testable import Heed

/// `Model.trainOnBatch` and the chunked Adam update.
final class TrainOnBatchTests: XCTestCase {
    func makeModel() -> Sequential<Double, IntTensor> {
        let model = Sequential<Double, IntTensor>(name: "bag", outputActivation: .softmax)
        model.addInput(Embedding<Double>(inputDim: 7, outputDim: 3, seed: 1))
        model.add { x, _ in try x.mean(alongAxis: 1) }
        model.add(Dense<Double>(units: 2, seed: 2))
        model.compile(loss: .sparseCategoricalCrossentropy(fromLogits: false), optimizer: Adam(learningRate: 0.01))
        return model
    }

    func testTrainOnBatchEqualsOneStepOfFitOverTheSameBatch() throws {
        let ids = try IntTensor(shape: [4, 3], scalars: [1, 2, 3, 4, 5, 6, 0, 1, 2, 6, 6, 5])
        let labels = IntTensor([0, 1, 1, 0])
        let stepped = makeModel(), fitted = makeModel()
        try stepped.trainOnBatch(x: ids, y: labels)
        try fitted.fit(x: ids, y: labels, batchSize: 4, epochs: 1, shuffle: false, verbose: .silent)
        let a = try stepped.namedParameters(), b = try fitted.namedParameters()
        XCTAssertEqual(a.map(\.name), b.map(\.name))
        for (x, y) in zip(a, b) { XCTAssertEqual(x.parameter.value.scalars, y.parameter.value.scalars, x.name) }
    }

    func testTrainOnBatchReturnsTheLossBeforeTheUpdate() throws {
        let ids = try IntTensor(shape: [2, 2], scalars: [1, 2, 3, 4])
        let labels = IntTensor([0, 1])
        let model = makeModel()
        try model.build(from: ids)
        let before = try withoutGrad {
            try Losses.sparseCategoricalCrossentropy(logits: model.forward(ids, training: false), labels: labels).scalar
        }
        XCTAssertEqual(try model.trainOnBatch(x: ids, y: labels), before, accuracy: 1e-12)
    }

    /// 70,000 weights span two chunks of the parallel update; each element follows Keras' formula.
    func testAdamOnLargeWeightsFollowsTheFormulaInEveryChunk() throws {
        let count = 70_000
        let initial: [Double] = (0..<count).map { Double($0 % 97) / 97 - 0.5 }
        let first: [Double] = (0..<count).map { Double($0 % 13) / 13 - 0.4 }
        let second: [Double] = (0..<count).map { Double($0 % 7) / 7 - 0.3 }
        let gradients = [first, second]
        let parameter = Parameter<Double>(path: "w", value: try Tensor(shape: [count], scalars: initial))
        let adam = Adam<Double>(learningRate: 0.01)
        var w = initial, m = [Double](repeating: 0, count: count), v = m
        for (step, g) in gradients.enumerated() {
            try (parameter.value * Tensor(shape: [count], scalars: g)).sum().backward()
            adam.apply(to: [("w", parameter)])
            parameter.zeroGrad()
            let t = Double(step + 1)
            let alpha = 0.01 * (1 - pow(0.999, t)).squareRoot() / (1 - pow(0.9, t))
            for i in 0..<count {
                m[i] += (g[i] - m[i]) * (1 - 0.9)
                v[i] += (g[i] * g[i] - v[i]) * (1 - 0.999)
                w[i] -= m[i] * alpha / (v[i].squareRoot() + 1e-7)
            }
        }
        assertClose(parameter.value.scalars, w, rtol: 1e-12, atol: 1e-14)
    }

    /// Float weights take the vector kernel: bit for bit the formula in Float, in tf-keras' order,
    /// over a count that spans two chunks and ends in a partial vector.
    func testFloatAdamKernelMatchesTheFormulaBitForBit() throws {
        let count = 70_003
        let initial: [Float] = (0..<count).map { Float($0 % 97) / 97 - 0.5 }
        let gradients: [[Float]] = [(0..<count).map { Float($0 % 13) / 13 - 0.4 },
                                    (0..<count).map { Float($0 % 7) / 7 - 0.3 }]
        let parameter = Parameter<Float>(path: "w", value: try Tensor(shape: [count], scalars: initial))
        let adam = Adam<Float>(learningRate: 0.01)
        var w = initial, m = [Float](repeating: 0, count: count), v = m
        let (b1, b2, eps): (Float, Float, Float) = (0.9, 0.999, 1e-7)
        for (step, g) in gradients.enumerated() {
            try (parameter.value * Tensor(shape: [count], scalars: g)).sum().backward()
            adam.apply(to: [("w", parameter)])
            parameter.zeroGrad()
            let t = Float(step + 1)
            let alpha = Float(0.01) * (1 - Float.pow(b2, t)).squareRoot() / (1 - Float.pow(b1, t))
            for i in 0..<count {
                let mi = m[i] + (g[i] - m[i]) * (1 - b1)
                let vi = v[i] + (g[i] * g[i] - v[i]) * (1 - b2)
                m[i] = mi
                v[i] = vi
                w[i] -= (mi * alpha) / (vi.squareRoot() + eps)
            }
        }
        XCTAssertEqual(parameter.value.scalars, w)
    }
}
