import Foundation

/// The loss, optimizer and metrics a model trains with (Keras' `compile`).
public struct TrainingConfiguration<Scalar: TensorScalar> {
    /// The loss minimised.
    public var loss: Loss
    /// The optimizer updating the weights.
    public var optimizer: Optimizer<Scalar>
    /// Metrics computed over every epoch and evaluation.
    public var metrics: [Metric]
}

/// A model: named layers, a forward pass, and Keras' `compile` / `fit` / `evaluate` /
/// `predict`.
///
/// Write a model either by subclassing and overriding ``forward(_:training:)``, or by passing
/// a `forward` closure; register every layer with ``add(_:)`` so its weights are trained and
/// saved. `Input` is what one batch of inputs is: a ``Tensor``, an ``IntTensor`` of token ids,
/// or an ``InputPair`` of two inputs (a query and a document).
///
/// The forward pass returns the last layer's raw output (the logits); ``outputActivation``
/// turns it into predictions. This lets the loss use the logits exactly as Keras does after a
/// softmax or sigmoid output layer.
open class Model<Scalar: TensorScalar, Input: Batchable> {
    /// The model's name.
    public let name: String
    /// The layers whose weights the model owns, in registration order.
    public private(set) var layers: [AnyLayer<Scalar>] = []
    /// The activation from the forward pass's output to predictions.
    public var outputActivation: OutputActivation
    /// What ``compile(loss:optimizer:metrics:)`` set.
    public private(set) var configuration: TrainingConfiguration<Scalar>?
    /// Where progress and callback messages go (stdout by default).
    public var output: (String) -> Void = { text in FileHandle.standardOutput.write(Data(text.utf8)) }
    /// When set, `fit` and `evaluate` run data-parallel across the processes it connects (see
    /// ``GradientSynchronizer``); `nil` (the default) trains in this process alone.
    public var synchronizer: (any GradientSynchronizer)?

    private let forwardBody: ((Input, Bool) throws -> Tensor<Scalar>)?

    /// A model whose forward pass is `forward(input, training)`.
    public init(name: String, outputActivation: OutputActivation = .linear,
                forward: ((Input, Bool) throws -> Tensor<Scalar>)? = nil) {
        self.name = name
        self.outputActivation = outputActivation
        self.forwardBody = forward
    }

    /// Registers a layer so that its weights belong to the model; registering the same layer
    /// object again (a shared layer) has no effect.
    public func add<L: Layer>(_ layer: L) where L.Scalar == Scalar {
        guard !layers.contains(where: { $0.base === layer }) else { return }
        layers.append(AnyLayer(layer))
    }

    /// The forward pass: the raw output (logits) for a batch of inputs.
    ///
    /// Subclasses override this; the default calls the `forward` closure given at creation.
    /// - Throws: ``TensorError`` when shapes do not fit, ``ModelError`` when there is no forward pass.
    open func forward(_ input: Input, training: Bool) throws -> Tensor<Scalar> {
        guard let forwardBody else {
            throw ModelError.invalidArgument("model '\(name)' has no forward pass; override forward(_:training:) or pass one")
        }
        return try forwardBody(input, training)
    }

    /// Every weight by full name `<layer>/<path>`, in layer order; a weight shared by two
    /// registered layers appears once.
    ///
    /// - Throws: ``ModelError/duplicateParameterName(_:)`` when two distinct weights share a name.
    public func namedParameters() throws -> [(name: String, parameter: Parameter<Scalar>)] {
        var out: [(name: String, parameter: Parameter<Scalar>)] = []
        var byName: [String: Parameter<Scalar>] = [:]
        for layer in layers {
            for p in layer.parameters {
                let full = "\(layer.name)/\(p.path)"
                if let existing = byName[full] {
                    if existing === p { continue }
                    throw ModelError.duplicateParameterName(full)
                }
                byName[full] = p
                out.append((full, p))
            }
        }
        return out
    }

    /// The number of scalars in all weights.
    public func parameterCount() throws -> Int {
        try namedParameters().reduce(0) { $0 + $1.parameter.value.count }
    }

    /// Sets the loss, optimizer and metrics for ``fit(x:y:batchSize:epochs:initialEpoch:validationData:validationSplit:shuffle:seed:callbacks:verbose:resumeFrom:stepsPerEpoch:)-(_,Targets<Scalar>,_,_,_,_,_,_,_,_,_,_,_)``
    /// and ``evaluate(x:y:batchSize:)-(_,Targets<Scalar>,_)``.
    public func compile(loss: Loss, optimizer: Optimizer<Scalar>, metrics: [Metric] = []) {
        configuration = TrainingConfiguration(loss: loss, optimizer: optimizer, metrics: metrics)
    }

    /// Saves the weights (and the optimizer state when compiled and `includeOptimizer`) as
    /// safetensors, atomically; `epoch` is the number of completed epochs, from which
    /// `fit(resumeFrom:)` continues.
    ///
    /// - Throws: ``ModelError/duplicateParameterName(_:)``, ``SafeTensorsError/io(path:message:)``.
    public func save(to url: URL, includeOptimizer: Bool = true, epoch: Int? = nil,
                     metadata: [String: String] = [:]) throws {
        try Checkpoint.save(parameters: namedParameters(),
                            optimizer: includeOptimizer ? configuration?.optimizer : nil,
                            epoch: epoch, metadata: metadata, to: url)
    }

    /// Loads weights strictly by name (and the optimizer state when `includeOptimizer` and
    /// compiled).
    ///
    /// - Throws: ``SafeTensorsError`` for a malformed file; ``CheckpointError`` naming a missing,
    ///   unexpected, mis-shaped or wrongly typed tensor; nothing changes then.
    @discardableResult
    public func load(from url: URL, includeOptimizer: Bool = false) throws -> CheckpointInfo {
        try Checkpoint.load(into: namedParameters(),
                            optimizer: includeOptimizer ? configuration?.optimizer : nil, from: url)
    }
}
