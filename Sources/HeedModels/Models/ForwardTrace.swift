import Heed

/// What one forward pass of a ready model computed: the logits and, by name, the activations
/// and Keras masks inside the model, and the attention weights.
///
/// Activation names are the Keras layer names (`embedding`, `attention`, `mean_over_time`) or
/// the variable names of the Keras docs' pair model (`query_seq_encoding`, `concat`, …), so a
/// trace can be compared with a Keras reference model layer by layer.
public struct ForwardTrace<Scalar: TensorScalar>: Sendable {
    /// The model's raw output before its `OutputActivation`.
    ///
    /// Shape: `[batch, classes]` (`[batch, 1]` for a sigmoid output).
    public var logits: Tensor<Scalar>
    /// Named activations inside the model (graph attached while training).
    public var activations: [String: Tensor<Scalar>] = [:]
    /// Named Keras masks inside the model (`embedding_mask`).
    public var masks: [String: Mask] = [:]
    /// The attention weights of the model's attention layer, averaged over heads for multi-head
    /// attention.
    ///
    /// Shape: `[batch, Tq, Tv]`.
    public var attentionWeights: Tensor<Scalar>?

    /// A trace holding only the logits.
    public init(logits: Tensor<Scalar>) {
        self.logits = logits
    }
}
