/// A named, trainable weight of a layer: a leaf tensor whose gradient `backward()` fills.
///
/// A parameter is a reference, so the layer, the model and the optimizer all see the same
/// weight. Its `path` is the Keras weight path inside the layer (`kernel`, `bias`,
/// `query/kernel`); the full name in checkpoints is `<layer name>/<path>`.
public final class Parameter<Scalar: TensorScalar>: @unchecked Sendable {
    /// The weight's Keras path inside its layer, e.g. `kernel`.
    public let path: String
    /// Whether optimizers update it.
    public var trainable: Bool
    /// The current value; a leaf of the graph that requires a gradient.
    public private(set) var value: Tensor<Scalar>

    /// A parameter with an initial value.
    public init(path: String, value: Tensor<Scalar>, trainable: Bool = true) {
        self.path = path
        self.trainable = trainable
        self.value = value.requiringGrad(label: path)
    }

    /// The shape of the weight.
    public var shape: [Int] { value.shape }

    /// The gradient accumulated by the last `backward()`, if any.
    public var grad: Tensor<Scalar>? { value.grad }

    /// Clears the accumulated gradient.
    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func zeroGrad() { value.zeroGrad() }

    /// Replaces the value with `newValue` of the same shape, keeping the graph leaf.
    ///
    /// - Throws: ``TensorError/shapeMismatch(operation:lhs:rhs:)`` naming the weight when the
    ///   shapes differ.
    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func assign(_ newValue: Tensor<Scalar>) throws {
        guard newValue.shape == value.shape else {
            throw TensorError.shapeMismatch(operation: "assign \(path)", lhs: value.shape, rhs: newValue.shape)
        }
        value.scalars = newValue.scalars
    }

    /// Updates the scalars in place (optimizers), keeping the graph leaf.
    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func update(_ body: (inout [Scalar]) -> Void) {
        body(&value.scalars)
    }
}
