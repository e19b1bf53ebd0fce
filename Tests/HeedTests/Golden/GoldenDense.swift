@testable import Heed

/// Runs `Dense` cases on the named float input.
enum GoldenDense {
    static func run(_ c: GoldenLayerCase) throws -> GoldenLayerResult {
        guard let units = c.kerasArgument("units").int else { throw GoldenError.missing("units") }
        let layer = Dense<Float>(units: units, activation: try Activation(kerasName: c.kerasArgument("activation").string),
                                 useBias: c.kerasArgument("use_bias").bool ?? true, name: c.kerasLayerName(default: "dense"))
        let leaves = try c.floatInputLeaves()
        let x = try c.floatLeaf(leaves, named: c.callInputNames()[0])
        try layer.build(inputShape: x.shape)
        try c.assignGoldenWeights(to: layer)
        var result = GoldenLayerResult()
        try result.backward(from: [c.outputs[0].name: layer(x)], case: c, inputs: leaves, layer: layer)
        return result
    }
}
