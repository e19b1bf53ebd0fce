/// Shifts and scales features to mean 0 and standard deviation 1 with statistics computed
/// once from data (Keras `Normalization(axis=-1)` and its `adapt`).
///
/// The output is `(x − mean) / max(√variance, 1e-7)` per feature (the last axis), where `mean`
/// and `variance` are the layer's two non-trainable weights: zeros and ones until
/// ``adapt(_:)`` sets them to the mean and population variance of each feature over all other
/// axes of the data. They are saved and restored with the other weights, and no gradient
/// reaches them; the gradient with respect to `x` is `1 / max(√variance, 1e-7)`. Keras' third
/// weight, the sample `count` of incremental adapting, is not kept: ``adapt(_:)`` sees all the
/// data at once.
///
/// Shapes: `[..., features]` → the same shape.
public final class Normalization<Scalar: TensorScalar>: Layer {
    /// The layer's name.
    public let name: String
    /// Each feature's mean (`mean`), once built.
    public private(set) var mean: Parameter<Scalar>?
    /// Each feature's variance (`variance`), once built.
    public private(set) var variance: Parameter<Scalar>?

    /// Keras' `backend.epsilon()`, the smallest standard deviation divided by.
    public static var epsilon: Double { 1e-7 }

    /// A layer whose weights are created by ``build(features:)`` or ``adapt(_:)``.
    public init(name: String = "normalization") {
        self.name = name
    }

    /// `mean` then `variance`, as Keras creates them.
    public var parameters: [Parameter<Scalar>] { [mean, variance].compactMap { $0 } }

    /// Creates `mean` (zeros) and `variance` (ones) for `features` features; does nothing if
    /// already built.
    ///
    /// - Throws: ``TensorError/invalidArgument(operation:message:)`` when `features < 1`.
    public func build(features: Int) throws {
        guard mean == nil else { return }
        guard features >= 1 else {
            throw TensorError.invalidArgument(operation: "Normalization '\(name)'", message: "features \(features) must be at least 1")
        }
        mean = Parameter(path: "mean", value: Tensor.zeros([features]), trainable: false)
        variance = Parameter(path: "variance", value: Tensor.ones([features]), trainable: false)
    }

    /// Sets `mean` and `variance` to each feature's mean and population variance over every
    /// row of `data`, building the weights first if needed.
    ///
    /// Shapes: `data` `[..., features]` with at least one row.
    /// - Throws: ``TensorError/invalidRank(operation:expected:shape:)`` for a scalar;
    ///   ``TensorError/invalidArgument(operation:message:)`` for no rows or a feature count
    ///   other than the built one.
    public func adapt(_ data: Tensor<Scalar>) throws {
        guard data.rank >= 1 else {
            throw TensorError.invalidRank(operation: "Normalization '\(name)' adapt", expected: "[..., features]", shape: data.shape)
        }
        let features = data.shape[data.rank - 1]
        let rows = features == 0 ? 0 : data.scalars.count / features
        guard rows >= 1 else {
            throw TensorError.invalidArgument(operation: "Normalization '\(name)' adapt", message: "the data \(data.shape) has no rows")
        }
        try build(features: features)
        guard let mean, let variance, mean.shape == [features] else {
            throw TensorError.invalidArgument(
                operation: "Normalization '\(name)' adapt",
                message: "the data has \(features) features, the layer \(mean?.shape.first ?? 0)")
        }
        // Sums in Double, centred on the mean, so that large offsets do not cancel.
        var sums = [Double](repeating: 0, count: features)
        for (i, x) in data.scalars.enumerated() { sums[i % features] += Double(x) }
        let means = sums.map { $0 / Double(rows) }
        var squares = [Double](repeating: 0, count: features)
        for (i, x) in data.scalars.enumerated() {
            let d = Double(x) - means[i % features]
            squares[i % features] += d * d
        }
        try mean.assign(Tensor(shape: [features], scalars: means.map { Scalar($0) }))
        try variance.assign(Tensor(shape: [features], scalars: squares.map { Scalar($0 / Double(rows)) }))
    }

    /// The normalised features.
    ///
    /// Shapes: `[..., features]` → the same shape.
    /// - Throws: ``TensorError/invalidArgument(operation:message:)`` before the weights exist;
    ///   ``TensorError/shapeMismatch(operation:lhs:rhs:)`` when the last axis is not the
    ///   layer's feature count.
    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func callAsFunction(_ x: Tensor<Scalar>) throws -> Tensor<Scalar> {
        guard let mean, let variance else {
            throw TensorError.invalidArgument(operation: "Normalization '\(name)'",
                                              message: "has no mean and variance yet: call build(features:) or adapt(_:) first")
        }
        guard x.rank >= 1, x.shape[x.rank - 1] == mean.shape[0] else {
            throw TensorError.shapeMismatch(operation: "Normalization '\(name)' features", lhs: mean.shape, rhs: x.shape)
        }
        // Constants of the graph: the weights are not trained, so no gradient is kept for them.
        let shift = try Tensor<Scalar>(shape: mean.shape, scalars: mean.value.scalars)
        let scale = try Tensor<Scalar>(shape: variance.shape, scalars: variance.value.scalars.map {
            Scalar(1 / Swift.max(Double($0).squareRoot(), Self.epsilon))
        })
        return try (x - shift) * scale
    }
}
