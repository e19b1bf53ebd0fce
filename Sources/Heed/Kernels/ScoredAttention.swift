extension AttentionVisibility {
    /// `[B, Tq, Tv]`: whether query `i` of problem `b` sees key `j` (``sees(mask:query:key:)``),
    /// or `nil` when nothing is hidden.
    func visibleScores(batch: Int) -> Mask? {
        guard keys != nil || pairs != nil || seeing != nil || causal else { return nil }
        let (tq, tv) = (queryLength, keyLength)
        let visible = (0..<(batch * tq * tv)).map { x in
            let (row, j) = x.quotientAndRemainder(dividingBy: tv)
            return sees(mask: row / tq / group, query: row % tq, key: j)
        }
        return Mask(uncheckedShape: [batch, tq, tv], values: visible)
    }
}

extension Tensor {
    /// Keras' attention from scores already formed, in composite ops: the path for scores the
    /// kernels do not form (`Attention`'s concat scores), with the kernels' masking and dropout.
    ///
    /// Shapes: scores `[B, Tq, Tv]`, value `[B, Tv, Dv]` → output `[B, Tq, Dv]`, `applied` (the
    /// weights after dropout) `[B, Tq, Tv]`.
    ///
    /// - Throws: ``TensorError/shapeMismatch(operation:lhs:rhs:)`` naming `operation` when a mask,
    ///   a keep mask or the value does not fit the scores.
    static func attention(scores: Tensor, value: Tensor, mask: AttentionMask, dropout: AttentionDropout?,
                          operation: String) throws -> (output: Tensor, applied: Tensor) {
        let (batch, tq, tv) = (scores.shape[0], scores.shape[1], scores.shape[2])
        let visibility = try AttentionVisibility(mask, batch: batch, queryLength: tq, keyLength: tv, operation: operation)
        var scores = scores
        if let visible = visibility.visibleScores(batch: batch) {
            scores = try Tensor.where(visible, scores, scores - Scalar(AttentionMask.penalty))
        }
        let weights = try scores.softmax(alongAxis: -1)
        let applied = try dropout?.applied(to: weights, operation: operation) ?? weights
        var output = try Tensor.matmul(applied, value)
        if visibility.queries != nil {
            let rows = (0..<(batch * tq)).map { visibility.keepsRow($0) ? Scalar(1) : 0 }
            output = try output * Tensor(uncheckedShape: [batch, tq, 1], scalars: rows)
        }
        return (output, applied)
    }
}
