@testable import Heed

/// Runs `Conv1D` golden cases: builds the layer from the case's Keras arguments, assigns the
/// weights by path and calls it on the case's input.
enum GoldenConv1D {
    static func run(_ c: GoldenLayerCase) throws -> GoldenLayerResult {
        let activation = try Activation(kerasName: c.kerasArgument("activation").string)
        let layer = try Conv1D<Float>(
            filters: c.kerasInt("filters"), kernelSize: c.kerasInt("kernel_size"),
            strides: c.kerasInt("strides", default: 1),
            padding: Padding(kerasName: c.kerasArgument("padding").string ?? "valid"),
            dataFormat: DataFormat(kerasName: c.kerasArgument("data_format").string ?? "channels_last"),
            dilationRate: c.kerasInt("dilation_rate", default: 1), groups: c.kerasInt("groups", default: 1),
            activation: activation, useBias: c.kerasBool("use_bias", default: true),
            name: c.kerasLayerName(default: "conv1d"))
        let leaves = try c.floatInputLeaves()
        let x = try c.singleFloatLeaf(leaves, layer: "Conv1D")
        try layer.build(inputShape: x.shape)
        try c.assignGoldenWeights(to: layer)
        let y = try layer(x)
        var result = GoldenLayerResult()
        try result.backward(from: [c.mainOutputName: y], case: c, inputs: leaves, layer: layer)
        return result
    }
}
