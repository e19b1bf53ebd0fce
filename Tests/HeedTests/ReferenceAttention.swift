@testable import Heed

/// The slow twin of `Tensor.dotProductAttention`: Keras `Attention` (dot scores) built from the
/// composite ops, one graph node per step.
///
/// `S = Q·Kᵀ (· scale)`, masked scores get `S − 1e9` through `where`, `W = softmax(S)`,
/// multiplied by `dropout` when given (a `[batch, Tq, Tv]` keep mask scaled by `1 / (1 − rate)`,
/// as `kernelDropoutMultipliers` draws it), `out = W·V`, and the query mask multiplies
/// the output rows. `pairMask` (broadcastable to `[batch, Tq, Tv]`) hides (query, key) pairs.
/// Returns the weights before and after dropout.
func referenceAttention<S: TensorScalar>(
    query: Tensor<S>, key: Tensor<S>, value: Tensor<S>, scale: Tensor<S>? = nil,
    valueMask: Mask? = nil, queryMask: Mask? = nil, pairMask: Mask? = nil, causal: Bool = false,
    dropout: Tensor<S>? = nil
) throws -> (output: Tensor<S>, weights: Tensor<S>, softmax: Tensor<S>) {
    let (b, tq, tv) = (query.shape[0], query.shape[1], key.shape[1])
    var scores = try Tensor.matmul(query, key, transposeB: true)
    if let scale { scores = try scores * scale }
    var mask: Mask? = pairMask
    if let valueMask {
        let keys = try valueMask.reshaped([b, 1, tv])
        mask = try mask.map { try $0 && keys } ?? keys
    }
    if causal {
        var lower = [Bool](repeating: false, count: tq * tv)
        for i in 0..<tq { for j in 0..<tv { lower[i * tv + j] = i >= j } }
        let c = try Mask(shape: [1, tq, tv], values: lower)
        mask = try mask.map { try $0 && c } ?? c
    }
    if let mask { scores = try Tensor.where(mask, scores, scores - S(1e9)) }
    let softmax = try scores.softmax(alongAxis: -1)
    let weights = try dropout.map { try softmax * $0 } ?? softmax
    var output = try Tensor.matmul(weights, value)
    if let queryMask { output = try output * queryMask.asTensor(S.self).reshaped([b, tq, 1]) }
    return (output, weights, softmax)
}

/// The keep mask the attention kernels hash from `seed`, scaled: `[batch, Tq, Tv]` of 0 or
/// `1 / (1 − rate)`.
func kernelDropoutMultipliers(seed: UInt64, rate: Float, batch: Int, queryLength: Int, keyLength: Int) -> [Float] {
    try! AttentionDropout(rate: Double(rate), seed: seed).multipliers(Float.self, batch: batch, queryLength: queryLength,
                                                                       keyLength: keyLength, operation: "test")
}

extension Tensor {
    /// The fused op with Keras `Attention`'s masks: a key mask `valueMask [batch, Tv]`, a query
    /// mask `queryMask [batch, Tq]` (output rows zeroed) and `causal`.
    static func dotProductAttention(
        query: Tensor, key: Tensor, value: Tensor, scale: Tensor? = nil,
        valueMask: Mask? = nil, queryMask: Mask? = nil, causal: Bool = false, returnWeights: Bool = false
    ) throws -> (output: Tensor, weights: Tensor?) {
        try dotProductAttention(query: query, key: key, value: value, scale: scale,
                                mask: AttentionMask(keys: valueMask, queries: queryMask, causal: causal),
                                returnWeights: returnWeights)
    }
}
