/// Randomly zeroes elements while training (Keras `Dropout`, inverted scaling).
///
/// Shapes: any `[...]` → the same. In training each element is kept with probability
/// `1 − rate` and scaled by `1 / (1 − rate)`; dropped ones become 0. With a `noiseShape`
/// (`nil` entries = the input's size) the keep mask broadcasts, e.g. `[batch, 1, channels]`
/// drops whole channels for every step. In inference, or with `rate == 0`, the layer is the
/// identity. Masks are drawn from a generator seeded by `seed` and the layer name (in `fit`, by
/// the step too, so that a resumed run draws what an uninterrupted one does); tests can pass
/// the keep mask instead. A Keras mask passes through unchanged.
public final class Dropout<Scalar: TensorScalar>: Layer {
    /// The layer's name.
    public let name: String
    /// The probability of dropping an element, in `[0, 1)`.
    public let rate: Double
    /// The keep mask's shape (`nil` entries = the input's size); `nil` = the input's shape.
    public let noiseShape: [Int?]?
    /// The seed of the keep-mask stream.
    public let seed: UInt64
    private var randomness: TrainingRandomness

    /// A dropout layer dropping a fraction `rate` of the elements in training.
    public init(rate: Double, noiseShape: [Int?]? = nil, seed: UInt64 = 0, name: String = "dropout") {
        precondition(rate >= 0 && rate < 1, "Dropout: rate must be in [0, 1), got \(rate)")
        self.name = name
        self.rate = rate
        self.noiseShape = noiseShape
        self.seed = seed
        randomness = TrainingRandomness(seed: seed, name: name)
    }

    /// Always empty: the layer has no weights.
    public var parameters: [Parameter<Scalar>] { [] }

    /// The keep mask's shape for an input of shape `inputShape`.
    ///
    /// - Throws: ``TensorError/shapeMismatch(operation:lhs:rhs:)`` when `noiseShape` has
    ///   another rank than the input, or a size that is neither 1 nor the input's.
    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func resolvedNoiseShape(for inputShape: [Int]) throws -> [Int] {
        guard let noiseShape else { return inputShape }
        guard noiseShape.count == inputShape.count else {
            throw TensorError.shapeMismatch(operation: "Dropout '\(name)' noise shape vs input",
                                            lhs: noiseShape.map { $0 ?? -1 }, rhs: inputShape)
        }
        let resolved = zip(noiseShape, inputShape).map { $0 ?? $1 }
        guard zip(resolved, inputShape).allSatisfy({ $0 == $1 || $0 == 1 }) else {
            throw TensorError.shapeMismatch(operation: "Dropout '\(name)' noise shape vs input", lhs: resolved, rhs: inputShape)
        }
        return resolved
    }

    /// Applies dropout when `training`; otherwise returns `x` unchanged.
    ///
    /// Shapes: `[...]` → the same; `keepMask` (used instead of a random draw) must broadcast to
    /// the input, like the noise shape.
    ///
    /// - Throws: ``TensorError/shapeMismatch(operation:lhs:rhs:)`` when the noise shape or the
    ///   keep mask does not fit the input.
    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func callAsFunction(_ x: Tensor<Scalar>, training: Bool = false, keepMask: Mask? = nil) throws -> Tensor<Scalar> {
        guard training, rate > 0 else { return x }
        let keep: Mask
        if let keepMask {
            keep = keepMask
        } else {
            let shape = try resolvedNoiseShape(for: x.shape)
            keep = Tensor<Scalar>.dropoutKeepMask(shape: shape, rate: rate, generator: &randomness.generator)
        }
        let output = try x.applyingDropout(keepMask: keep, rate: rate)
        guard output.shape == x.shape else {
            throw TensorError.shapeMismatch(operation: "Dropout '\(name)' keep mask vs input", lhs: keep.shape, rhs: x.shape)
        }
        return output
    }

    /// Dropout on a masked tensor; the mask passes through unchanged.
    ///
    /// - Throws: as the unmasked call.
    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func callAsFunction(_ x: MaskedTensor<Scalar>, training: Bool = false, keepMask: Mask? = nil) throws -> MaskedTensor<Scalar> {
        MaskedTensor(try self(x.tensor, training: training, keepMask: keepMask), mask: x.mask)
    }
}

// One input to one output, so that `Sequential` stacks it without a forward closure.
extension Dropout: TensorLayer {
    /// ``callAsFunction(_:training:keepMask:)-(Tensor<Scalar>,_,_)``: drops values only when
    /// `training`.
    ///
    /// Shapes: any → the same shape.
    /// - Throws: ``TensorError`` when the noise shape does not fit the input.
    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func forward(_ input: Tensor<Scalar>, training: Bool) throws -> Tensor<Scalar> {
        try self(input, training: training)
    }
}
