import Heed

/// One post-norm Transformer encoder block: self-attention with the padding mask, dropout,
/// residual, layer norm, then a ReLU feed-forward layer and a projection back, dropout,
/// residual, layer norm.
///
/// Shapes: `[batch, time, embedDim]` with mask `[batch, time]` → the same. Its layers are
/// named `<prefix>_attention`, `<prefix>_norm1`, `<prefix>_ffn1`, `<prefix>_ffn2`,
/// `<prefix>_norm2` (plus weightless dropouts), and a model registers each of them.
public final class TransformerEncoderBlock<Scalar: TensorScalar> {
    /// Multi-head self-attention.
    public let attention: MultiHeadAttention<Scalar>
    /// Dropout after the attention.
    public let attentionDropout: Dropout<Scalar>
    /// Layer norm after the attention residual.
    public let norm1: LayerNormalization<Scalar>
    /// The widening feed-forward layer (ReLU).
    public let ffn1: Dense<Scalar>
    /// The projection back to `embedDim`.
    public let ffn2: Dense<Scalar>
    /// Dropout after the feed-forward layers.
    public let ffnDropout: Dropout<Scalar>
    /// Layer norm after the feed-forward residual.
    public let norm2: LayerNormalization<Scalar>

    /// A block of the given sizes, its layer names starting with `prefix`.
    ///
    /// - Throws: `TensorError.invalidArgument(operation:message:)` for sizes that are not
    ///   positive or a dropout rate outside `[0, 1)`.
    public init(prefix: String, embedDim: Int, numHeads: Int, keyDim: Int, ffDim: Int, dropout: Double, seed: UInt64) throws {
        attention = try MultiHeadAttention(numHeads: numHeads, keyDim: keyDim, name: "\(prefix)_attention", seed: seed)
        attentionDropout = Dropout(rate: dropout, seed: seed, name: "\(prefix)_dropout1")
        norm1 = try LayerNormalization(axis: -1, name: "\(prefix)_norm1")
        ffn1 = Dense(units: ffDim, activation: .relu, name: "\(prefix)_ffn1", seed: seed)
        ffn2 = Dense(units: embedDim, name: "\(prefix)_ffn2", seed: seed)
        ffnDropout = Dropout(rate: dropout, seed: seed, name: "\(prefix)_dropout2")
        norm2 = try LayerNormalization(axis: -1, name: "\(prefix)_norm2")
        let shape = [1, 1, embedDim]
        try attention.build(queryShape: shape, valueShape: shape)
        try norm1.build(inputShape: shape)
        try ffn1.build(inputShape: shape)
        try ffn2.build(inputShape: [1, 1, ffDim])
        try norm2.build(inputShape: shape)
    }

    /// Registers the block's layers with `model`.
    public func register<Input>(in model: Model<Scalar, Input>) {
        model.add(attention)
        model.add(attentionDropout)
        model.add(norm1)
        model.add(ffn1)
        model.add(ffn2)
        model.add(ffnDropout)
        model.add(norm2)
    }

    /// The block applied to `x`; returns the output and, with `returnAttentionScores`, the
    /// attention weights `[batch, heads, time, time]`.
    ///
    /// - Throws: `TensorError` when shapes do not fit.
    public func callAsFunction(_ x: Tensor<Scalar>, mask: Mask?, training: Bool, returnAttentionScores: Bool = true) throws
        -> (output: Tensor<Scalar>, scores: Tensor<Scalar>?) {
        let (attended, scores) = try attention(query: x, value: x, queryMask: mask, valueMask: mask,
                                               returnAttentionScores: returnAttentionScores, training: training)
        let h = try norm1(x + attentionDropout(attended, training: training))
        let f = try ffn2(ffn1(h))
        return (try norm2(h + ffnDropout(f, training: training)), scores)
    }
}
