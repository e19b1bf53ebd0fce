import Heed

/// Features `[count, 6]` and three classes from a fixed random linear rule.
func syntheticFeatures(count: Int, seed: UInt64) throws -> (x: Tensor<Float>, y: IntTensor) {
    var g = SeededGenerator(seed: seed)
    var xs: [Float] = [], ys: [Int32] = []
    for _ in 0..<count {
        let row = (0..<6).map { _ in Float(g.nextUniform(-1, 1)) }
        xs += row
        let scores = [row[0] + row[1] - row[2], row[3] - row[4], 0.3 * row[5]]
        ys.append(Int32(scores.indices.max { scores[$0] < scores[$1] } ?? 0))
    }
    return (try Tensor(shape: [count, 6], scalars: xs), IntTensor(ys))
}

/// Dense(6→16, relu) → Dense(16→3), softmax predictions, weights drawn from `seed`.
func makeMLP(seed: UInt64) throws -> Model<Float, Tensor<Float>> {
    let hidden = Dense<Float>(units: 16, activation: .relu, name: "hidden", seed: seed)
    let output = Dense<Float>(units: 3, name: "output", seed: seed)
    try hidden.build(inputShape: [1, 6])
    try output.build(inputShape: [1, 16])
    let model = Model<Float, Tensor<Float>>(name: "mlp", outputActivation: .softmax) { x, _ in
        try output(hidden(x))
    }
    model.add(hidden)
    model.add(output)
    return model
}

/// A flat copy of every weight, in `namedParameters()` order.
func flatWeights(_ model: Model<Float, Tensor<Float>>) throws -> [(name: String, values: [Float])] {
    try model.namedParameters().map { ($0.name, $0.parameter.value.scalars) }
}
