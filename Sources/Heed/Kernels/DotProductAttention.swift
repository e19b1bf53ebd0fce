extension Tensor {
    /// Dot-product attention as one differentiable operation with Keras' masking:
    /// `S = scale · Q·Kᵀ` (no `1/√d`: pass it as `scale` if you want it), the scores `mask`
    /// hides lowered by ``AttentionMask/penalty``, `W = softmax(S)` over the keys, times
    /// `dropout`'s keep mask, `output = W·V`, and the output rows of hidden queries zeroed.
    ///
    /// The output records one graph node (the returned weights a second one), whose pullback
    /// computes the gradients of `query`, `key`, `value` and `scale`. One plan chooses the
    /// kernels: Heed's tiled AVX2 / AVX-512 ones for `Float` without returned weights (memory
    /// O(T·D)), else the OpenBLAS ones; they run on `Heed.threads` threads with denormals flushed.
    ///
    /// - Parameters:
    ///   - query: the queries `[batch, Tq, D]`.
    ///   - key: the keys `[batch, Tv, D]`.
    ///   - value: the values `[batch, Tv, Dv]`.
    ///   - scale: one element multiplying the scores (Keras `use_scale`), which may require a
    ///     gradient; `nil` means 1.
    ///   - mask: the hidden scores and zeroed query rows.
    ///   - dropout: dropout of the weights, for training.
    ///   - returnWeights: also return the weights `[batch, Tq, Tv]` (after masking and softmax,
    ///     before dropout, not zeroed by the query mask).
    /// - Returns: the output `[batch, Tq, Dv]`, and the weights when `returnWeights` is true.
    /// - Throws: ``TensorError/invalidRank(operation:expected:shape:)`` when an input is not
    ///   rank 3, ``TensorError/shapeMismatch(operation:lhs:rhs:)`` when the sizes, a mask or a
    ///   dropout keep mask do not fit, and ``TensorError/invalidArgument(operation:message:)``
    ///   when `scale` is not one element or a query, key, feature or value size is zero.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public static func dotProductAttention(
        query: Tensor, key: Tensor, value: Tensor, scale: Tensor? = nil,
        mask: AttentionMask = .none, dropout: AttentionDropout? = nil, returnWeights: Bool = false
    ) throws -> (output: Tensor, weights: Tensor?) {
        let op = "dotProductAttention"
        let (b, tq, tv, d, dv) = try attentionSizes(query: query, key: key, value: value, scale: scale)
        let visibility = try AttentionVisibility(mask, batch: b, queryLength: tq, keyLength: tv, operation: op)
        let dropout = dropout.flatMap { $0.rate > 0 ? $0 : nil }
        let plan = AttentionPlan.choose(Scalar.self, returnsWeights: returnWeights, keepMask: dropout?.keepMask != nil)
        if case let .tiled(level) = plan {
            let flash = FlashAttention(
                batch: b, queryLength: tq, keyLength: tv, depth: d, valueDepth: dv, scale: Float(scale?.scalars[0] ?? 1),
                visibility: visibility, dropout: dropout, level: level)
            return (flashAttention(flash, query: query, key: key, value: value, scale: scale, label: op), nil)
        }
        let kernel = AttentionKernel<Scalar>(
            batch: b, queryLength: tq, keyLength: tv, depth: d, valueDepth: dv,
            scale: scale?.scalars[0] ?? 1, visibility: visibility,
            dropout: try dropout?.multipliers(Scalar.self, batch: b, queryLength: tq, keyLength: tv, operation: op))
        let inputs = [query, key, value] + (scale.map { [$0] } ?? [])
        let recording = GradMode.isEnabled && inputs.contains { $0.node != nil }
        let keepWeights = recording || returnWeights

        // The kernel writes every element of both (weights past the causal diagonal included).
        let made = [Scalar].uninitialized(counts: [b * tq * dv, keepWeights ? b * tq * tv : 0]) { out in
            withPinned([query.scalars, key.scalars, value.scalars]) { x in
                guard let q = x[0], let k = x[1], let v = x[2], let o = out[0] else { return }
                kernel.forward(query: q, key: k, value: v, output: o, weights: out[1])
            }
        }
        let (output, weights) = (made[0], made[1])
        let weightsTensor = keepWeights ? Tensor(uncheckedShape: [b, tq, tv], scalars: weights) : nil
        let result = Tensor(uncheckedShape: [b, tq, dv], scalars: output)
        guard recording, let weightsTensor else { return (result, returnWeights ? weightsTensor : nil) }

        let qv = query.detached, kv = key.detached, vv = value.detached, shapes = inputs.map(\.shape)
        // The output's node, and the weights' own: they depend on the query, key and scale only
        // and send their cotangent through the same softmax backward.
        func node(_ x: Tensor, label: String, output: Bool) -> Tensor {
            let needed = inputs.indices.map { inputs[$0].node != nil && (output || $0 != 2) }  // input 2: the value
            return record(x, inputs: inputs, label: label) { g in
                let made = kernel.gradients(gradOutput: output ? g : nil, gradWeights: output ? nil : g, query: qv, key: kv,
                                            value: vv, weights: weightsTensor, needed: needed)
                return gradients(shapes: shapes, made, needed: needed)
            }
        }
        return (node(result, label: op, output: true), returnWeights ? node(weightsTensor, label: "\(op) weights", output: false) : nil)
    }

    /// Checks the operands of a dot-product attention (the errors of
    /// ``dotProductAttention(query:key:value:scale:mask:dropout:returnWeights:)``, naming
    /// `operation`) and returns `(batch, Tq, Tv, D, Dv)`.
    static func attentionSizes(query: Tensor, key: Tensor, value: Tensor, scale: Tensor?,
                               operation op: String = "dotProductAttention") throws -> (Int, Int, Int, Int, Int) {
        for t in [query, key, value] where t.rank != 3 {
            throw TensorError.invalidRank(operation: op, expected: "query, key and value of rank 3", shape: t.shape)
        }
        let (b, tq, d) = (query.shape[0], query.shape[1], query.shape[2])
        let (tv, dv) = (value.shape[1], value.shape[2])
        guard key.shape[0] == b, value.shape[0] == b else {
            throw TensorError.shapeMismatch(operation: "\(op) (batch of query vs key/value)", lhs: query.shape,
                                            rhs: key.shape[0] != b ? key.shape : value.shape)
        }
        guard key.shape[2] == d else {
            throw TensorError.shapeMismatch(operation: "\(op) (features of query vs key)", lhs: query.shape, rhs: key.shape)
        }
        guard key.shape[1] == tv else {
            throw TensorError.shapeMismatch(operation: "\(op) (steps of key vs value)", lhs: key.shape, rhs: value.shape)
        }
        guard tq > 0, tv > 0, d > 0, dv > 0 else {
            throw TensorError.invalidArgument(operation: op, message: "query steps, key steps, features and value features "
                                              + "must be positive, got query \(query.shape), key \(key.shape), value \(value.shape)")
        }
        if let scale, scale.count != 1 {
            throw TensorError.invalidArgument(operation: op, message: "scale must hold one element, got shape \(scale.shape)")
        }
        return (b, tq, tv, d, dv)
    }
}

extension AttentionKernel {
    /// Runs the backward kernel on tensors: `[dQuery, dKey, dValue, [dScale]]`, the first three
    /// empty where `needed` (query, key, value, and the scale when the call has one) is false.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    func gradients(gradOutput g: Tensor<Scalar>?, gradWeights: Tensor<Scalar>?,
                   query: Tensor<Scalar>, key: Tensor<Scalar>, value: Tensor<Scalar>,
                   weights: Tensor<Scalar>, needed: [Bool]) -> [[Scalar]] {
        let gradOutput = g.map { visibility.zeroingHiddenRows($0.scalars, width: valueDepth) }
        // The kernel writes every element of the gradients it is asked for.
        var dScale: Scalar = 0
        let made = [Scalar].uninitialized(counts: zip([query, key, value], needed).map { $1 ? $0.count : 0 }) { out in
            withPinned([query.scalars, key.scalars, value.scalars, weights.scalars, gradOutput ?? [],
                        gradWeights?.scalars ?? []]) { x in
                guard let q = x[0], let k = x[1], let v = x[2], let w = x[3] else { return }
                dScale = backward(query: q, key: k, value: v, weights: w, gradOutput: x[4], gradWeights: x[5],
                                  scaleGradient: needed.count > 3 && needed[3], gradQuery: out[0], gradKey: out[1],
                                  gradValue: out[2])
            }
        }
        return made + [[dScale]]
    }
}

extension Tensor {
    /// An attention's input gradients: `scalars[i]` shaped `shapes[i]` where `needed[i]`, else
    /// `nil`, for as many inputs as `shapes` lists (the scale's only when the call had one).
    static func gradients(shapes: [[Int]], _ scalars: [[Scalar]], needed: [Bool]) -> [Tensor?] {
        zip(shapes, zip(scalars, needed)).map { shape, x in x.1 ? Tensor(uncheckedShape: shape, scalars: x.0) : nil }
    }
}
