/// Keras' `Conv1D`: a 1-D convolution (cross-correlation) over the time axis, with bias and
/// activation.
///
/// Shapes: input `[batch, time, Cin]` (``DataFormat/channelsFirst``: `[batch, Cin, time]`) →
/// `[batch, Lout, filters]` (channels first: `[batch, filters, Lout]`), with `Lout` given by
/// ``Padding``: valid `(time − E) / strides + 1`, same and causal `ceil(time / strides)`,
/// `E = dilationRate · (kernelSize − 1) + 1`.
///
/// Weights (created on first use, in this order): `kernel [kernelSize, Cin / groups, filters]`,
/// `bias [filters]` when `useBias`.
///
/// Masks are not supported: as in Keras, an incoming mask is dropped and the output has none.
public final class Conv1D<Scalar: TensorScalar>: Layer {
    /// The layer's name, the prefix of its weights' full names.
    public let name: String
    /// The number of output channels.
    public let filters: Int
    /// The kernel length `k`.
    public let kernelSize: Int
    /// The step between output positions.
    public let strides: Int
    /// How the time axis is padded.
    public let padding: Padding
    /// Where the channel axis is.
    public let dataFormat: DataFormat
    /// The spacing between kernel taps.
    public let dilationRate: Int
    /// The number of channel groups convolved separately.
    public let groups: Int
    /// The activation applied after the bias.
    public let activation: Activation
    /// Whether a bias is added.
    public let useBias: Bool
    /// The kernel's initial distribution.
    public let kernelInitializer: Initializer
    /// The bias's initial value.
    public let biasInitializer: Initializer
    /// The seed of the initial weights (mixed with `name`).
    public let seed: UInt64

    /// The kernel `[kernelSize, Cin / groups, filters]`, once built.
    public private(set) var kernel: Parameter<Scalar>?
    /// The bias `[filters]`, once built with `useBias`.
    public private(set) var bias: Parameter<Scalar>?

    /// The weights in Keras creation order (empty before the layer is built).
    public var parameters: [Parameter<Scalar>] { [kernel, bias].compactMap { $0 } }

    /// A Conv1D layer with Keras' arguments and defaults.
    ///
    /// - Throws: ``TensorError/invalidArgument(operation:message:)`` when a size is not positive,
    ///   `filters` is not divisible by `groups`, or both `strides` and `dilationRate` exceed 1.
    public init(
        filters: Int, kernelSize: Int, strides: Int = 1, padding: Padding = .valid,
        dataFormat: DataFormat = .channelsLast, dilationRate: Int = 1, groups: Int = 1,
        activation: Activation = .linear, useBias: Bool = true,
        kernelInitializer: Initializer = .glorotUniform, biasInitializer: Initializer = .zeros,
        name: String = "conv1d", seed: UInt64 = 0
    ) throws {
        func fail(_ message: String) -> TensorError {
            TensorError.invalidArgument(operation: "Conv1D '\(name)'", message: message)
        }
        guard filters >= 1, kernelSize >= 1, strides >= 1, dilationRate >= 1, groups >= 1 else {
            throw fail("filters (\(filters)), kernelSize (\(kernelSize)), strides (\(strides)), dilationRate (\(dilationRate)) and groups (\(groups)) must all be ≥ 1")
        }
        guard filters % groups == 0 else {
            throw fail("filters (\(filters)) must be divisible by groups (\(groups))")
        }
        guard strides == 1 || dilationRate == 1 else {
            throw fail("strides (\(strides)) > 1 cannot be combined with dilationRate (\(dilationRate)) > 1; set one of them to 1")
        }
        self.filters = filters
        self.kernelSize = kernelSize
        self.strides = strides
        self.padding = padding
        self.dataFormat = dataFormat
        self.dilationRate = dilationRate
        self.groups = groups
        self.activation = activation
        self.useBias = useBias
        self.kernelInitializer = kernelInitializer
        self.biasInitializer = biasInitializer
        self.name = name
        self.seed = seed
    }

    /// Whether the weights exist.
    public var isBuilt: Bool { kernel != nil }

    /// The channel axis of a rank-3 input in this layer's data format.
    private var channelAxis: Int { dataFormat == .channelsLast ? 2 : 1 }

    /// Creates the weights for inputs of `inputShape` (`[batch, time, Cin]` or channels
    /// first); does nothing if they exist.
    ///
    /// - Throws: ``TensorError/invalidRank(operation:expected:shape:)`` for a shape that is not
    ///   rank 3; ``TensorError/invalidArgument(operation:message:)`` when `Cin` is not divisible
    ///   by `groups`.
    public func build(inputShape: [Int]) throws {
        guard !isBuilt else { return }
        let cin = try inputChannels(inputShape)
        var generator = LayerSeed.generator(seed: seed, name: name)
        kernel = Parameter(path: "kernel", value: kernelInitializer.make([kernelSize, cin / groups, filters], generator: &generator))
        if useBias {
            bias = Parameter(path: "bias", value: biasInitializer.make([filters], generator: &generator))
        }
    }

    private func inputChannels(_ shape: [Int]) throws -> Int {
        guard shape.count == 3 else {
            throw TensorError.invalidRank(
                operation: "Conv1D '\(name)'",
                expected: dataFormat == .channelsLast ? "rank 3 [batch, time, channels]" : "rank 3 [batch, channels, time]",
                shape: shape)
        }
        let cin = shape[channelAxis]
        guard cin >= 1, cin % groups == 0 else {
            throw TensorError.invalidArgument(
                operation: "Conv1D '\(name)'", message: "input channels (\(cin)) of \(shape) must be divisible by groups (\(groups))")
        }
        return cin
    }

    /// The output length for an input of `length` steps.
    ///
    /// - Throws: ``TensorError/invalidArgument(operation:message:)`` when a valid convolution
    ///   would produce no output.
    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func outputLength(forInputLength length: Int) throws -> Int {
        let pad = padding.amounts(length: length, kernelSize: kernelSize, stride: strides, dilation: dilationRate)
        let effective = dilationRate * (kernelSize - 1) + 1
        let padded = length + pad.left + pad.right
        guard padded >= effective else {
            throw TensorError.invalidArgument(
                operation: "Conv1D '\(name)'",
                message: "input length \(length) is shorter than the effective kernel length \(effective) (kernelSize \(kernelSize), dilationRate \(dilationRate)) with padding '\(padding.rawValue)'; the output would be empty")
        }
        return (padded - effective) / strides + 1
    }

    /// Applies the convolution, bias and activation, building the weights on first use.
    ///
    /// Shapes: `[batch, time, Cin]` → `[batch, Lout, filters]` (or channels first).
    ///
    /// - Throws: ``TensorError`` when the input's rank or channel count does not fit the layer,
    ///   or a valid convolution would produce no output.
    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func callAsFunction(_ input: Tensor<Scalar>) throws -> Tensor<Scalar> {
        try build(inputShape: input.shape)
        guard let kernel else { preconditionFailure("Conv1D '\(name)' has no kernel after build") }
        return try Conv1D.apply(
            input, kernel: kernel.value, bias: bias?.value, strides: strides, padding: padding,
            dataFormat: dataFormat, dilationRate: dilationRate, groups: groups, activation: activation,
            layerName: name)
    }

    /// Applies the layer to a masked tensor; the mask is dropped (Keras' Conv1D does not
    /// support masks), so the result has `mask == nil`.
    ///
    /// - Throws: as ``callAsFunction(_:)-(Tensor<Scalar>)``.
    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func callAsFunction(_ input: MaskedTensor<Scalar>) throws -> MaskedTensor<Scalar> {
        MaskedTensor(try self(input.tensor), mask: nil)
    }

    /// The layer's computation with explicit weights (differentiable in all of them).
    ///
    /// Shapes: `input [batch, time, Cin]` (or channels first), `kernel [k, Cin / groups,
    /// filters]`, `bias [filters]` → `[batch, Lout, filters]` (or channels first).
    ///
    /// - Throws: ``TensorError`` when the shapes do not fit or the output would be empty.
    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public static func apply(
        _ input: Tensor<Scalar>, kernel: Tensor<Scalar>, bias: Tensor<Scalar>?, strides: Int = 1,
        padding: Padding = .valid, dataFormat: DataFormat = .channelsLast, dilationRate: Int = 1,
        groups: Int = 1, activation: Activation = .linear, layerName: String = "conv1d"
    ) throws -> Tensor<Scalar> {
        guard input.rank == 3 else {
            throw TensorError.invalidRank(operation: "Conv1D '\(layerName)'", expected: "rank 3 input", shape: input.shape)
        }
        let x = dataFormat == .channelsLast ? input : try input.transposed(1, 2)
        let length = x.shape[1]
        let pad = padding.amounts(length: length, kernelSize: kernel.shape.first ?? 0, stride: strides, dilation: dilationRate)
        var y = try Tensor.conv1D(x, kernel: kernel, stride: strides, dilation: dilationRate,
                                  paddingLeft: pad.left, paddingRight: pad.right, groups: groups)
        if let bias { y = try y + bias }
        if dataFormat == .channelsFirst { y = try y.transposed(1, 2) }
        // After the layout is restored, so that softmax runs over Keras' last axis.
        return try activation.apply(y)
    }
}

// One input to one output, so that `Sequential` stacks it without a forward closure.
extension Conv1D: TensorLayer {
    /// ``callAsFunction(_:)-(Tensor<Scalar>)``; `training` has no effect.
    ///
    /// Shapes: `[batch, time, Cin]` → `[batch, Lout, filters]` (or channels first).
    /// - Throws: ``TensorError`` when the input's rank or channels do not fit.
    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func forward(_ input: Tensor<Scalar>, training: Bool) throws -> Tensor<Scalar> {
        try self(input)
    }
}
