/// Keras' loss functions, averaged over the batch (Keras' default `sum_over_batch_size`).
///
/// Each returns a scalar tensor that records gradients. The `probabilities:` forms follow
/// tf-keras exactly (clipping to `[1e-7, 1 − 1e-7]`); the `logits:` forms are what Keras uses
/// after a softmax or sigmoid layer, so prefer them.
public enum Losses {
    /// The clipping epsilon of Keras' probability losses (`backend.epsilon()`).
    public static let epsilon = 1e-7

    /// Mean of `−log_softmax(z)[label]`.
    ///
    /// Shapes: logits `[..., classes]`, labels `[...]` or `[..., 1]` (class ids).
    /// - Throws: ``TensorError`` when the shapes do not fit or a label is out of range.
    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public static func sparseCategoricalCrossentropy<Scalar>(
        logits: Tensor<Scalar>, labels: IntTensor
    ) throws -> Tensor<Scalar> {
        let oneHot = try oneHotRows(labels, like: logits, operation: "sparseCategoricalCrossentropy")
        let picked = try (logits.logSoftmax(alongAxis: -1) * oneHot).sum(alongAxis: -1)
        return -picked.mean()
    }

    /// tf-keras' sparse cross-entropy from probabilities: `p` is clipped to `[ε, 1 − ε]`, then
    /// the loss is `−log_softmax(log p)[label]` (equal to `−log p[label]` when rows sum to 1).
    ///
    /// Shapes: probabilities `[..., classes]`, labels `[...]` or `[..., 1]`.
    /// - Throws: ``TensorError`` when the shapes do not fit or a label is out of range.
    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public static func sparseCategoricalCrossentropy<Scalar>(
        probabilities: Tensor<Scalar>, labels: IntTensor
    ) throws -> Tensor<Scalar> {
        let e = Scalar(epsilon)
        return try sparseCategoricalCrossentropy(logits: probabilities.clipped(lower: e, upper: 1 - e).log(),
                                                 labels: labels)
    }

    /// Mean of `−Σ t · log_softmax(z)` over the class axis.
    ///
    /// Shapes: logits and targets `[..., classes]`.
    /// - Throws: ``TensorError/shapeMismatch(operation:lhs:rhs:)`` when the shapes differ.
    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public static func categoricalCrossentropy<Scalar>(
        logits: Tensor<Scalar>, targets: Tensor<Scalar>
    ) throws -> Tensor<Scalar> {
        try requireSameShape(logits, targets, "categoricalCrossentropy")
        return -(try (targets * logits.logSoftmax(alongAxis: -1)).sum(alongAxis: -1)).mean()
    }

    /// tf-keras' categorical cross-entropy from probabilities: rows are rescaled to sum to 1,
    /// clipped to `[ε, 1 − ε]`, then `−Σ t · log p`.
    ///
    /// Shapes: probabilities and targets `[..., classes]`.
    /// - Throws: ``TensorError/shapeMismatch(operation:lhs:rhs:)`` when the shapes differ.
    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public static func categoricalCrossentropy<Scalar>(
        probabilities: Tensor<Scalar>, targets: Tensor<Scalar>
    ) throws -> Tensor<Scalar> {
        try requireSameShape(probabilities, targets, "categoricalCrossentropy")
        let e = Scalar(epsilon)
        let rescaled = try probabilities / probabilities.sum(alongAxis: -1, keepDims: true)
        let logP = rescaled.clipped(lower: e, upper: 1 - e).log()
        return -(try (targets * logP).sum(alongAxis: -1)).mean()
    }

    /// Mean of `max(z, 0) − z·y + log(1 + e^−|z|)`, the stable binary cross-entropy from logits.
    ///
    /// The gradient with respect to `z` is `σ(z) − y` everywhere (also at 0).
    /// Shapes: logits and targets `[batch, 1]` (any equal shapes).
    /// - Throws: ``TensorError/shapeMismatch(operation:lhs:rhs:)`` when the shapes differ.
    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public static func binaryCrossentropy<Scalar>(
        logits: Tensor<Scalar>, targets: Tensor<Scalar>
    ) throws -> Tensor<Scalar> {
        try requireSameShape(logits, targets, "binaryCrossentropy")
        let n = logits.count
        var values = [Scalar](repeating: 0, count: n)
        logits.scalars.withUnsafeBufferPointer { z in
            targets.scalars.withUnsafeBufferPointer { y in
                for i in 0..<n {
                    let zi = z[i]
                    values[i] = Swift.max(zi, 0) - zi * y[i] + Scalar.log(1 + Scalar.exp(-Swift.abs(zi)))
                }
            }
        }
        let z = logits.detached, y = targets.detached
        let perElement = Tensor.record(Tensor(uncheckedShape: logits.shape, scalars: values),
                                       inputs: [logits, targets], label: "binaryCrossentropy(logits)") { g in
            var gz = [Scalar](repeating: 0, count: n), gy = gz
            for i in 0..<n {
                let zi = z.scalars[i]
                gz[i] = g.scalars[i] * (Scalar.logistic(zi) - y.scalars[i])
                gy[i] = -g.scalars[i] * zi
            }
            return [Tensor(uncheckedShape: z.shape, scalars: gz), Tensor(uncheckedShape: z.shape, scalars: gy)]
        }
        return perElement.mean()
    }

    /// tf-keras' binary cross-entropy from probabilities:
    /// `p ← clip(p, ε, 1 − ε)`, `−(y·log(p + ε) + (1 − y)·log(1 − p + ε))`, averaged.
    ///
    /// Shapes: probabilities and targets `[batch, 1]` (any equal shapes).
    /// - Throws: ``TensorError/shapeMismatch(operation:lhs:rhs:)`` when the shapes differ.
    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public static func binaryCrossentropy<Scalar>(
        probabilities: Tensor<Scalar>, targets: Tensor<Scalar>
    ) throws -> Tensor<Scalar> {
        try requireSameShape(probabilities, targets, "binaryCrossentropy")
        let e = Scalar(epsilon)
        let p = probabilities.clipped(lower: e, upper: 1 - e)
        let positive = try targets * (p + e).log()
        let negative = try (1 - targets) * ((1 - p) + e).log()
        return -(try positive + negative).mean()
    }

    /// Mean of `(prediction − target)²` over every element.
    ///
    /// Shapes: predictions and targets of equal shape.
    /// - Throws: ``TensorError/shapeMismatch(operation:lhs:rhs:)`` when the shapes differ.
    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public static func meanSquaredError<Scalar>(
        predictions: Tensor<Scalar>, targets: Tensor<Scalar>
    ) throws -> Tensor<Scalar> {
        try requireSameShape(predictions, targets, "meanSquaredError")
        return try (predictions - targets).squared().mean()
    }

    static func requireSameShape<Scalar>(_ a: Tensor<Scalar>, _ b: Tensor<Scalar>, _ operation: String) throws {
        guard a.shape == b.shape else {
            throw TensorError.shapeMismatch(operation: operation + " (output vs. targets)", lhs: a.shape, rhs: b.shape)
        }
    }

    /// One-hot rows `[..., classes]` for class ids `[...]` or `[..., 1]`.
    static func oneHotRows<Scalar>(_ labels: IntTensor, like logits: Tensor<Scalar>, operation: String) throws -> Tensor<Scalar> {
        guard let classes = logits.shape.last, logits.rank >= 1 else {
            throw TensorError.invalidRank(operation: operation, expected: "logits of rank ≥ 1", shape: logits.shape)
        }
        let leading = Array(logits.shape.dropLast())
        guard labels.shape == leading || labels.shape == leading + [1] else {
            throw TensorError.shapeMismatch(operation: operation + " (labels vs. logits)", lhs: labels.shape, rhs: logits.shape)
        }
        var values = [Scalar](repeating: 0, count: logits.count)
        for (row, label) in labels.scalars.enumerated() {
            guard label >= 0, Int(label) < classes else {
                throw TensorError.indexOutOfRange(operation: operation + " label", index: Int(label), count: classes)
            }
            values[row * classes + Int(label)] = 1
        }
        return Tensor(uncheckedShape: logits.shape, scalars: values)
    }
}
