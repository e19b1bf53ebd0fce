/// Keras' `LayerNormalization`: normalises each example over `axis` to zero mean and unit
/// variance, then scales by `gamma` and shifts by `beta`.
///
/// `y = (x − mean) / sqrt(var + epsilon) · gamma + beta`, with the mean and the biased
/// variance (divided by the count) taken per example over all listed axes, in two passes.
///
/// Shapes: any input of rank ≥ 1, e.g. `[batch, time, features]` → the same shape.
///
/// Weights (created on first use, in this order): `gamma` if `scale`, `beta` if `center`, both
/// shaped like the input's sizes at the (sorted) normalised axes, e.g. `[features]` for
/// `axis: [-1]`, `[time, features]` for `axis: [1, 2]`.
///
/// A mask passes through unchanged; padded steps are normalised like any other.
public final class LayerNormalization<Scalar: TensorScalar>: Layer {
    /// The layer's name, the prefix of its weights' full names.
    public let name: String
    /// The normalised axes as given (negative values count from the end).
    public let axis: [Int]
    /// Added to the variance before the square root (Keras' default 1e-3).
    public let epsilon: Double
    /// Whether `beta` is added.
    public let center: Bool
    /// Whether the result is multiplied by `gamma`.
    public let scale: Bool

    /// The scale, once built with `scale`.
    public private(set) var gamma: Parameter<Scalar>?
    /// The shift, once built with `center`.
    public private(set) var beta: Parameter<Scalar>?
    /// The axes in `0..<rank`, sorted, once built.
    public private(set) var resolvedAxes: [Int]?

    /// The weights in Keras creation order (empty before the layer is built).
    public var parameters: [Parameter<Scalar>] { [gamma, beta].compactMap { $0 } }

    /// A layer normalising over the listed axes.
    ///
    /// - Throws: ``TensorError/invalidArgument(operation:message:)`` for an empty axis list, an
    ///   axis listed twice or a negative epsilon.
    public init(axis: [Int] = [-1], epsilon: Double = 1e-3, center: Bool = true, scale: Bool = true,
                name: String = "layer_norm") throws {
        guard !axis.isEmpty, Set(axis).count == axis.count else {
            throw TensorError.invalidArgument(operation: "LayerNormalization '\(name)'",
                                              message: "axis \(axis) must list at least one axis, each once")
        }
        guard epsilon >= 0 else {
            throw TensorError.invalidArgument(operation: "LayerNormalization '\(name)'",
                                              message: "epsilon \(epsilon) must not be negative")
        }
        self.axis = axis
        self.epsilon = epsilon
        self.center = center
        self.scale = scale
        self.name = name
    }

    /// A layer normalising over one axis.
    ///
    /// - Throws: ``TensorError/invalidArgument(operation:message:)`` for a negative epsilon.
    public convenience init(axis: Int, epsilon: Double = 1e-3, center: Bool = true, scale: Bool = true,
                            name: String = "layer_norm") throws {
        try self.init(axis: [axis], epsilon: epsilon, center: center, scale: scale, name: name)
    }

    /// Whether the weights exist.
    public var isBuilt: Bool { resolvedAxes != nil }

    /// Resolves the axes for inputs of `inputShape` and creates `gamma` (ones) and `beta`
    /// (zeros); does nothing if already built.
    ///
    /// - Throws: ``TensorError/invalidAxis(operation:axis:rank:)`` for an axis outside the
    ///   input's rank; ``TensorError/invalidArgument(operation:message:)`` when two axes name
    ///   the same dimension.
    public func build(inputShape: [Int]) throws {
        guard !isBuilt else { return }
        let rank = inputShape.count
        let axes = try axis.map { try Shape.normalize(axis: $0, rank: rank, operation: "LayerNormalization '\(name)'") }.sorted()
        guard Set(axes).count == axes.count else {
            throw TensorError.invalidArgument(operation: "LayerNormalization '\(name)'",
                                              message: "axis \(axis) names the same dimension twice for rank \(rank)")
        }
        let paramShape = axes.map { inputShape[$0] }
        if scale { gamma = Parameter(path: "gamma", value: Tensor.ones(paramShape)) }
        if center { beta = Parameter(path: "beta", value: Tensor.zeros(paramShape)) }
        resolvedAxes = axes
    }

    /// Normalises `input`, building the weights on first use.
    ///
    /// Shapes: `[..., normalised axes ...]` → the same shape.
    ///
    /// - Throws: ``TensorError`` when the input does not have the rank or the sizes the layer
    ///   was built for.
    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func callAsFunction(_ input: Tensor<Scalar>) throws -> Tensor<Scalar> {
        try build(inputShape: input.shape)
        guard let axes = resolvedAxes else { preconditionFailure("LayerNormalization '\(name)' is not built") }
        guard axes.allSatisfy({ $0 < input.rank }) else {
            throw TensorError.invalidRank(operation: "LayerNormalization '\(name)'",
                                          expected: "a rank above \(axes.max() ?? 0) (the layer's axes \(axes))", shape: input.shape)
        }
        return try LayerNormalization.apply(input, axes: axes, gamma: gamma?.value, beta: beta?.value,
                                            epsilon: epsilon, layerName: name)
    }

    /// Normalises a masked tensor; the mask passes through unchanged.
    ///
    /// - Throws: as ``callAsFunction(_:)-(Tensor<Scalar>)``.
    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func callAsFunction(_ input: MaskedTensor<Scalar>) throws -> MaskedTensor<Scalar> {
        MaskedTensor(try self(input.tensor), mask: input.mask)
    }

    /// The layer's computation with explicit weights (differentiable in all of them).
    ///
    /// Shapes: `input` of any rank; `gamma` and `beta` shaped like the input's sizes at `axes`
    /// (sorted) → the input's shape.
    ///
    /// - Throws: ``TensorError`` for an axis out of range or weights of the wrong shape.
    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public static func apply(
        _ input: Tensor<Scalar>, axes: [Int], gamma: Tensor<Scalar>?, beta: Tensor<Scalar>?,
        epsilon: Double = 1e-3, layerName: String = "layer_norm"
    ) throws -> Tensor<Scalar> {
        let op = "LayerNormalization '\(layerName)'"
        let sorted = try axes.map { try Shape.normalize(axis: $0, rank: input.rank, operation: op) }.sorted()
        guard Set(sorted).count == sorted.count else {
            throw TensorError.invalidArgument(operation: op, message: "axes \(axes) name the same dimension twice")
        }
        let paramShape = sorted.map { input.shape[$0] }
        for (weight, label) in [(gamma, "gamma"), (beta, "beta")] {
            guard let weight, weight.shape != paramShape else { continue }
            throw TensorError.shapeMismatch(operation: "\(op) \(label)", lhs: weight.shape, rhs: paramShape)
        }
        let trailing = sorted == Array((input.rank - sorted.count)..<input.rank)
        let features = paramShape.reduce(1, *)
        if trailing && features > 0 {
            return Tensor.layerNormRows(input, features: features, gamma: gamma, beta: beta, epsilon: Scalar(epsilon))
        }
        return try composite(input, axes: sorted, gamma: gamma, beta: beta, epsilon: epsilon)
    }

    /// The normalisation composed from mean, subtraction, variance and division: the general
    /// path for axes that are not the trailing ones, and the reference twin of the fused one.
    static func composite(
        _ input: Tensor<Scalar>, axes sorted: [Int], gamma: Tensor<Scalar>?, beta: Tensor<Scalar>?, epsilon: Double
    ) throws -> Tensor<Scalar> {
        var broadcastShape = [Int](repeating: 1, count: input.rank)
        for a in sorted { broadcastShape[a] = input.shape[a] }
        let mean = try input.mean(alongAxes: sorted, keepDims: true)
        let centered = try input - mean
        let variance = try centered.squared().mean(alongAxes: sorted, keepDims: true)
        var y = try centered / (variance + Scalar(epsilon)).sqrt()
        if let gamma { y = try y * gamma.reshaped(broadcastShape) }
        if let beta { y = try y + beta.reshaped(broadcastShape) }
        return y
    }
}

// One input to one output, so that `Sequential` stacks it without a forward closure.
extension LayerNormalization: TensorLayer {
    /// ``callAsFunction(_:)-(Tensor<Scalar>)``; `training` has no effect.
    ///
    /// Shapes: any rank covering the layer's axes → the same shape.
    /// - Throws: ``TensorError`` when the axes do not fit the input.
    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func forward(_ input: Tensor<Scalar>, training: Bool) throws -> Tensor<Scalar> {
        try self(input)
    }
}
