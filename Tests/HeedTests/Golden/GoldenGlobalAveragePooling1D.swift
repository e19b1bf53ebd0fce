@testable import Heed

/// Runs `GlobalAveragePooling1D` cases, with the mask the call names (if any).
enum GoldenGlobalAveragePooling1D {
    static func run(_ c: GoldenLayerCase) throws -> GoldenLayerResult {
        let layer = GlobalAveragePooling1D<Float>(
            dataFormat: try c.kerasArgument("data_format").string.map(DataFormat.init(kerasName:)) ?? .channelsLast,
            keepDims: c.kerasArgument("keepdims").bool ?? false, name: c.kerasLayerName(default: "gap"))
        let leaves = try c.floatInputLeaves()
        let out = try layer(c.floatLeaf(leaves, named: c.callInputNames()[0]), mask: c.maskInput(c.call_args["mask"]))
        var result = GoldenLayerResult()
        try result.backward(from: [c.outputs[0].name: out], case: c, inputs: leaves, layer: layer)
        return result
    }
}
