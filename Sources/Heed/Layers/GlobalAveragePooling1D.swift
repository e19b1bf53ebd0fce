/// Averages a sequence over its time axis (Keras `GlobalAveragePooling1D`), optionally only
/// over the steps a mask keeps.
///
/// Shapes: channels-last `[batch, time, channels]` (channels-first `[batch, channels, time]`)
/// → `[batch, channels]`, or `[batch, 1, channels]` (`[batch, channels, 1]`) with `keepDims`;
/// mask `[batch, time]`. With a mask the mean is `Σ_t x·m / Σ_t m` per example, so a fully
/// masked example gives NaN, as in Keras. The output has no mask.
public final class GlobalAveragePooling1D<Scalar: TensorScalar>: Layer {
    /// The layer's name.
    public let name: String
    /// Where the channel axis is.
    public let dataFormat: DataFormat
    /// Whether the time axis is kept with size 1.
    public let keepDims: Bool

    /// A pooling layer; it has no weights.
    public init(dataFormat: DataFormat = .channelsLast, keepDims: Bool = false, name: String = "gap") {
        self.name = name
        self.dataFormat = dataFormat
        self.keepDims = keepDims
    }

    /// Always empty: the layer has no weights.
    public var parameters: [Parameter<Scalar>] { [] }

    /// The mean over time, over the steps `mask` keeps when given.
    ///
    /// Shapes: `[batch, time, channels]` (or channels-first), mask `[batch, time]` →
    /// `[batch, channels]` (time axis kept as 1 with `keepDims`).
    ///
    /// - Throws: ``TensorError/invalidRank(operation:expected:shape:)`` unless `x` has rank 3;
    ///   ``TensorError/shapeMismatch(operation:lhs:rhs:)`` when the mask is not `[batch, time]`.
    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func callAsFunction(_ x: Tensor<Scalar>, mask: Mask? = nil) throws -> Tensor<Scalar> {
        guard x.rank == 3 else {
            throw TensorError.invalidRank(operation: "GlobalAveragePooling1D '\(name)'",
                                          expected: "rank 3 [batch, time, channels]", shape: x.shape)
        }
        let timeAxis = dataFormat == .channelsLast ? 1 : 2
        guard let mask else { return try x.mean(alongAxis: timeAxis, keepDims: keepDims) }
        guard mask.shape == [x.shape[0], x.shape[timeAxis]] else {
            throw TensorError.shapeMismatch(operation: "GlobalAveragePooling1D '\(name)' mask [batch, time] vs input",
                                            lhs: mask.shape, rhs: x.shape)
        }
        // Keras multiplies by the 0/1 mask (a NaN at a masked step still poisons the mean).
        let weights: Tensor<Scalar> = try mask.asTensor().expandingShape(at: dataFormat == .channelsLast ? 2 : 1)
        let total = try (x * weights).sum(alongAxis: timeAxis, keepDims: keepDims)
        let count = try weights.sum(alongAxis: timeAxis, keepDims: keepDims)
        return try total / count
    }

    /// The masked mean using the tensor's own mask; the result carries no mask.
    ///
    /// Shapes: as the unmasked call.
    ///
    /// - Throws: as the unmasked call.
    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func callAsFunction(_ x: MaskedTensor<Scalar>) throws -> MaskedTensor<Scalar> {
        MaskedTensor(try self(x.tensor, mask: x.mask))
    }
}
