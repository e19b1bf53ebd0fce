/// A layer that maps a float tensor to a float tensor, so that ``Sequential`` can stack it.
public protocol TensorLayer: Layer {
    /// The layer's output; `training` enables dropout-like behaviour.
    ///
    /// - Throws: ``TensorError`` when the input's shape does not fit.
    func forward(_ input: Tensor<Scalar>, training: Bool) throws -> Tensor<Scalar>
}

/// A layer that maps integer ids to a float tensor (an embedding), usable as the first layer of
/// a ``Sequential`` whose input is ``IntTensor``.
public protocol IDsLayer: Layer {
    /// The layer's output for ids `[batch, time]`.
    ///
    /// - Throws: ``TensorError`` for ids out of range.
    func forward(_ ids: IntTensor, training: Bool) throws -> Tensor<Scalar>
}

/// A layer of a model, type-erased to its name and weights.
public struct AnyLayer<Scalar: TensorScalar> {
    /// The layer object.
    public let base: AnyObject
    /// The layer's name.
    public let name: String
    private let parametersBody: () -> [Parameter<Scalar>]

    /// Wraps a layer.
    public init<L: Layer>(_ layer: L) where L.Scalar == Scalar {
        base = layer
        name = layer.name
        parametersBody = { layer.parameters }
    }

    /// The layer's weights in Keras creation order.
    public var parameters: [Parameter<Scalar>] { parametersBody() }
}
