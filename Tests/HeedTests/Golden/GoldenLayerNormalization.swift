@testable import Heed

/// Runs `LayerNormalization` golden cases: axis (int or list), epsilon, center and scale from
/// the case, weights by path.
enum GoldenLayerNormalization {
    static func run(_ c: GoldenLayerCase) throws -> GoldenLayerResult {
        let axisValue = c.kerasArgument("axis")
        guard let axis = axisValue.isNull ? [-1] : axisValue.ints else {
            throw GoldenError.unsupported("axis \(axisValue)")
        }
        let layer = try LayerNormalization<Float>(
            axis: axis, epsilon: c.kerasArgument("epsilon").double ?? 1e-3,
            center: c.kerasBool("center", default: true), scale: c.kerasBool("scale", default: true),
            name: c.kerasLayerName(default: "layer_norm"))
        let leaves = try c.floatInputLeaves()
        let x = try c.singleFloatLeaf(leaves, layer: "LayerNormalization")
        try layer.build(inputShape: x.shape)
        try c.assignGoldenWeights(to: layer)
        let y = try layer(x)
        var result = GoldenLayerResult()
        try result.backward(from: [c.mainOutputName: y], case: c, inputs: leaves, layer: layer)
        return result
    }
}
