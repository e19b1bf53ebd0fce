@testable import Heed

/// Runs `Attention` cases: inputs `[query, value]` or `[query, value, key]` by name (one tensor
/// may appear twice), masks `[query_mask, value_mask]`, causal mask, training with the recorded
/// dropout keep mask, and the returned scores when asked for.
enum GoldenAttention {
    static func run(_ c: GoldenLayerCase) throws -> GoldenLayerResult {
        let layer = Attention<Float>(
            useScale: c.kerasArgument("use_scale").bool ?? false,
            scoreMode: try AttentionScoreMode(kerasName: c.kerasArgument("score_mode").string),
            dropout: c.kerasArgument("dropout").double ?? 0, name: c.kerasLayerName(default: "attention"))
        layer.build()
        try c.assignGoldenWeights(to: layer)
        let leaves = try c.floatInputLeaves()
        let names = try c.callInputNames()
        guard names.count == 2 || names.count == 3 else {
            throw GoldenError.unsupported("Attention inputs \(names); expected [query, value] or [query, value, key]")
        }
        let query = try c.floatLeaf(leaves, named: names[0]), value = try c.floatLeaf(leaves, named: names[1])
        let key = try names.count == 3 ? c.floatLeaf(leaves, named: names[2]) : nil
        let masks = c.call_args["mask"].array ?? []
        guard masks.count <= 3 else { throw GoldenError.unsupported("Attention mask list \(c.call_args["mask"])") }
        let queryMask = try masks.count > 0 ? c.maskInput(masks[0]) : nil
        let valueMask = try masks.count > 1 ? c.maskInput(masks[1]) : nil
        let training = c.call_args["training"].bool ?? false
        let keepMask = try c.recordedDropoutKeepMask()
        if training && layer.dropout > 0 && keepMask == nil { throw GoldenError.missing("derived dropout_keep_mask") }
        let attended = try layer.attend(
            query: query, value: value, key: key, queryMask: queryMask, valueMask: valueMask,
            useCausalMask: c.call_args["use_causal_mask"].bool ?? false, training: training, dropoutKeepMask: keepMask)
        var outputs = [c.mainOutputName: attended.output]
        if c.call_args["return_attention_scores"].bool ?? false {
            guard c.outputs.count == 2 else { throw GoldenError.missing("attention scores output") }
            outputs[c.outputs[1].name] = attended.scores
        }
        var result = GoldenLayerResult()
        if let mask = attended.mask, let name = c.output_masks?.first?.name { result.outputMasks[name] = mask }
        try result.backward(from: outputs, case: c, inputs: leaves, layer: layer)
        return result
    }
}
