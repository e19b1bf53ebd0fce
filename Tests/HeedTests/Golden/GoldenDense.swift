@testable import Heed

/// Runs `Dense` cases on the named float input.
enum GoldenDense {
    static func run(_ c: GoldenLayerCase) throws -> GoldenLayerResult {
        guard let units = c.layerArg("units").int else { throw GoldenError.missing("units") }
        let layer = Dense<Float>(units: units, activation: try Activation(kerasName: c.layerArg("activation").string),
                                 useBias: c.layerArg("use_bias").bool ?? true, name: c.layerName(default: "dense"))
        let leaves = try c.floatLeaves()
        guard let xName = c.callArg("inputs").array?.first?.string else { throw GoldenError.missing("call_args.inputs") }
        let x = try c.leaf(xName, in: leaves)
        try layer.build(inputShape: x.shape)
        try c.assignWeights(to: layer)
        var result = GoldenLayerResult()
        try result.backward(from: [c.outputs[0].name: layer(x)], case: c, inputs: leaves, layer: layer)
        return result
    }
}
