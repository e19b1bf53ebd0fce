import Foundation

/// What a checkpoint says besides the weights.
public struct CheckpointInfo: Sendable, Equatable {
    /// The number of completed epochs when it was saved, if recorded.
    public var epoch: Int?
    /// All metadata of the file.
    public var metadata: [String: String]
}

/// Saving and strictly loading weights (and optimizer state) as safetensors, by Keras weight
/// name.
///
/// Weights are stored under their full names (`dense/kernel`); the optimizer's step counter
/// under `optimizer/iterations` (`I64`) and its slots under `optimizer/<weight>/<slot>`
/// (`optimizer/dense/kernel/m`); the epoch in the metadata, and with the optimizer its constant
/// learning rate (`learning_rate`), which a ``LearningRateScheduler`` may have set.
public enum Checkpoint {
    /// The prefix of optimizer tensors.
    public static let optimizerPrefix = "optimizer/"

    /// The file contents for the given weights, optimizer state and epoch.
    ///
    /// - Throws: ``CheckpointError/duplicateName(_:)`` when two weights share a name.
    public static func contents<Scalar: TensorScalar>(
        parameters: [(name: String, parameter: Parameter<Scalar>)], optimizer: Optimizer<Scalar>? = nil,
        epoch: Int? = nil, metadata: [String: String] = [:]
    ) throws -> SafeTensorsFile {
        var file = SafeTensorsFile(metadata: metadata)
        file.metadata["format"] = "heed"
        file.metadata["dtype"] = Scalar.dtypeName
        if let epoch { file.metadata["epoch"] = String(epoch) }
        for (name, parameter) in parameters {
            guard file.tensors[name] == nil else { throw CheckpointError.duplicateName(name) }
            file.tensors[name] = SafeTensor(parameter.value)
        }
        if let optimizer {
            file.metadata["optimizer"] = optimizer.kerasName
            if case let .constant(rate) = optimizer.schedule { file.metadata["learning_rate"] = "\(rate)" }
            let state = optimizer.exportState(parameters: parameters)
            file.tensors[optimizerPrefix + "iterations"] = SafeTensor(int64: [Int64(state.iterations)], shape: [])
            for (key, tensor) in state.slots { file.tensors[optimizerPrefix + key] = SafeTensor(tensor) }
        }
        return file
    }

    /// Saves weights, optionally the optimizer state and the epoch, atomically.
    ///
    /// - Throws: ``CheckpointError/duplicateName(_:)``, or ``SafeTensorsError/io(path:message:)``
    ///   when the file cannot be written.
    public static func save<Scalar: TensorScalar>(
        parameters: [(name: String, parameter: Parameter<Scalar>)], optimizer: Optimizer<Scalar>? = nil,
        epoch: Int? = nil, metadata: [String: String] = [:], to url: URL
    ) throws {
        try contents(parameters: parameters, optimizer: optimizer, epoch: epoch, metadata: metadata).write(to: url)
    }

    /// Loads a checkpoint file strictly into the weights (and the optimizer, when given).
    ///
    /// Every weight must be present with its shape and dtype, and the file may hold no other
    /// weight; optimizer tensors are checked when `optimizer` is given and ignored otherwise.
    /// Nothing is changed unless everything fits.
    /// - Throws: ``SafeTensorsError`` for a malformed file, ``CheckpointError`` naming the tensor
    ///   that is missing, unexpected, mis-shaped or of the wrong dtype, ``OptimizerStateError``.
    @discardableResult
    public static func load<Scalar: TensorScalar>(
        into parameters: [(name: String, parameter: Parameter<Scalar>)], optimizer: Optimizer<Scalar>? = nil,
        from url: URL
    ) throws -> CheckpointInfo {
        try load(SafeTensorsFile(contentsOf: url), into: parameters, optimizer: optimizer)
    }

    /// Loads checkpoint contents strictly; see ``load(into:optimizer:from:)``.
    @discardableResult
    public static func load<Scalar: TensorScalar>(
        _ file: SafeTensorsFile, into parameters: [(name: String, parameter: Parameter<Scalar>)],
        optimizer: Optimizer<Scalar>? = nil
    ) throws -> CheckpointInfo {
        let expectedDType: SafeTensorsDType = Scalar.self == Float.self ? .f32 : .f64
        var seen = Set<String>()
        var values: [Tensor<Scalar>] = []
        for (name, parameter) in parameters {
            guard seen.insert(name).inserted else { throw CheckpointError.duplicateName(name) }
            guard let stored = file.tensors[name] else { throw CheckpointError.missingTensor(name) }
            values.append(try checked(stored, name: name, shape: parameter.shape, dtype: expectedDType))
        }
        for name in file.tensors.keys.sorted() where !name.hasPrefix(optimizerPrefix) && !seen.contains(name) {
            throw CheckpointError.unexpectedTensor(name)
        }
        var epoch: Int? = nil
        if let text = file.metadata["epoch"] {
            guard let e = Int(text), e >= 0 else { throw CheckpointError.invalidMetadata(key: "epoch", value: text) }
            epoch = e
        }
        if let optimizer {
            let learningRate = try file.metadata["learning_rate"].map { text in
                guard let rate = Double(text), rate.isFinite, rate >= 0 else {
                    throw CheckpointError.invalidMetadata(key: "learning_rate", value: text)
                }
                return rate
            }
            let counterName = optimizerPrefix + "iterations"
            guard let counter = file.tensors[counterName] else { throw CheckpointError.missingTensor(counterName) }
            guard counter.dtype == .i64 else {
                throw CheckpointError.dtypeMismatch(name: counterName, expected: "I64", got: counter.dtype.rawValue)
            }
            guard counter.shape.isEmpty, let iterations = counter.int64Values?.first else {
                throw CheckpointError.shapeMismatch(name: counterName, expected: [], got: counter.shape)
            }
            var slots: [String: Tensor<Scalar>] = [:]
            let shapes = Dictionary(parameters.map { ($0.name, $0.parameter.shape) }, uniquingKeysWith: { a, _ in a })
            for (name, stored) in file.tensors where name.hasPrefix(optimizerPrefix) && name != counterName {
                let key = String(name.dropFirst(optimizerPrefix.count))
                let owner = shapes.keys.filter { key.hasPrefix($0 + "/") }.max { $0.count < $1.count }
                guard let owner, let shape = shapes[owner] else { throw CheckpointError.unexpectedTensor(name) }
                slots[key] = try checked(stored, name: name, shape: shape, dtype: expectedDType)
            }
            do {
                try optimizer.importState(OptimizerState(iterations: Int(iterations), slots: slots), parameters: parameters)
            } catch let error as OptimizerStateError {
                switch error {
                case let .missingSlot(key): throw CheckpointError.missingTensor(optimizerPrefix + key)
                case let .unexpectedSlot(key): throw CheckpointError.unexpectedTensor(optimizerPrefix + key)
                default: throw error
                }
            }
            if let learningRate { optimizer.schedule = .constant(learningRate) }
        }
        for ((_, parameter), value) in zip(parameters, values) { try parameter.assign(value) }
        return CheckpointInfo(epoch: epoch, metadata: file.metadata)
    }

    static func checked<Scalar: TensorScalar>(
        _ stored: SafeTensor, name: String, shape: [Int], dtype: SafeTensorsDType
    ) throws -> Tensor<Scalar> {
        guard stored.dtype == dtype else {
            throw CheckpointError.dtypeMismatch(name: name, expected: dtype.rawValue, got: stored.dtype.rawValue)
        }
        guard stored.shape == shape else {
            throw CheckpointError.shapeMismatch(name: name, expected: shape, got: stored.shape)
        }
        return try stored.tensor(Scalar.self)
    }
}
