@testable import Heed

/// Runs `Dropout` cases; in training the recorded keep mask replaces the random draw.
enum GoldenDropout {
    static func run(_ c: GoldenLayerCase) throws -> GoldenLayerResult {
        guard let rate = c.layerArg("rate").double else { throw GoldenError.missing("rate") }
        let noiseShape = c.layerArg("noise_shape").array.map { dims in dims.map(\.int) }
        let layer = Dropout<Float>(rate: rate, noiseShape: noiseShape, name: c.layerName(default: "dropout"))
        let training = c.callArg("training").bool ?? false
        let keepMask = try c.dropoutKeepMask
        if training && rate > 0 && keepMask == nil { throw GoldenError.missing("derived dropout_keep_mask") }
        let leaves = try c.floatLeaves()
        guard let xName = c.callArg("inputs").array?.first?.string else { throw GoldenError.missing("call_args.inputs") }
        let out = try layer(c.leaf(xName, in: leaves), training: training, keepMask: keepMask)
        var result = GoldenLayerResult()
        try result.backward(from: [c.outputs[0].name: out], case: c, inputs: leaves, layer: layer)
        return result
    }
}
