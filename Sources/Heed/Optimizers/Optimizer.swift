/// An optimizer's saved state: the step counter and every slot by `<parameter name>/<slot>`.
public struct OptimizerState<Scalar: TensorScalar>: Sendable {
    /// The number of updates made so far (Keras' `iterations`).
    public var iterations: Int
    /// Slot values (`m`, `v`, `momentum`, …) keyed by `<parameter full name>/<slot name>`.
    public var slots: [String: Tensor<Scalar>]

    /// A state with the given counter and slots.
    public init(iterations: Int, slots: [String: Tensor<Scalar>]) {
        self.iterations = iterations
        self.slots = slots
    }
}

/// An error importing optimizer state that does not fit the model's parameters.
public enum OptimizerStateError: Error, Equatable, CustomStringConvertible, Sendable {
    /// A slot names a parameter or slot this optimizer does not have.
    case unexpectedSlot(String)
    /// A slot the optimizer needs for a parameter is absent.
    case missingSlot(String)
    /// A slot's shape differs from its parameter's.
    case slotShapeMismatch(name: String, expected: [Int], got: [Int])
    /// A negative step counter.
    case invalidIterations(Int)

    /// A message saying what was wrong and where.
    public var description: String {
        switch self {
        case let .unexpectedSlot(name): return "optimizer state: unexpected slot '\(name)' (no such parameter or slot)"
        case let .missingSlot(name): return "optimizer state: slot '\(name)' is missing"
        case let .slotShapeMismatch(name, expected, got):
            return "optimizer state: slot '\(name)' has shape \(got), expected \(expected)"
        case let .invalidIterations(n): return "optimizer state: step counter \(n) is negative"
        }
    }
}

/// The shared machinery of Keras-style optimizers: the learning-rate schedule, gradient
/// clipping, the step counter and per-parameter slots.
///
/// Subclasses implement ``update(weights:gradient:slots:learningRate:step:)`` with their formula.
/// Slots are keyed by the parameter's full name (`dense/kernel`), so state can be saved and
/// restored by name; non-trainable parameters and parameters without a gradient are skipped.
open class Optimizer<Scalar: TensorScalar> {
    /// The learning rate per step.
    public var schedule: LearningRateSchedule
    /// Gradient clipping applied before the update.
    public var clipping: GradientClipping
    /// The number of updates made so far (Keras' `iterations`).
    public internal(set) var iterations: Int = 0
    /// Slot values per parameter name, then slot name.
    var slots: [String: [String: [Scalar]]] = [:]
    /// Keep an exponential moving average of each trained weight (Keras `use_ema`), in the slot
    /// `average`: after each update `average ← m·average + (1 − m)·w` with `m` =
    /// ``emaMomentum``, and `m = 0` on the first step, so the average starts at the updated
    /// weights. `fit` copies the averages into the weights after the last epoch
    /// (``finalizeVariableValues(_:)``); ``SwapEMAWeights`` evaluates with them.
    public var useEMA = false
    /// The momentum `m` of the weights' moving average (Keras `ema_momentum`, default 0.99).
    public var emaMomentum = 0.99

    /// An optimizer with a schedule and clipping.
    public init(schedule: LearningRateSchedule, clipping: GradientClipping = .none) {
        self.schedule = schedule
        self.clipping = clipping
    }

    /// Keras' class name (`Adam`, `SGD`, …).
    open var kerasName: String { "Optimizer" }

    /// The slot names this optimizer keeps per parameter, in creation order.
    open var slotNames: [String] { [] }

    /// ``slotNames``, and `average` with ``useEMA``.
    private var allSlotNames: [String] { slotNames + (useEMA ? [Self.averageSlot] : []) }

    /// The slot of a weight's moving average.
    static var averageSlot: String { "average" }

    /// The weights as trained, kept by ``finalizeVariableValues(_:)`` when it replaced them by
    /// their averages, and saved with the state (`<parameter>/trained`): a run resumed from a
    /// checkpoint written after the last epoch continues from them, as the uninterrupted longer
    /// run does (``resumeTrainedWeights(_:)``).
    private var trainedBeforeAveraging: [String: [Scalar]] = [:]

    /// The key suffix of ``trainedBeforeAveraging`` in a saved state.
    static var trainedKey: String { "trained" }

    /// The learning rate the next update will use.
    public var learningRate: Double { schedule.learningRate(atStep: iterations) }

    /// Applies one update with the current gradients of `parameters` and advances the step.
    ///
    /// Order per step, as in tf-keras: clip the gradients, then update each parameter.
    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func apply(to parameters: [(name: String, parameter: Parameter<Scalar>)]) {
        let active = parameters.filter { $0.parameter.trainable && $0.parameter.grad != nil }
        var gradients = active.map { $0.parameter.grad?.scalars ?? [] }
        clipping.apply(to: &gradients)
        let lr = learningRate
        let step = iterations + 1
        for (i, entry) in active.enumerated() {
            // Taking the slots out of the table keeps them uniquely referenced: updated in place.
            var state = slots.removeValue(forKey: entry.name) ?? Dictionary(
                uniqueKeysWithValues: allSlotNames.map { ($0, [Scalar](repeating: 0, count: gradients[i].count)) })
            entry.parameter.update { weights in
                update(weights: &weights, gradient: gradients[i], slots: &state, learningRate: lr, step: step)
                if useEMA, var average = state.removeValue(forKey: Self.averageSlot) {
                    Self.moveAverage(&average, toward: weights, momentum: Scalar(iterations == 0 ? 0 : emaMomentum))
                    state[Self.averageSlot] = average
                }
            }
            slots[entry.name] = state
        }
        iterations += 1
    }

    /// `average ← momentum·average + (1 − momentum)·weights`, in the scalar type as Keras
    /// computes it, on the kernel threads for large weights.
    private static func moveAverage(_ average: inout [Scalar], toward weights: [Scalar], momentum: Scalar) {
        let keep = 1 - momentum, count = weights.count
        average.withUnsafeMutableBufferPointer { a in
            weights.withUnsafeBufferPointer { w in
                guard let a = a.baseAddress, let w = w.baseAddress else { return }
                KernelLoop.run(elements: count) { range in
                    for i in range { a[i] = momentum * a[i] + keep * w[i] }
                }
            }
        }
    }

    /// Copies each weight's moving average into it (Keras `finalize_variable_values`); does
    /// nothing without ``useEMA`` or for weights not updated yet.
    public func finalizeVariableValues(_ parameters: [(name: String, parameter: Parameter<Scalar>)]) throws {
        guard useEMA else { return }
        for (name, parameter) in parameters {
            guard let average = slots[name]?[Self.averageSlot] else { continue }
            trainedBeforeAveraging[name] = parameter.value.scalars
            try parameter.assign(Tensor(uncheckedShape: parameter.shape, scalars: average))
        }
    }

    /// Puts back the weights as trained that ``finalizeVariableValues(_:)`` replaced by their
    /// averages, when the state holds them (a checkpoint written after the last epoch), so that
    /// training continues as it would have without the replacement; then forgets them.
    public func resumeTrainedWeights(_ parameters: [(name: String, parameter: Parameter<Scalar>)]) throws {
        for (name, parameter) in parameters {
            guard let trained = trainedBeforeAveraging[name] else { continue }
            try parameter.assign(Tensor(uncheckedShape: parameter.shape, scalars: trained))
        }
        trainedBeforeAveraging = [:]
    }

    /// Forgets the weights kept by ``finalizeVariableValues(_:)``: training that goes on in the
    /// same process continues from the averages, as in Keras.
    func forgetTrainedWeights() { trainedBeforeAveraging = [:] }

    /// Exchanges each weight with its moving average (Keras `SwapEMAWeights`); swapping twice
    /// restores both. Does nothing without ``useEMA``.
    public func swapEMAWeights(_ parameters: [(name: String, parameter: Parameter<Scalar>)]) throws {
        guard useEMA else { return }
        for (name, parameter) in parameters {
            guard let average = slots[name]?[Self.averageSlot] else { continue }
            slots[name]?[Self.averageSlot] = parameter.value.scalars
            try parameter.assign(Tensor(uncheckedShape: parameter.shape, scalars: average))
        }
    }

    /// Updates one parameter. `step` is 1 for the first update (Keras' `iterations + 1`).
    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    open func update(weights: inout [Scalar], gradient: [Scalar], slots: inout [String: [Scalar]],
                     learningRate: Double, step: Int) {
        fatalError("\(type(of: self)) must override update(weights:gradient:slots:learningRate:step:)")
    }

    /// The state to save: the step counter and the slots by `<parameter>/<slot>`.
    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func exportState(parameters: [(name: String, parameter: Parameter<Scalar>)]) -> OptimizerState<Scalar> {
        var out: [String: Tensor<Scalar>] = [:]
        for (name, parameter) in parameters {
            guard let state = slots[name] else { continue }
            for (slot, values) in state {
                out["\(name)/\(slot)"] = Tensor(uncheckedShape: parameter.shape, scalars: values)
            }
            if let trained = trainedBeforeAveraging[name] {
                out["\(name)/\(Self.trainedKey)"] = Tensor(uncheckedShape: parameter.shape, scalars: trained)
            }
        }
        return OptimizerState(iterations: iterations, slots: out)
    }

    /// Restores a saved state for `parameters`; a parameter has all its slots or none (not
    /// updated yet).
    ///
    /// - Throws: ``OptimizerStateError`` naming the slot that is unexpected, missing or
    ///   mis-shaped; nothing is changed then.
    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func importState(_ state: OptimizerState<Scalar>,
                            parameters: [(name: String, parameter: Parameter<Scalar>)]) throws {
        guard state.iterations >= 0 else { throw OptimizerStateError.invalidIterations(state.iterations) }
        var remaining = state.slots
        var restored: [String: [String: [Scalar]]] = [:]
        var trained: [String: [Scalar]] = [:]
        for (name, parameter) in parameters {
            if useEMA, let tensor = remaining.removeValue(forKey: "\(name)/\(Self.trainedKey)") {
                guard tensor.shape == parameter.shape else {
                    throw OptimizerStateError.slotShapeMismatch(name: "\(name)/\(Self.trainedKey)", expected: parameter.shape,
                                                                got: tensor.shape)
                }
                trained[name] = tensor.scalars
            }
            let present = allSlotNames.filter { remaining["\(name)/\($0)"] != nil }
            if present.isEmpty { continue }
            var perParameter: [String: [Scalar]] = [:]
            for slot in allSlotNames {
                let key = "\(name)/\(slot)"
                guard let tensor = remaining.removeValue(forKey: key) else { throw OptimizerStateError.missingSlot(key) }
                guard tensor.shape == parameter.shape else {
                    throw OptimizerStateError.slotShapeMismatch(name: key, expected: parameter.shape, got: tensor.shape)
                }
                perParameter[slot] = tensor.scalars
            }
            restored[name] = perParameter
        }
        if let extra = remaining.keys.sorted().first { throw OptimizerStateError.unexpectedSlot(extra) }
        slots = restored
        trainedBeforeAveraging = trained
        iterations = state.iterations
    }
}
