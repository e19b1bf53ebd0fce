extension AttentionVisibility {
    /// `[B, Tq, Tv]`: whether query `i` of problem `b` sees key `j` (the key and pair masks, and
    /// under `causal` only keys at or before the query), or `nil` when nothing is hidden.
    func visibleScores(batch: Int) -> Mask? {
        guard keys != nil || pairs != nil || causal else { return nil }
        let (tq, tv) = (queryLength, keyLength)
        var visible = [Bool](repeating: true, count: batch * tq * tv)
        for b in 0..<batch {
            let m = b / group
            for i in 0..<tq {
                let row = (b * tq + i) * tv
                let end = causal ? AttentionMask.causalKeyEnd(query: i, keyLength: tv) : tv
                for j in 0..<tv {
                    visible[row + j] = j < end && (keys?[m * tv + j] ?? true) && (pairs?[(m * tq + i) * tv + j] ?? true)
                }
            }
        }
        return Mask(uncheckedShape: [batch, tq, tv], values: visible)
    }
}

extension Tensor {
    /// Keras' attention from scores already formed, in composite ops (where, softmax, dropout,
    /// matmul): the path for scores the kernels do not form (`Attention`'s concat scores).
    ///
    /// The scores of keys that `mask` hides are lowered by ``AttentionMask/penalty`` in the
    /// scalar type, as the kernels do; the softmax runs over the keys; `keepMask` drops weights
    /// with `rate` (inverted scaling); `mask.queries` zeroes output rows.
    ///
    /// Shapes: scores `[B, Tq, Tv]`, value `[B, Tv, Dv]`, keepMask broadcastable to `[B, Tq, Tv]` → output
    /// `[B, Tq, Dv]`, `weights` (the softmax) and `applied` (after dropout) `[B, Tq, Tv]`.
    ///
    /// - Throws: ``TensorError/shapeMismatch(operation:lhs:rhs:)`` naming `operation` when a mask
    ///   or the value does not fit the scores.
    static func attention(scores: Tensor, value: Tensor, mask: AttentionMask, keepMask: Mask? = nil, rate: Double = 0,
                          operation: String) throws -> (output: Tensor, weights: Tensor, applied: Tensor) {
        let (batch, tq, tv) = (scores.shape[0], scores.shape[1], scores.shape[2])
        let visibility = try AttentionVisibility(mask, batch: batch, queryLength: tq, keyLength: tv, operation: operation)
        var scores = scores
        if let visible = visibility.visibleScores(batch: batch) {
            scores = try Tensor.where(visible, scores, scores - Scalar(AttentionMask.penalty))
        }
        let weights = try scores.softmax(alongAxis: -1)
        var applied = weights
        if let keepMask, rate > 0 {
            guard let keep = try? keepMask.broadcast(to: weights.shape) else {
                throw TensorError.shapeMismatch(operation: "\(operation) keep mask vs weights [batch, Tq, Tv]",
                                                lhs: keepMask.shape, rhs: weights.shape)
            }
            applied = try weights.applyingDropout(keepMask: keep, rate: rate)
        }
        var output = try Tensor.matmul(applied, value)
        if let queries = visibility.queries {
            let rows = (0..<(batch * tq)).map { queries[($0 / tq / visibility.group) * tq + $0 % tq] ? Scalar(1) : 0 }
            output = try output * Tensor(uncheckedShape: [batch, tq, 1], scalars: rows)
        }
        return (output, weights, applied)
    }
}
