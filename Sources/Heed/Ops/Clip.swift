extension Tensor {
    /// Clamps every element to `[lower, upper]` (Keras `clip` / `tf.clip_by_value`).
    ///
    /// The gradient passes where `lower ≤ x ≤ upper` and is 0 outside, as in TensorFlow.
    public func clipped(lower: Scalar, upper: Scalar) -> Tensor {
        precondition(lower <= upper, "clipped(lower:upper:): lower \(lower) is above upper \(upper)")
        return unary(label: "clip", { Swift.min(Swift.max($0, lower), upper) },
                     derivative: { x, _ in x >= lower && x <= upper ? 1 : 0 })
    }
}
