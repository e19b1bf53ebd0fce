@testable import Heed

/// Runs `MultiHeadAttention` golden cases: layer arguments, the query/value/key inputs by name
/// (the same name twice = the same tensor), an explicit attention mask, Keras masks attached to
/// the inputs, the causal flag, training with a recorded dropout keep mask, and the scores when
/// the case returns them.
enum GoldenMultiHeadAttention {
    static func run(_ c: GoldenLayerCase) throws -> GoldenLayerResult {
        let outputShape = c.kerasArgument("output_shape")
        let valueDim = c.kerasArgument("value_dim")
        let layer = try MultiHeadAttention<Float>(
            numHeads: c.kerasInt("num_heads"), keyDim: c.kerasInt("key_dim"),
            valueDim: valueDim.isNull ? nil : c.kerasInt("value_dim"),
            dropout: c.kerasArgument("dropout").double ?? 0, useBias: c.kerasBool("use_bias", default: true),
            outputShape: outputShape.isNull ? nil : outputShape.ints,
            name: c.kerasLayerName(default: "mha"))
        let leaves = try c.floatInputLeaves()
        let args = c.call_args
        func tensor(_ key: String) throws -> Tensor<Float>? {
            guard let name = args[key].string else { return nil }
            return try c.floatLeaf(leaves, named: name)
        }
        func mask(_ name: String?) throws -> Mask? {
            guard let name else { return nil }
            return try c.input(name).mask()
        }
        guard let query = try tensor("query"), let value = try tensor("value") else {
            throw GoldenError.missing("query or value in call_args \(args)")
        }
        let key = try tensor("key")
        // A Keras mask belongs to a tensor: when the same input is passed in two roles
        // (self-attention), it carries its mask into both.
        var masksByInput: [String: Mask] = [:]
        for role in ["query", "value", "key"] {
            if let input = args[role].string, let maskName = args["keras_masks"][role].string {
                masksByInput[input] = try mask(maskName)
            }
        }
        func kerasMask(_ role: String) -> Mask? { args[role].string.flatMap { masksByInput[$0] } }
        let training = args["training"].bool ?? false
        let keep = try c.derived?.first { $0.name == "dropout_keep_mask" }.map { try $0.mask() }
        if training && layer.dropout > 0 && keep == nil {
            throw GoldenError.missing("dropout_keep_mask for a training case with dropout")
        }
        let returnScores = args["return_attention_scores"].bool ?? false
        try layer.build(queryShape: query.shape, valueShape: value.shape, keyShape: key?.shape)
        try c.assignGoldenWeights(to: layer)
        let (y, scores) = try layer(
            query: MaskedTensor(query, mask: kerasMask("query")),
            value: MaskedTensor(value, mask: kerasMask("value")),
            key: key.map { MaskedTensor($0, mask: kerasMask("key")) },
            attentionMask: mask(args["attention_mask"].string),
            useCausalMask: args["use_causal_mask"].bool ?? false, returnAttentionScores: returnScores,
            training: training, dropoutKeepMask: keep)
        var outputs = [c.mainOutputName: y.tensor]
        if c.outputs.count > 1 {
            guard let scores else { throw GoldenError.unsupported("the case expects scores but return_attention_scores is off") }
            outputs[c.outputs[1].name] = scores
        }
        var result = GoldenLayerResult()
        try result.backward(from: outputs, case: c, inputs: leaves, layer: layer)
        if let m = y.mask { result.outputMasks[c.mainOutputName] = m }
        return result
    }
}
