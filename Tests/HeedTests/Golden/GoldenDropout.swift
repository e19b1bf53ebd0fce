@testable import Heed

/// Runs `Dropout` cases; in training the recorded keep mask replaces the random draw.
enum GoldenDropout {
    static func run(_ c: GoldenLayerCase) throws -> GoldenLayerResult {
        guard let rate = c.kerasArgument("rate").double else { throw GoldenError.missing("rate") }
        let noiseShape = c.kerasArgument("noise_shape").array.map { dims in dims.map(\.int) }
        let layer = Dropout<Float>(rate: rate, noiseShape: noiseShape, name: c.kerasLayerName(default: "dropout"))
        let training = c.call_args["training"].bool ?? false
        let keepMask = try c.recordedDropoutKeepMask()
        if training && rate > 0 && keepMask == nil { throw GoldenError.missing("derived dropout_keep_mask") }
        let leaves = try c.floatInputLeaves()
        let out = try layer(c.floatLeaf(leaves, named: c.callInputNames()[0]), training: training, keepMask: keepMask)
        var result = GoldenLayerResult()
        try result.backward(from: [c.outputs[0].name: out], case: c, inputs: leaves, layer: layer)
        return result
    }
}
