/// A plain stack of layers, each feeding the next (Keras `Sequential`).
///
/// With `Input == Tensor<Scalar>` every layer maps a tensor to a tensor. With other inputs
/// (token ids) the first layer takes the input — an ``IDsLayer`` or a layer with an input
/// closure — and the rest map tensors.
///
/// ```swift
/// let model = Sequential<Float, IntTensor>(name: "bag_of_words", outputActivation: .softmax)
/// model.addInput(embedding)
/// model.add(dense)
/// ```
public final class Sequential<Scalar: TensorScalar, Input: Batchable>: Model<Scalar, Input> {
    private var inputStage: ((Input, Bool) throws -> Tensor<Scalar>)?
    private var stages: [(Tensor<Scalar>, Bool) throws -> Tensor<Scalar>] = []

    /// An empty stack.
    public init(name: String = "sequential", outputActivation: OutputActivation = .linear) {
        super.init(name: name, outputActivation: outputActivation)
    }

    /// Appends a tensor-to-tensor layer.
    public func add<L: TensorLayer>(_ layer: L) where L.Scalar == Scalar {
        add(layer) { layer, x, training in try layer.forward(x, training: training) }
    }

    /// Appends any layer, calling it through `forward(layer, x, training)`.
    public func add<L: Layer>(_ layer: L, forward: @escaping (L, Tensor<Scalar>, Bool) throws -> Tensor<Scalar>)
    where L.Scalar == Scalar {
        super.add(layer)
        stages.append { x, training in try forward(layer, x, training) }
    }

    /// Appends a step without weights (an activation, a reshape).
    public func add(_ step: @escaping (Tensor<Scalar>, Bool) throws -> Tensor<Scalar>) {
        stages.append(step)
    }

    /// Sets the first layer, which takes the model's input, calling it through
    /// `forward(layer, input, training)`.
    public func addInput<L: Layer>(_ layer: L, forward: @escaping (L, Input, Bool) throws -> Tensor<Scalar>)
    where L.Scalar == Scalar {
        super.add(layer)
        inputStage = { x, training in try forward(layer, x, training) }
    }

    /// The layers in order.
    ///
    /// - Throws: ``ModelError/noInputLayer(model:)`` when the input is not a float tensor and
    ///   no input layer was set; ``TensorError`` from the layers.
    public override func forward(_ input: Input, training: Bool) throws -> Tensor<Scalar> {
        var x: Tensor<Scalar>
        if let inputStage {
            x = try inputStage(input, training)
        } else if let tensor = input as? Tensor<Scalar> {
            x = tensor
        } else {
            throw ModelError.noInputLayer(model: name)
        }
        for stage in stages { x = try stage(x, training) }
        return x
    }
}

extension Sequential where Input == IntTensor {
    /// Sets the first layer, which maps token ids to tensors (an embedding).
    public func addInput<L: IDsLayer>(_ layer: L) where L.Scalar == Scalar {
        addInput(layer) { layer, ids, training in try layer.forward(ids, training: training) }
    }
}
