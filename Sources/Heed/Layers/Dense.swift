/// A fully connected layer on the last axis (Keras `Dense`): `y = activation(x · kernel + bias)`.
///
/// Shapes: `[..., in]` → `[..., units]` (leading axes are kept, e.g. `[batch, time, in]` →
/// `[batch, time, units]`); weights `kernel [in, units]`, `bias [units]`. The product is one
/// GEMM over all leading positions. A Keras mask passes through unchanged.
public final class Dense<Scalar: TensorScalar>: Layer {
    /// The layer's name, prefix of its weight names (`dense/kernel`).
    public let name: String
    /// The size of the output's last axis.
    public let units: Int
    /// Applied after the bias.
    public let activation: Activation
    /// Whether a bias is added.
    public let useBias: Bool
    /// How `kernel` is initialised.
    public let kernelInitializer: Initializer
    /// How `bias` is initialised.
    public let biasInitializer: Initializer
    /// The seed of the initial weights (mixed with the layer name).
    public let seed: UInt64

    /// `[in, units]`, once built.
    public private(set) var kernel: Parameter<Scalar>?
    /// `[units]`, once built with `useBias`.
    public private(set) var bias: Parameter<Scalar>?

    /// A dense layer with `units` outputs; weights are created on first use (or by
    /// ``build(inputShape:)``) once the input size is known.
    public init(
        units: Int, activation: Activation = .linear, useBias: Bool = true,
        kernelInitializer: Initializer = .glorotUniform, biasInitializer: Initializer = .zeros,
        name: String = "dense", seed: UInt64 = 0
    ) {
        precondition(units > 0, "Dense: units must be positive, got \(units)")
        self.name = name
        self.units = units
        self.activation = activation
        self.useBias = useBias
        self.kernelInitializer = kernelInitializer
        self.biasInitializer = biasInitializer
        self.seed = seed
    }

    /// `[kernel, bias]` (Keras creation order), `[kernel]` without bias, empty before build.
    public var parameters: [Parameter<Scalar>] { [kernel, bias].compactMap { $0 } }

    /// Whether the weights exist.
    public var isBuilt: Bool { kernel != nil }

    /// Creates `kernel [inputShape.last, units]` and `bias [units]` if they do not exist yet.
    ///
    /// - Throws: ``TensorError/invalidRank(operation:expected:shape:)`` for a rank-0 shape or
    ///   a zero-sized last axis; ``TensorError/shapeMismatch(operation:lhs:rhs:)`` when already
    ///   built for another input size.
    public func build(inputShape: [Int]) throws {
        guard let inputSize = inputShape.last, inputSize > 0 else {
            throw TensorError.invalidRank(operation: "Dense '\(name)'", expected: "an input with a non-empty last axis",
                                          shape: inputShape)
        }
        if let kernel {
            guard kernel.shape[0] == inputSize else {
                throw TensorError.shapeMismatch(operation: "Dense '\(name)': input last axis vs kernel [in, units]",
                                                lhs: inputShape, rhs: kernel.shape)
            }
            return
        }
        var generator = LayerSeed.generator(seed: seed, name: name)
        kernel = Parameter(path: "kernel", value: kernelInitializer.make([inputSize, units], generator: &generator))
        if useBias {
            bias = Parameter(path: "bias", value: biasInitializer.make([units], generator: &generator))
        }
    }

    /// `activation(x · kernel + bias)` over the last axis of `x`.
    ///
    /// Shapes: `[..., in]` → `[..., units]`.
    ///
    /// - Throws: ``TensorError/shapeMismatch(operation:lhs:rhs:)`` when the last axis of `x`
    ///   differs from the kernel's rows; ``TensorError/invalidRank(operation:expected:shape:)``
    ///   for a scalar input.
    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func callAsFunction(_ x: Tensor<Scalar>) throws -> Tensor<Scalar> {
        try build(inputShape: x.shape)
        guard let kernel else { preconditionFailure("Dense: build created no kernel") }
        return try apply(x, kernel: kernel.value, bias: bias?.value)
    }

    /// The layer's math with the weights passed in (gradient checks treat them as inputs).
    func apply(_ x: Tensor<Scalar>, kernel: Tensor<Scalar>, bias: Tensor<Scalar>?) throws -> Tensor<Scalar> {
        guard x.rank >= 1, x.shape[x.rank - 1] == kernel.shape[0] else {
            throw TensorError.shapeMismatch(operation: "Dense '\(name)': input last axis vs kernel [in, units]",
                                            lhs: x.shape, rhs: kernel.shape)
        }
        return try activation.apply(Tensor.linear(x, kernel: kernel, bias: bias))
    }

    /// The layer applied to a masked tensor; the mask passes through unchanged.
    ///
    /// Shapes: `[..., in]` → `[..., units]`, mask unchanged.
    ///
    /// - Throws: as the unmasked call.
    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func callAsFunction(_ x: MaskedTensor<Scalar>) throws -> MaskedTensor<Scalar> {
        MaskedTensor(try self(x.tensor), mask: x.mask)
    }
}

// One input to one output, so that `Sequential` stacks it without a forward closure.
extension Dense: TensorLayer {
    /// ``callAsFunction(_:)-(Tensor<Scalar>)``; `training` has no effect.
    ///
    /// Shapes: `[..., in]` → `[..., units]`.
    /// - Throws: ``TensorError`` when the input's last axis does not fit the kernel.
    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func forward(_ input: Tensor<Scalar>, training: Bool) throws -> Tensor<Scalar> {
        try self(input)
    }
}
