/// What ``Attention`` computes: the attended values, the attention weights and the output's
/// Keras mask.
public struct AttentionResult<Scalar: TensorScalar>: Sendable {
    /// The weighted sums of the values, zero on query rows the query mask hides.
    ///
    /// Shape: `[batch, Tq, Dv]`.
    public var output: Tensor<Scalar>
    /// The attention weights after masking, softmax and dropout (what Keras returns with
    /// `return_attention_scores=True`); not zeroed by the query mask.
    ///
    /// Shape: `[batch, Tq, Tv]`.
    public var scores: Tensor<Scalar>
    /// The output's Keras mask: the query mask, `[batch, Tq]`, or `nil`.
    public var mask: Mask?

    /// The output with its mask.
    public var masked: MaskedTensor<Scalar> { MaskedTensor(output, mask: mask) }
}
