import Foundation
@testable import Heed

/// `x·W + b`, a minimal dense layer for training tests.
final class TestLinear<S: TensorScalar>: TensorLayer {
    let name: String
    let kernel: Parameter<S>
    let bias: Parameter<S>
    var parameters: [Parameter<S>] { [kernel, bias] }

    init(name: String, inputs: Int, outputs: Int, seed: UInt64) {
        self.name = name
        var g = LayerSeed.generator(seed: seed, name: name)
        kernel = Parameter(path: "kernel", value: Initializer.glorotUniform.make([inputs, outputs], generator: &g))
        bias = Parameter(path: "bias", value: .zeros([outputs]))
    }

    func forward(_ input: Tensor<S>, training: Bool) throws -> Tensor<S> {
        try Tensor.matmul(input, kernel.value) + bias.value
    }
}

/// Looks up ids `[batch, time]` and averages over time: `[batch, dim]`.
final class TestMeanEmbedding<S: TensorScalar>: IDsLayer {
    let name: String
    let table: Parameter<S>
    var parameters: [Parameter<S>] { [table] }

    init(name: String, vocabulary: Int, dimension: Int, seed: UInt64) {
        self.name = name
        var g = LayerSeed.generator(seed: seed, name: name)
        table = Parameter(path: "embeddings", value: Initializer.uniform(low: -0.5, high: 0.5).make([vocabulary, dimension], generator: &g))
    }

    func forward(_ ids: IntTensor, training: Bool) throws -> Tensor<S> {
        try table.value.gatheringRows(ids).mean(alongAxis: 1)
    }
}

/// Points in [-1, 1]² labelled by the side of the line x0 − 0.5·x1 = 0, with a margin of 0.05.
func separableData(count: Int, seed: UInt64) -> (x: Tensor<Float>, y: IntTensor) {
    var g = SeededGenerator(seed: seed)
    var xs: [Float] = [], ys: [Int32] = []
    while ys.count < count {
        let a = g.nextUniform(-1, 1), b = g.nextUniform(-1, 1)
        let side = a - 0.5 * b
        if abs(side) < 0.05 { continue }
        xs += [Float(a), Float(b)]
        ys.append(side > 0 ? 1 : 0)
    }
    return (try! Tensor(shape: [count, 2], scalars: xs), IntTensor(ys))
}

/// Linear(2→8) → ReLU → Linear(8→2), softmax predictions.
func makeClassifier(seed: UInt64) -> Sequential<Float, Tensor<Float>> {
    let model = Sequential<Float, Tensor<Float>>(name: "classifier", outputActivation: .softmax)
    model.add(TestLinear<Float>(name: "hidden", inputs: 2, outputs: 8, seed: seed))
    model.add { x, _ in x.relu() }
    model.add(TestLinear<Float>(name: "output", inputs: 8, outputs: 2, seed: seed))
    return model
}
