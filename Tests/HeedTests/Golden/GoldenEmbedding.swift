@testable import Heed

/// Runs `Embedding` cases: builds the layer from the case's arguments, looks up the int input
/// and reports the output, its mask and the gradient of the table.
enum GoldenEmbedding {
    static func run(_ c: GoldenLayerCase) throws -> GoldenLayerResult {
        guard let inputDim = c.kerasArgument("input_dim").int, let outputDim = c.kerasArgument("output_dim").int else {
            throw GoldenError.missing("input_dim/output_dim")
        }
        let layer = Embedding<Float>(inputDim: inputDim, outputDim: outputDim,
                                     maskZero: c.kerasArgument("mask_zero").bool ?? false,
                                     name: c.kerasLayerName(default: "embedding"))
        layer.build()
        try c.assignGoldenWeights(to: layer)
        let out = try layer.masked(c.input(c.callInputNames()[0]).intTensor())
        var result = GoldenLayerResult()
        if let mask = out.mask, let name = c.output_masks?.first?.name { result.outputMasks[name] = mask }
        try result.backward(from: [c.outputs[0].name: out.tensor], case: c, inputs: c.floatInputLeaves(), layer: layer)
        return result
    }
}
