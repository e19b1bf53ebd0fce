/// A loss as a value, for ``Model/compile(loss:optimizer:metrics:)`` (Keras' loss classes).
public enum Loss: Sendable, Equatable {
    /// Integer labels against class scores (`SparseCategoricalCrossentropy`).
    case sparseCategoricalCrossentropy(fromLogits: Bool)
    /// One-hot targets against class scores (`CategoricalCrossentropy`).
    case categoricalCrossentropy(fromLogits: Bool)
    /// 0/1 targets against one score per output (`BinaryCrossentropy`).
    case binaryCrossentropy(fromLogits: Bool)
    /// Squared error (`MeanSquaredError`).
    case meanSquaredError

    /// Keras' name of the loss, as in `history` logs.
    public var kerasName: String {
        switch self {
        case .sparseCategoricalCrossentropy: return "sparse_categorical_crossentropy"
        case .categoricalCrossentropy: return "categorical_crossentropy"
        case .binaryCrossentropy: return "binary_crossentropy"
        case .meanSquaredError: return "mean_squared_error"
        }
    }

    /// The loss of `output` against `targets`, averaged over the batch.
    ///
    /// `outputActivation` is the activation a model applies after `output`: when it is a
    /// softmax or sigmoid and this loss takes probabilities, the loss is computed from the
    /// logits `output` directly, as Keras does on TensorFlow (no clipping).
    /// Shapes: see ``Losses``.
    /// - Throws: ``TensorError`` when output and targets do not fit.
    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func callAsFunction<Scalar>(
        _ output: Tensor<Scalar>, _ targets: Targets<Scalar>,
        outputActivation: OutputActivation = .linear
    ) throws -> Tensor<Scalar> {
        switch self {
        case let .sparseCategoricalCrossentropy(fromLogits):
            let labels: IntTensor
            switch targets {
            case let .classes(ids): labels = ids
            case let .values(t):
                labels = try IntTensor(shape: t.shape, scalars: t.scalars.map { value in
                    // Truncated as before; NaN, infinities and values past Int32 are no class.
                    guard let id = Targets.classID(value).flatMap(Int32.init(exactly:)) else {
                        throw TensorError.invalidArgument(operation: "sparse categorical cross-entropy",
                                                          message: "label \(value) is not a class id")
                    }
                    return id
                })
            }
            if outputActivation == .softmax && !fromLogits {
                return try Losses.sparseCategoricalCrossentropy(logits: output, labels: labels)
            }
            let y = try outputActivation.apply(output)
            return fromLogits ? try Losses.sparseCategoricalCrossentropy(logits: y, labels: labels)
                : try Losses.sparseCategoricalCrossentropy(probabilities: y, labels: labels)
        case let .categoricalCrossentropy(fromLogits):
            let t = targets.valueTensor
            if outputActivation == .softmax && !fromLogits {
                return try Losses.categoricalCrossentropy(logits: output, targets: t)
            }
            let y = try outputActivation.apply(output)
            return fromLogits ? try Losses.categoricalCrossentropy(logits: y, targets: t)
                : try Losses.categoricalCrossentropy(probabilities: y, targets: t)
        case let .binaryCrossentropy(fromLogits):
            let t = try targets.valueTensor.reshaped(output.shape)
            if outputActivation == .sigmoid && !fromLogits {
                return try Losses.binaryCrossentropy(logits: output, targets: t)
            }
            let y = try outputActivation.apply(output)
            return fromLogits ? try Losses.binaryCrossentropy(logits: y, targets: t)
                : try Losses.binaryCrossentropy(probabilities: y, targets: t)
        case .meanSquaredError:
            let t = try targets.valueTensor.reshaped(output.shape)
            return try Losses.meanSquaredError(predictions: try outputActivation.apply(output), targets: t)
        }
    }
}

/// The activation a model applies to its last layer's output (its logits) to give predictions.
///
/// Keeping it outside the layers lets the loss use the logits, as Keras does after a
/// `Dense(activation="softmax")`.
public enum OutputActivation: Sendable, Equatable {
    /// Predictions are the raw outputs.
    case linear
    /// Softmax over the last axis.
    case softmax
    /// Logistic sigmoid.
    case sigmoid

    /// Applies the activation (recording gradients).
    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func apply<Scalar>(_ x: Tensor<Scalar>) throws -> Tensor<Scalar> {
        switch self {
        case .linear: return x
        case .softmax: return try x.softmax(alongAxis: -1)
        case .sigmoid: return x.sigmoid()
        }
    }
}
