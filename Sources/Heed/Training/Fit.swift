import Foundation

extension Model {
    /// Trains the model (Keras `fit`): per step a forward pass in training mode, the loss,
    /// `backward()`, clipping and the optimizer update, then the gradients are cleared.
    ///
    /// Shuffling draws a fresh order each epoch from `seed` and the epoch number alone, so a
    /// run resumed from a checkpoint sees the same batches as an uninterrupted one. Loss and
    /// metrics in the logs are over all examples of the epoch (the loss weighted by batch size).
    /// `validationSplit` holds out the *last* fraction of the examples, before shuffling, as Keras.
    /// With `resumeFrom`, weights, optimizer state and the completed epoch count are loaded
    /// from that checkpoint and training continues from there.
    ///
    /// Data parallel: with a ``Model/synchronizer``, `batchSize` is per process (as in PyTorch's
    /// DistributedDataParallel), each step takes `batchSize × processCount` examples, and the
    /// synchronizer averages the gradients after `backward()` (or, with
    /// ``GradientExchange/overlapped(bucketBytes:)``, bucket by bucket during it) and before
    /// clipping and the update; see ``GradientSynchronizer`` for what runs where.
    ///
    /// Determinism: with the same initial weights, `seed` and data, and `Heed.threads == 1`,
    /// two runs give bit-identical weights, and so does a run resumed from a checkpoint. With
    /// more threads the tiled attention kernels may add per-worker partial sums of the query
    /// gradient in a different order (when the batch is smaller than twice the threads), so
    /// the weights can differ from a one-thread run in the last bits (about 1e-7 after a few
    /// Adam steps); matrix products split over threads keep each element's arithmetic. Heed's
    /// dropout (``Dropout``, and in ``Attention`` and ``MultiHeadAttention``) draws its masks
    /// from its seed, its name and the step's index (epoch × steps per epoch + step), so a
    /// resumed run draws the same masks; a layer of your own that draws random numbers in
    /// training must do likewise for the same guarantee.
    ///
    /// Shapes: `x` and `y` have the same number of examples along their first axis.
    /// - Throws: ``ModelError`` for bad arguments or a model not compiled; ``TensorError`` from
    ///   the layers and loss; ``CheckpointError``/``SafeTensorsError`` when resuming or saving.
    ///
    /// `x` is the model's input in memory or any ``ExampleSource`` of it (rows read from disk):
    /// both give the same batches, and so the same weights. `stepsPerEpoch` (Keras'
    /// `steps_per_epoch`) ends each epoch after that many steps of its own shuffled order; the
    /// epoch's logged loss and metrics are over those steps' examples.
    @discardableResult
    public func fit<X: ExampleSource>(
        x: X, y: Targets<Scalar>, batchSize: Int = 32, epochs: Int = 1, initialEpoch: Int = 0,
        validationData: (x: X, y: Targets<Scalar>)? = nil, validationSplit: Double = 0,
        shuffle: Bool = true, seed: UInt64 = 0, callbacks: [any Callback] = [],
        verbose: Verbosity = .progressBar, resumeFrom: URL? = nil, stepsPerEpoch: Int? = nil
    ) throws -> History where X.Batch == Input {
        if let stepsPerEpoch, stepsPerEpoch < 1 {
            throw ModelError.invalidArgument("stepsPerEpoch must be at least 1, got \(stepsPerEpoch)")
        }
        guard validationSplit >= 0, validationSplit < 1 else {
            throw ModelError.invalidArgument("validationSplit must be in [0, 1), got \(validationSplit)")
        }
        if validationSplit > 0 {
            guard validationData == nil else {
                throw ModelError.invalidArgument("pass validationData or validationSplit, not both")
            }
            let cut = Int(Double(x.exampleCount) * (1 - validationSplit))
            let head = Array(0..<cut), tail = Array(cut..<x.exampleCount)
            guard !head.isEmpty, !tail.isEmpty else {
                throw ModelError.invalidArgument("validationSplit \(validationSplit) of \(x.exampleCount) examples leaves an empty split")
            }
            return try train(
                x: SubsetSource(base: x, indices: head), y: y.selectingExamples(head),
                validation: (SubsetSource(base: x, indices: tail), y.selectingExamples(tail)),
                batchSize: batchSize, epochs: epochs, initialEpoch: initialEpoch, shuffle: shuffle, seed: seed,
                callbacks: callbacks, verbose: verbose, resumeFrom: resumeFrom, stepsPerEpoch: stepsPerEpoch)
        }
        return try train(
            x: x, y: y, validation: validationData, batchSize: batchSize, epochs: epochs, initialEpoch: initialEpoch,
            shuffle: shuffle, seed: seed, callbacks: callbacks, verbose: verbose, resumeFrom: resumeFrom,
            stepsPerEpoch: stepsPerEpoch)
    }

    /// The training loop of `fit`, after the validation split.
    private func train<X: ExampleSource, V: ExampleSource>(
        x trainX: X, y trainY: Targets<Scalar>, validation: (x: V, y: Targets<Scalar>)?, batchSize: Int, epochs: Int,
        initialEpoch: Int, shuffle: Bool, seed: UInt64, callbacks: [any Callback], verbose: Verbosity, resumeFrom: URL?,
        stepsPerEpoch: Int?
    ) throws -> History where X.Batch == Input, V.Batch == Input {
        guard let configuration else { throw ModelError.notCompiled(model: name) }
        guard batchSize > 0 else { throw ModelError.invalidArgument("batchSize must be positive, got \(batchSize)") }
        guard trainX.exampleCount == trainY.exampleCount else {
            throw ModelError.exampleCountMismatch(inputs: trainX.exampleCount, targets: trainY.exampleCount)
        }
        let n = trainX.exampleCount
        guard n > 0 else { throw ModelError.invalidArgument("no training examples") }
        let batchSize = Swift.min(batchSize, n)  // the same steps, and no overflow in counting them

        // Layers create their weights on first use: build them before the weights are listed.
        try build(from: trainX.examples([0]))
        var startEpoch = initialEpoch
        if let resumeFrom {
            let info = try load(from: resumeFrom, includeOptimizer: true)
            startEpoch = info.epoch ?? initialEpoch
        }
        let parameters = try namedParameters()
        let optimizer = configuration.optimizer
        // A checkpoint written after the moving averages replaced the weights also holds the
        // weights as trained: a resumed run continues from those. Another fit in this process
        // continues from the averages, as in Keras.
        if resumeFrom != nil { try optimizer.resumeTrainedWeights(parameters) } else { optimizer.forgetTrainedWeights() }
        let metricNames = configuration.metrics.map(\.name)
        let logOrder = ["loss"] + metricNames + (validation == nil ? [] : ["val_loss"] + metricNames.map { "val_" + $0 })
        let parallel = try DataParallelSteps(
            synchronizer: synchronizer, batchSize: batchSize, parameters: parameters,
            settings: [
                ("the number of training examples", Double(n)), ("batchSize", Double(batchSize)),
                ("epochs", Double(epochs)), ("the first epoch", Double(startEpoch)),
                ("seed (low 32 bits)", Double(seed & 0xFFFF_FFFF)), ("seed (high 32 bits)", Double(seed >> 32)),
                ("shuffle", shuffle ? 1 : 0),
            ])
        let rank = parallel.rank
        let steps = Swift.min(parallel.steps(examples: n), stepsPerEpoch ?? .max)
        let write: (String) -> Void = rank == 0 ? output : { _ in }
        let context = TrainingContext(
            epochs: epochs, initialEpoch: startEpoch, stepsPerEpoch: steps, logOrder: logOrder,
            learningRate: { optimizer.learningRate },
            setLearningRate: { optimizer.schedule = .constant($0) },
            snapshot: {
                let saved = parameters.map { ($0.parameter, $0.parameter.value.detached) }
                return WeightSnapshot { for (p, v) in saved { try p.assign(v) } }
            },
            saveCheckpoint: { [unowned self] url, completed in
                guard rank == 0 else { return }
                try self.save(to: url, includeOptimizer: true, epoch: completed)
            },
            write: write)
        context.swapEMABody = { try optimizer.swapEMAWeights(parameters) }
        var allCallbacks = callbacks
        if verbose != .silent && rank == 0 {
            allCallbacks.insert(ProgressLogger(verbosity: verbose, isTerminal: isatty(1) != 0, write: output), at: 0)
        }

        var history = History()
        for callback in allCallbacks { try callback.onTrainBegin(context) }
        var epoch = startEpoch
        while epoch < epochs && !context.stopTraining {
            context.epoch = epoch
            for callback in allCallbacks { try callback.onEpochBegin(epoch, context: context) }
            let order = shuffle ? Self.shuffledOrder(count: n, seed: seed, epoch: epoch) : Array(0..<n)
            var lossSum = 0.0
            var seen = 0
            var accumulator = MetricAccumulator(metrics: configuration.metrics)
            context.runningLogsBody = {
                var logs = accumulator.results()
                logs["loss"] = seen == 0 ? .nan : lossSum / Double(seen)
                return logs
            }
            for step in 0..<steps {
                let (indices, examples) = parallel.beginStep(step, order: order)
                var lossValue = 0.0
                if !indices.isEmpty {
                    let xb = try trainX.examples(indices), yb = trainY.selectingExamples(indices)
                    // Dropout draws from the step's index, so that a resumed run draws the same.
                    let out = try TrainingRandomness.$step.withValue(epoch &* steps &+ step) { try forward(xb, training: true) }
                    let loss = try configuration.loss(out, yb, outputActivation: outputActivation)
                    lossValue = Double(loss.scalar)
                    parallel.backward(loss, value: lossValue)
                    if !configuration.metrics.isEmpty {
                        let predictions = try withoutGrad { try outputActivation.apply(out.detached) }
                        try accumulator.add(predictions: predictions, targets: yb)
                    }
                }
                lossValue = try parallel.finishStep(loss: lossValue)
                optimizer.apply(to: parameters)
                for (_, p) in parameters { p.zeroGrad() }
                lossSum += lossValue * Double(examples.count)
                seen += examples.count
                context.step = step
                context.batchLoss = lossValue
                for callback in allCallbacks { try callback.onBatchEnd(step, context: context) }
                if context.stopTraining { break }
            }
            var logs = context.runningLogs()
            if !configuration.metrics.isEmpty, let merged = try parallel.mergedMetrics(accumulator) {
                logs.merge(merged) { _, all in all }
            }
            if let validation {
                for callback in allCallbacks { try callback.onTestBegin(context) }
                for (key, value) in try evaluate(x: validation.x, y: validation.y, batchSize: batchSize) {
                    logs["val_" + key] = value
                }
                for callback in allCallbacks { try callback.onTestEnd(context) }
            }
            history.append(epoch: epoch, logs: logs)
            for callback in allCallbacks { try callback.onEpochEnd(epoch, logs: logs, context: context) }
            epoch += 1
        }
        // Keras: the weights become their moving averages after the last epoch.
        if epochs > 0 { try optimizer.finalizeVariableValues(parameters) }
        for callback in allCallbacks { try callback.onTrainEnd(context) }
        return history
    }

    /// ``fit(x:y:batchSize:epochs:initialEpoch:validationData:validationSplit:shuffle:seed:callbacks:verbose:resumeFrom:stepsPerEpoch:)-(_,Targets<Scalar>,_,_,_,_,_,_,_,_,_,_,_)``
    /// with class ids as targets.
    @discardableResult
    public func fit<X: ExampleSource>(
        x: X, y: IntTensor, batchSize: Int = 32, epochs: Int = 1, initialEpoch: Int = 0,
        validationData: (x: X, y: IntTensor)? = nil, validationSplit: Double = 0,
        shuffle: Bool = true, seed: UInt64 = 0, callbacks: [any Callback] = [],
        verbose: Verbosity = .progressBar, resumeFrom: URL? = nil, stepsPerEpoch: Int? = nil
    ) throws -> History where X.Batch == Input {
        try fit(x: x, y: .classes(y), batchSize: batchSize, epochs: epochs, initialEpoch: initialEpoch,
                validationData: validationData.map { ($0.x, .classes($0.y)) }, validationSplit: validationSplit,
                shuffle: shuffle, seed: seed, callbacks: callbacks, verbose: verbose, resumeFrom: resumeFrom,
                stepsPerEpoch: stepsPerEpoch)
    }

    /// ``fit(x:y:batchSize:epochs:initialEpoch:validationData:validationSplit:shuffle:seed:callbacks:verbose:resumeFrom:stepsPerEpoch:)-(_,Targets<Scalar>,_,_,_,_,_,_,_,_,_,_,_)``
    /// with float targets (one-hot rows, binary labels `[batch, 1]`, regression values).
    @discardableResult
    public func fit<X: ExampleSource>(
        x: X, y: Tensor<Scalar>, batchSize: Int = 32, epochs: Int = 1, initialEpoch: Int = 0,
        validationData: (x: X, y: Tensor<Scalar>)? = nil, validationSplit: Double = 0,
        shuffle: Bool = true, seed: UInt64 = 0, callbacks: [any Callback] = [],
        verbose: Verbosity = .progressBar, resumeFrom: URL? = nil, stepsPerEpoch: Int? = nil
    ) throws -> History where X.Batch == Input {
        try fit(x: x, y: .values(y), batchSize: batchSize, epochs: epochs, initialEpoch: initialEpoch,
                validationData: validationData.map { ($0.x, .values($0.y)) }, validationSplit: validationSplit,
                shuffle: shuffle, seed: seed, callbacks: callbacks, verbose: verbose, resumeFrom: resumeFrom,
                stepsPerEpoch: stepsPerEpoch)
    }

    /// Loss and metrics over a whole data set, in batches, in inference mode (Keras `evaluate`).
    ///
    /// The loss is the mean over all examples; metrics are computed over all examples at once.
    /// With a ``Model/synchronizer`` every process evaluates one contiguous shard and the results
    /// are merged, so every process returns the whole data set's loss and metrics.
    /// - Throws: ``ModelError`` when not compiled or the counts differ; ``TensorError``.
    public func evaluate<X: ExampleSource>(x: X, y: Targets<Scalar>, batchSize: Int = 32) throws -> [String: Double]
        where X.Batch == Input {
        guard let configuration else { throw ModelError.notCompiled(model: name) }
        guard batchSize > 0 else { throw ModelError.invalidArgument("batchSize must be positive, got \(batchSize)") }
        guard x.exampleCount == y.exampleCount else {
            throw ModelError.exampleCountMismatch(inputs: x.exampleCount, targets: y.exampleCount)
        }
        let n = x.exampleCount
        let shard = synchronizer?.shard(of: n) ?? 0..<n
        var lossSum = 0.0
        var accumulator = MetricAccumulator(metrics: configuration.metrics)
        try withoutGrad {
            for start in stride(from: shard.lowerBound, to: shard.upperBound, by: batchSize) {
                let indices = Array(start..<(start + Swift.min(batchSize, shard.upperBound - start)))
                let xb = try x.examples(indices), yb = y.selectingExamples(indices)
                let out = try forward(xb, training: false)
                lossSum += Double(try configuration.loss(out, yb, outputActivation: outputActivation).scalar) * Double(indices.count)
                if !configuration.metrics.isEmpty {
                    try accumulator.add(predictions: try outputActivation.apply(out), targets: yb)
                }
            }
        }
        if let synchronizer {
            var sums = [lossSum]
            try synchronizer.allReduceSum(&sums)
            lossSum = sums[0]
            if !configuration.metrics.isEmpty { accumulator = try synchronizer.merged(accumulator) }
        }
        var logs = accumulator.results()
        logs["loss"] = n == 0 ? .nan : lossSum / Double(n)
        return logs
    }

    /// ``evaluate(x:y:batchSize:)-(_,Targets<Scalar>,_)`` with class ids as targets.
    public func evaluate<X: ExampleSource>(x: X, y: IntTensor, batchSize: Int = 32) throws -> [String: Double]
        where X.Batch == Input {
        try evaluate(x: x, y: .classes(y), batchSize: batchSize)
    }

    /// ``evaluate(x:y:batchSize:)-(_,Targets<Scalar>,_)`` with float targets.
    public func evaluate<X: ExampleSource>(x: X, y: Tensor<Scalar>, batchSize: Int = 32) throws -> [String: Double]
        where X.Batch == Input {
        try evaluate(x: x, y: .values(y), batchSize: batchSize)
    }

    /// Predictions (after ``outputActivation``) for every example, computed in batches in
    /// inference mode without recording gradients (Keras `predict`).
    ///
    /// Shapes: `[examples, …]` as the model's output.
    /// - Throws: ``ModelError/invalidArgument(_:)`` for a bad batch size; ``TensorError``.
    public func predict(_ x: Input, batchSize: Int = 32) throws -> Tensor<Scalar> {
        guard batchSize > 0 else { throw ModelError.invalidArgument("batchSize must be positive, got \(batchSize)") }
        let n = x.exampleCount
        var scalars: [Scalar] = []
        var rowShape: [Int]? = nil
        try withoutGrad {
            for start in stride(from: 0, to: n, by: batchSize) {
                let indices = Array(start..<Swift.min(n, start + batchSize))
                let out = try outputActivation.apply(forward(x.selectingExamples(indices), training: false))
                let rest = Array(out.shape.dropFirst())
                if let rowShape, rowShape != rest {
                    throw TensorError.shapeMismatch(operation: "predict (batch outputs)", lhs: rowShape, rhs: rest)
                }
                rowShape = rest
                scalars.append(contentsOf: out.scalars)
            }
        }
        return Tensor(uncheckedShape: [n] + (rowShape ?? []), scalars: scalars)
    }

    /// Creates the weights of every lazily built layer by running the first example of `x`
    /// through the forward pass in inference mode, without recording gradients.
    ///
    /// ``fit(x:y:batchSize:epochs:initialEpoch:validationData:validationSplit:shuffle:seed:callbacks:verbose:resumeFrom:stepsPerEpoch:)-(_,Targets<Scalar>,_,_,_,_,_,_,_,_,_,_,_)``
    /// calls it itself; call it before ``load(from:includeOptimizer:)`` or
    /// ``namedParameters()`` on a model that has not run yet.
    ///
    /// Shapes: `x` is one batch of inputs (only its first example is used).
    /// - Throws: ``TensorError`` from the layers; nothing when `x` has no examples.
    public func build(from x: Input) throws {
        guard x.exampleCount > 0 else { return }
        _ = try withoutGrad { try forward(x.selectingExamples([0]), training: false) }
    }

    /// A permutation of `0..<count` that depends only on `seed` and `epoch` (Fisher–Yates).
    static func shuffledOrder(count: Int, seed: UInt64, epoch: Int) -> [Int] {
        var g = SeededGenerator(seed: seed ^ (0x9E37_79B9_7F4A_7C15 &* UInt64(epoch + 1)))
        var order = Array(0..<count)
        if count > 1 {
            for i in stride(from: count - 1, to: 0, by: -1) {
                order.swapAt(i, g.nextInt(below: i + 1))
            }
        }
        return order
    }
}
