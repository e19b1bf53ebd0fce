/// A building block with named weights, as in Keras.
///
/// Layers are classes: a layer used twice (a shared embedding) is one object with one set of
/// weights. Each layer has a Keras-style `name` (`dense`, `attention`, `conv1d`, …) and lists its
/// weights in Keras creation order; a weight's full name is `name + "/" + path`.
public protocol Layer: AnyObject {
    /// The element type of the layer's weights and tensors (`Float` or `Double`).
    associatedtype Scalar: TensorScalar
    /// The layer's name, the prefix of its weights' full names.
    var name: String { get }
    /// The weights in Keras creation order (nested layers' weights included, with their paths).
    var parameters: [Parameter<Scalar>] { get }
}

extension Layer {
    /// The weights keyed by full name, `<layer name>/<path>`.
    public var namedParameters: [(name: String, parameter: Parameter<Scalar>)] {
        parameters.map { ("\(name)/\($0.path)", $0) }
    }

    /// The weight with the given path inside this layer.
    public func parameter(path: String) -> Parameter<Scalar>? {
        parameters.first { $0.path == path }
    }
}

/// A tensor together with its Keras mask (`true` = a valid time step), the way Keras attaches
/// `_keras_mask` to a tensor so that later layers can use it.
public struct MaskedTensor<Scalar: TensorScalar>: Sendable {
    /// The values.
    public var tensor: Tensor<Scalar>
    /// The mask over the leading axes (usually `[batch, time]`), or `nil` when nothing is masked.
    public var mask: Mask?

    /// Pairs a tensor with a mask.
    public init(_ tensor: Tensor<Scalar>, mask: Mask? = nil) {
        self.tensor = tensor
        self.mask = mask
    }
}
