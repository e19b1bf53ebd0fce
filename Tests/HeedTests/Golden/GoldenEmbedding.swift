@testable import Heed

/// Runs `Embedding` cases: builds the layer from the case's arguments, looks up the int input
/// and reports the output, its mask and the gradient of the table.
enum GoldenEmbedding {
    static func run(_ c: GoldenLayerCase) throws -> GoldenLayerResult {
        guard let inputDim = c.layerArg("input_dim").int, let outputDim = c.layerArg("output_dim").int else {
            throw GoldenError.missing("input_dim/output_dim")
        }
        let layer = Embedding<Float>(inputDim: inputDim, outputDim: outputDim,
                                     maskZero: c.layerArg("mask_zero").bool ?? false,
                                     name: c.layerName(default: "embedding"))
        layer.build()
        try c.assignWeights(to: layer)
        guard let idsName = c.callArg("inputs").array?.first?.string else { throw GoldenError.missing("call_args.inputs") }
        let out = try layer.masked(c.input(idsName).intTensor())
        var result = GoldenLayerResult()
        if let mask = out.mask, let name = c.output_masks?.first?.name { result.outputMasks[name] = mask }
        try result.backward(from: [c.outputs[0].name: out.tensor], case: c, inputs: c.floatLeaves(), layer: layer)
        return result
    }
}
