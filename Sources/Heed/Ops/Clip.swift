extension Tensor {
    /// Clamps every element to `[lower, upper]` (Keras `clip` / `tf.clip_by_value`).
    ///
    /// The gradient passes where `lower ≤ x ≤ upper` and is 0 outside, as in TensorFlow.
    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func clipped(lower: Scalar, upper: Scalar) -> Tensor {
        precondition(lower <= upper, "clipped(lower:upper:): lower \(lower) is above upper \(upper)")
        return unary(label: "clip", { Swift.min(Swift.max($0, lower), upper) },
                     derivative: { x, _ in x >= lower && x <= upper ? 1 : 0 })
    }
}
