import Heed

/// Keras `Attention` (dot scores) from the composite ops, one graph node per step: the unfused
/// path the fused kernel is compared with.
///
/// `mask` is the combined value/causal mask `[batch or 1, Tq, Tv]` (built once by the caller).
func compositeAttention(query: Tensor<Float>, key: Tensor<Float>, value: Tensor<Float>, scale: Tensor<Float>?,
                        mask: Mask?) throws -> Tensor<Float> {
    var scores = try Tensor.matmul(query, key, transposeB: true)
    if let scale { scores = try scores * scale }
    if let mask { scores = try Tensor.where(mask, scores, scores - 1e9) }
    return try Tensor.matmul(scores.softmax(alongAxis: -1), value)
}

/// The top-left anchored causal mask `[1, Tq, Tv]`: key `j` is visible to query `i` iff `i >= j`.
func causalMask(queryLength tq: Int, keyLength tv: Int) throws -> Mask {
    var values = [Bool](repeating: false, count: tq * tv)
    for i in 0..<tq { for j in 0..<min(tv, i + 1) { values[i * tv + j] = true } }
    return try Mask(shape: [1, tq, tv], values: values)
}
