@testable import Heed

/// Runs `Attention` cases: inputs `[query, value]` or `[query, value, key]` by name (one tensor
/// may appear twice), masks `[query_mask, value_mask]`, causal mask, training with the recorded
/// dropout keep mask, and the returned scores when asked for.
enum GoldenAttention {
    static func run(_ c: GoldenLayerCase) throws -> GoldenLayerResult {
        let layer = Attention<Float>(
            useScale: c.layerArg("use_scale").bool ?? false,
            scoreMode: try AttentionScoreMode(kerasName: c.layerArg("score_mode").string),
            dropout: c.layerArg("dropout").double ?? 0, name: c.layerName(default: "attention"))
        layer.build()
        try c.assignWeights(to: layer)
        let leaves = try c.floatLeaves()
        guard let names = c.callArg("inputs").array?.compactMap(\.string), names.count == 2 || names.count == 3 else {
            throw GoldenError.unsupported("Attention inputs \(c.callArg("inputs")); expected [query, value(, key)]")
        }
        let query = try c.leaf(names[0], in: leaves), value = try c.leaf(names[1], in: leaves)
        let key = try names.count == 3 ? c.leaf(names[2], in: leaves) : nil
        let masks = c.callArg("mask").array ?? []
        guard masks.count <= 3 else { throw GoldenError.unsupported("Attention mask list \(c.callArg("mask"))") }
        let queryMask = try masks.count > 0 ? c.optionalMask(masks[0]) : nil
        let valueMask = try masks.count > 1 ? c.optionalMask(masks[1]) : nil
        let training = c.callArg("training").bool ?? false
        let keepMask = try c.dropoutKeepMask
        if training && layer.dropout > 0 && keepMask == nil { throw GoldenError.missing("derived dropout_keep_mask") }
        let attended = try layer.attend(
            query: query, value: value, key: key, queryMask: queryMask, valueMask: valueMask,
            useCausalMask: c.callArg("use_causal_mask").bool ?? false, training: training, keepMask: keepMask)
        var outputs = [c.outputs[0].name: attended.output]
        if c.callArg("return_attention_scores").bool ?? false {
            guard c.outputs.count == 2 else { throw GoldenError.missing("attention scores output") }
            outputs[c.outputs[1].name] = attended.scores
        }
        var result = GoldenLayerResult()
        if let mask = attended.mask, let name = c.output_masks?.first?.name { result.outputMasks[name] = mask }
        try result.backward(from: outputs, case: c, inputs: leaves, layer: layer)
        return result
    }
}
