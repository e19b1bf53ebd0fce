/// Dot-product (Luong) or concat attention of a query over a value sequence (Keras
/// `Attention`), with tf-keras' math: `.dot` scores are `q·kᵀ` (times `scale`, no `1/√d`),
/// `.concat` scores `concat_score_weight · Σ_d tanh(scale · (q + k))`; then the value and causal
/// masks (``AttentionMask``: Keras' `1e9` subtracted in the tensor's precision, so a fully hidden
/// row gets Keras' near-uniform weights, never NaN), softmax over the keys, dropout of the
/// weights in training (not renormalised), output = weights · value with the rows of hidden
/// queries set to 0.
///
/// Shapes: query `[batch, Tq, Dq]`, value `[batch, Tv, Dv]`, key `[batch, Tv, Dq]` (the value
/// when omitted) → output `[batch, Tq, Dv]`, weights `[batch, Tq, Tv]`; masks: query
/// `[batch, Tq]`, value `[batch, Tv]`. Weights: `scale` `[]` (only with `useScale`) and
/// `concat_score_weight` `[]` (always for `.concat`), both initialised to 1.
///
/// Dot scores run as one fused op,
/// ``Tensor/dotProductAttention(query:key:value:scale:mask:dropout:returnWeights:)``, dropout
/// included; concat scores use composite ops.
public final class Attention<Scalar: TensorScalar>: Layer {
    /// The layer's name, prefix of its weight names (`attention/scale`).
    public let name: String
    /// Whether a learnt scalar `scale` multiplies the scores (`.dot`) or the sum inside tanh
    /// (`.concat`).
    public let useScale: Bool
    /// How queries are scored against keys.
    public let scoreMode: AttentionScoreMode
    /// The fraction of attention weights dropped in training, in `[0, 1)`.
    public let dropout: Double
    /// The seed of the dropout stream.
    public let seed: UInt64
    private var randomness: TrainingRandomness

    /// The scalar `scale`, once built with `useScale`.
    public private(set) var scale: Parameter<Scalar>?
    /// The scalar `concat_score_weight`, once built with `.concat`.
    public private(set) var concatScoreWeight: Parameter<Scalar>?
    private var built = false

    /// An attention layer; its scalar weights are created on first use (or by
    /// ``build(inputShape:)``).
    public init(useScale: Bool = false, scoreMode: AttentionScoreMode = .dot, dropout: Double = 0,
                name: String = "attention", seed: UInt64 = 0) {
        precondition(dropout >= 0 && dropout < 1, "Attention: dropout must be in [0, 1), got \(dropout)")
        self.name = name
        self.useScale = useScale
        self.scoreMode = scoreMode
        self.dropout = dropout
        self.seed = seed
        randomness = TrainingRandomness(seed: seed, name: name + "/dropout")
    }

    /// `[scale, concat_score_weight]` as far as they exist (Keras creation order).
    public var parameters: [Parameter<Scalar>] { [scale, concatScoreWeight].compactMap { $0 } }

    /// Whether the weights exist.
    public var isBuilt: Bool { built }

    /// Creates the scalar weights if they do not exist yet. They do not depend on the input
    /// shapes, so `inputShape` is accepted for uniformity and otherwise ignored.
    public func build(inputShape: [Int] = []) {
        guard !built else { return }
        built = true
        if useScale { scale = Parameter(path: "scale", value: .ones([])) }
        if scoreMode == .concat { concatScoreWeight = Parameter(path: "concat_score_weight", value: .ones([])) }
    }

    /// Attends `query` over `value` (keyed by `key`, or by `value` itself).
    ///
    /// Shapes: query `[batch, Tq, Dq]`, value `[batch, Tv, Dv]`, key `[batch, Tv, Dq]`,
    /// queryMask `[batch, Tq]`, valueMask `[batch, Tv]`, dropoutKeepMask `[batch, Tq, Tv]` (or
    /// broadcastable to it) → output `[batch, Tq, Dv]`, weights `[batch, Tq, Tv]`.
    ///
    /// Dropout applies only when `training` and ``dropout`` > 0; `dropoutKeepMask` then replaces the
    /// random draw (for reproducing a recorded mask).
    ///
    /// - Throws: ``TensorError`` when ranks, batch sizes, sequence lengths, key and query
    ///   widths, or mask shapes do not fit.
    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func attend(
        query: Tensor<Scalar>, value: Tensor<Scalar>, key: Tensor<Scalar>? = nil,
        queryMask: Mask? = nil, valueMask: Mask? = nil, useCausalMask: Bool = false,
        training: Bool = false, dropoutKeepMask: Mask? = nil
    ) throws -> AttentionResult<Scalar> {
        build()
        let r = try attend(query: query, value: value, key: key, queryMask: queryMask, valueMask: valueMask,
                           useCausalMask: useCausalMask, training: training, dropoutKeepMask: dropoutKeepMask,
                           scale: scale?.value, concatScoreWeight: concatScoreWeight?.value)
        guard let scores = r.scores else { preconditionFailure("Attention: no weights were returned") }
        return AttentionResult(output: r.output, scores: scores, mask: queryMask)
    }

    /// The whole attention computation with the scalar weights passed in (`scale` iff
    /// ``useScale``, `concatScoreWeight` iff `.concat`), so that gradient checks can treat them
    /// as inputs. Without `returnScores`, dot scores keep no `[batch, Tq, Tv]` weights when no
    /// gradient is recorded.
    func attend(
        query: Tensor<Scalar>, value: Tensor<Scalar>, key: Tensor<Scalar>?, queryMask: Mask?, valueMask: Mask?,
        useCausalMask: Bool, training: Bool, dropoutKeepMask: Mask?, scale: Tensor<Scalar>?,
        concatScoreWeight: Tensor<Scalar>?, returnScores: Bool = true
    ) throws -> (output: Tensor<Scalar>, scores: Tensor<Scalar>?) {
        let key = key ?? value
        let op = "Attention '\(name)'"
        let mask = AttentionMask(keys: valueMask, queries: queryMask, causal: useCausalMask)
        let (b, tq, tv, _, _) = try Tensor.attentionSizes(query: query, key: key, value: value, scale: scale, operation: op)
        try Mask.check(queryMask, shape: [b, tq], operation: "\(op) (query mask [batch, Tq])")
        try Mask.check(valueMask, shape: [b, tv], operation: "\(op) (value mask [batch, Tv])")
        let drop = AttentionDropout.draw(rate: dropout, training: training, keepMask: dropoutKeepMask, generator: &randomness.generator)
        precondition((scale != nil) == useScale, "Attention: scale must be given iff useScale")
        guard scoreMode == .dot else {
            guard let weight = concatScoreWeight else { preconditionFailure("Attention: concat mode needs concat_score_weight") }
            // weight · Σ_d tanh(scale · (q + k)): [batch, Tq, 1, D] + [batch, 1, Tv, D] → [batch, Tq, Tv, D]
            var sum = try query.expandingShape(at: 2) + key.expandingShape(at: 1)
            if let scale { sum = try sum * scale }
            let scores = try sum.tanh().sum(alongAxis: -1) * weight
            let r = try Tensor.attention(scores: scores, value: value, mask: mask, dropout: drop, operation: op)
            return (r.output, r.applied)
        }
        let (output, weights) = try Tensor.dotProductAttention(
            query: query, key: key, value: value, scale: scale, mask: mask, dropout: drop, returnWeights: returnScores)
        // Keras returns the weights after dropout.
        return (output, try weights.map { try drop?.applied(to: $0, operation: op) ?? $0 })
    }

    /// The attended values; see ``attend(query:value:key:queryMask:valueMask:useCausalMask:training:dropoutKeepMask:)``.
    ///
    /// Shapes: query `[batch, Tq, Dq]`, value `[batch, Tv, Dv]`, key `[batch, Tv, Dq]` →
    /// `[batch, Tq, Dv]`.
    ///
    /// - Throws: ``TensorError`` when shapes do not fit.
    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func callAsFunction(
        query: Tensor<Scalar>, value: Tensor<Scalar>, key: Tensor<Scalar>? = nil,
        queryMask: Mask? = nil, valueMask: Mask? = nil, useCausalMask: Bool = false, training: Bool = false
    ) throws -> Tensor<Scalar> {
        build()
        return try attend(query: query, value: value, key: key, queryMask: queryMask, valueMask: valueMask,
                          useCausalMask: useCausalMask, training: training, dropoutKeepMask: nil, scale: scale?.value,
                          concatScoreWeight: concatScoreWeight?.value, returnScores: false).output
    }

    /// Attention between masked tensors, as Keras passes `[query_mask, value_mask]` from the
    /// inputs' masks; the output carries the query's mask (the key's mask is not used).
    ///
    /// Shapes: as ``attend(query:value:key:queryMask:valueMask:useCausalMask:training:dropoutKeepMask:)``.
    ///
    /// - Throws: ``TensorError`` when shapes do not fit.
    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func callAsFunction(
        query: MaskedTensor<Scalar>, value: MaskedTensor<Scalar>, key: MaskedTensor<Scalar>? = nil,
        useCausalMask: Bool = false, training: Bool = false
    ) throws -> MaskedTensor<Scalar> {
        MaskedTensor(try self(query: query.tensor, value: value.tensor, key: key?.tensor, queryMask: query.mask,
                              valueMask: value.mask, useCausalMask: useCausalMask, training: training),
                     mask: query.mask)
    }
}
