extension Tensor {
    /// Applies a dropout keep mask: kept elements are scaled by `1 / (1 − rate)`, dropped ones
    /// become 0 (inverted dropout, as Keras does). The mask broadcasts against the tensor (a
    /// `noise_shape` with size-1 axes drops whole slices).
    ///
    /// The gradient is `g · keep / (1 − rate)`.
    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func applyingDropout(keepMask: Mask, rate: Double) throws -> Tensor {
        precondition(rate >= 0 && rate < 1, "dropout rate must be in [0, 1), got \(rate)")
        let scale = Scalar(1 / (1 - rate))
        let keep = Tensor(uncheckedShape: keepMask.shape, scalars: keepMask.values.map { $0 ? scale : 0 })
        return try self * keep
    }

    /// Draws a dropout keep mask: each element is kept with probability `1 − rate`.
    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public static func dropoutKeepMask(shape: [Int], rate: Double, generator: inout SeededGenerator) -> Mask {
        let values = (0..<Shape.count(shape)).map { _ in generator.nextUnit() >= rate }
        return Mask(uncheckedShape: shape, values: values)
    }
}
