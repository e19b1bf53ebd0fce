extension Model {
    /// One training step on one batch (Keras `train_on_batch`): the forward pass in training
    /// mode, the loss, `backward()`, clipping and the optimizer update; the gradients are
    /// cleared afterwards. Returns the batch's loss before the update.
    ///
    /// Layers create their weights on the first call, as in Keras. No synchronizer is used.
    ///
    /// Shapes: `x` and `y` have the same number of examples along their first axis.
    /// - Throws: ``ModelError`` when the model is not compiled or the counts differ;
    ///   ``TensorError`` from the layers and loss.
    @discardableResult
    public func trainOnBatch(x: Input, y: Targets<Scalar>) throws -> Double {
        guard let configuration else { throw ModelError.notCompiled(model: name) }
        guard x.exampleCount == y.exampleCount else {
            throw ModelError.exampleCountMismatch(inputs: x.exampleCount, targets: y.exampleCount)
        }
        // Dropout draws from the update's index, so that training resumed from a checkpoint draws the same.
        let out = try TrainingRandomness.$step.withValue(configuration.optimizer.iterations) { try forward(x, training: true) }
        let loss = try configuration.loss(out, y, outputActivation: outputActivation)
        loss.backward()
        // Listed after the forward pass, which creates the weights of lazily built layers.
        let parameters = try namedParameters()
        configuration.optimizer.apply(to: parameters)
        for (_, p) in parameters { p.zeroGrad() }
        return Double(loss.scalar)
    }

    /// ``trainOnBatch(x:y:)-(_,Targets<Scalar>)`` with class ids as targets.
    @discardableResult
    public func trainOnBatch(x: Input, y: IntTensor) throws -> Double {
        try trainOnBatch(x: x, y: .classes(y))
    }
}
