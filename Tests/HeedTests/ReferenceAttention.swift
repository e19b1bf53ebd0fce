@testable import Heed

/// The slow twin of `Tensor.dotProductAttention`: Keras `Attention` (dot scores) built from the
/// composite ops, one graph node per step.
///
/// `S = Q·Kᵀ (· scale)`, masked scores get `S − 1e9` through `where`, `W = softmax(S)`,
/// multiplied by `dropout` when given (a `[batch, Tq, Tv]` keep mask scaled by `1 / (1 − rate)`,
/// as `FlashAttention.dropoutMultipliers` draws it), `out = W·V`, and the query mask multiplies
/// the output rows. The returned weights are those after dropout.
func referenceAttention<S: TensorScalar>(
    query: Tensor<S>, key: Tensor<S>, value: Tensor<S>, scale: Tensor<S>? = nil,
    valueMask: Mask? = nil, queryMask: Mask? = nil, causal: Bool = false, dropout: Tensor<S>? = nil
) throws -> (output: Tensor<S>, weights: Tensor<S>) {
    let (b, tq, tv) = (query.shape[0], query.shape[1], key.shape[1])
    var scores = try Tensor.matmul(query, key, transposeB: true)
    if let scale { scores = try scores * scale }
    var mask: Mask?
    if let valueMask { mask = try valueMask.reshaped([b, 1, tv]) }
    if causal {
        var lower = [Bool](repeating: false, count: tq * tv)
        for i in 0..<tq { for j in 0..<tv { lower[i * tv + j] = i >= j } }
        let c = try Mask(shape: [1, tq, tv], values: lower)
        mask = try mask.map { try $0 && c } ?? c
    }
    if let mask { scores = try Tensor.where(mask, scores, scores - S(1e9)) }
    var weights = try scores.softmax(alongAxis: -1)
    if let dropout { weights = try weights * dropout }
    var output = try Tensor.matmul(weights, value)
    if let queryMask { output = try output * queryMask.asTensor(S.self).reshaped([b, tq, 1]) }
    return (output, weights)
}
