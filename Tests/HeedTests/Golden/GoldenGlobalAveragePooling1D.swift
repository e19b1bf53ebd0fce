@testable import Heed

/// Runs `GlobalAveragePooling1D` cases, with the mask the call names (if any).
enum GoldenGlobalAveragePooling1D {
    static func run(_ c: GoldenLayerCase) throws -> GoldenLayerResult {
        let layer = GlobalAveragePooling1D<Float>(
            dataFormat: try DataFormat(kerasName: c.layerArg("data_format").string),
            keepDims: c.layerArg("keepdims").bool ?? false, name: c.layerName(default: "gap"))
        let leaves = try c.floatLeaves()
        guard let xName = c.callArg("inputs").array?.first?.string else { throw GoldenError.missing("call_args.inputs") }
        let out = try layer(c.leaf(xName, in: leaves), mask: c.optionalMask(c.callArg("mask")))
        var result = GoldenLayerResult()
        try result.backward(from: [c.outputs[0].name: out], case: c, inputs: leaves, layer: layer)
        return result
    }
}
