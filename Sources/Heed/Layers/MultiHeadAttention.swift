/// Keras' `MultiHeadAttention`: scaled dot-product attention over `numHeads` learned
/// projections of query, key and value, followed by an output projection.
///
/// With `N = numHeads`, `H = keyDim`, `Hv = valueDim` and `O = outputShape` (default the
/// query's feature size):
/// `Q = (query·Wq + bq) / sqrt(H)`, `K = key·Wk + bk`, `V = value·Wv + bv` per head;
/// scores `S = Q·Kᵀ` `[batch, N, T, S]`; masked scores get 1e9 subtracted (in the scalar
/// type, so fully masked rows round like Keras' float32 and become uniform); `P = softmax(S)`;
/// dropout on `P` in training only; `y = concat_heads(P·V)·Wo + bo`.
///
/// Shapes: query `[batch, T, Dq]`, value `[batch, S, Dv]`, key `[batch, S, Dk]` (default the
/// value) → output `[batch, T] + O`, scores `[batch, N, T, S]` (before dropout).
///
/// Weights (created on first use, in Keras' order): `query/kernel [Dq, N, H]`,
/// `query/bias [N, H]`, `key/kernel [Dk, N, H]`, `key/bias [N, H]`, `value/kernel [Dv, N, Hv]`,
/// `value/bias [N, Hv]`, `attention_output/kernel [N, Hv] + O`, `attention_output/bias O`;
/// the biases only with `useBias`.
///
/// Masks: the query's mask (`[batch, T]`), the value's and the key's (`[batch, S]`), an explicit
/// `attentionMask` (broadcastable to `[batch, T, S]`) and the causal mask (query `i` sees keys
/// `j ≤ i`) hide a score where any of them hides it, as Keras' one ANDed mask does; a hidden
/// query sees no key. Only the explicit mask forms a `[batch, T, S]` array, so the kernels skip
/// padded keys and the causal rule needs no array. The output is not zeroed at masked queries;
/// the output's mask is the query's mask.
public final class MultiHeadAttention<Scalar: TensorScalar>: Layer {
    /// The layer's name, the prefix of its weights' full names.
    public let name: String
    /// The number of attention heads `N`.
    public let numHeads: Int
    /// The size `H` of each head's query and key projections.
    public let keyDim: Int
    /// The size `Hv` of each head's value projection.
    public let valueDim: Int
    /// The dropout rate on the attention probabilities in training.
    public let dropout: Double
    /// Whether the projections have biases.
    public let useBias: Bool
    /// The trailing output dimensions, or `nil` for the query's feature size.
    public let outputShape: [Int]?
    /// The kernels' initial distribution.
    public let kernelInitializer: Initializer
    /// The biases' initial value.
    public let biasInitializer: Initializer
    /// The seed of the initial weights and of the dropout masks (mixed with `name`).
    public let seed: UInt64

    private var dropoutRandomness: TrainingRandomness

    /// The projection weights, once built.
    public private(set) var queryKernel: Parameter<Scalar>?
    /// The query projection bias, once built with `useBias`.
    public private(set) var queryBias: Parameter<Scalar>?
    /// The key projection kernel, once built.
    public private(set) var keyKernel: Parameter<Scalar>?
    /// The key projection bias, once built with `useBias`.
    public private(set) var keyBias: Parameter<Scalar>?
    /// The value projection kernel, once built.
    public private(set) var valueKernel: Parameter<Scalar>?
    /// The value projection bias, once built with `useBias`.
    public private(set) var valueBias: Parameter<Scalar>?
    /// The output projection kernel, once built.
    public private(set) var outputKernel: Parameter<Scalar>?
    /// The output projection bias, once built with `useBias`.
    public private(set) var outputBias: Parameter<Scalar>?

    /// The weights in Keras creation order (empty before the layer is built).
    public var parameters: [Parameter<Scalar>] {
        [queryKernel, queryBias, keyKernel, keyBias, valueKernel, valueBias, outputKernel, outputBias].compactMap { $0 }
    }

    /// A multi-head attention layer with Keras' arguments and defaults.
    ///
    /// - Throws: ``TensorError/invalidArgument(operation:message:)`` when a size is not positive
    ///   or the dropout rate is outside `[0, 1)`.
    public init(
        numHeads: Int, keyDim: Int, valueDim: Int? = nil, dropout: Double = 0, useBias: Bool = true,
        outputShape: [Int]? = nil, kernelInitializer: Initializer = .glorotUniform,
        biasInitializer: Initializer = .zeros, name: String = "mha", seed: UInt64 = 0
    ) throws {
        let valueDim = valueDim ?? keyDim
        guard numHeads >= 1, keyDim >= 1, valueDim >= 1, outputShape?.allSatisfy({ $0 >= 1 }) ?? true,
              outputShape.map({ !$0.isEmpty }) ?? true else {
            throw TensorError.invalidArgument(
                operation: "MultiHeadAttention '\(name)'",
                message: "numHeads (\(numHeads)), keyDim (\(keyDim)), valueDim (\(valueDim)) and outputShape (\(outputShape.map { "\($0)" } ?? "nil")) must be positive")
        }
        guard dropout >= 0, dropout < 1 else {
            throw TensorError.invalidArgument(operation: "MultiHeadAttention '\(name)'",
                                              message: "dropout \(dropout) must be in [0, 1)")
        }
        self.numHeads = numHeads
        self.keyDim = keyDim
        self.valueDim = valueDim
        self.dropout = dropout
        self.useBias = useBias
        self.outputShape = outputShape
        self.kernelInitializer = kernelInitializer
        self.biasInitializer = biasInitializer
        self.name = name
        self.seed = seed
        dropoutRandomness = TrainingRandomness(seed: seed, name: name + "/dropout")
    }

    /// Whether the weights exist.
    public var isBuilt: Bool { queryKernel != nil }

    /// Creates the weights for the given input shapes (`[batch, time, features]`; the key
    /// defaults to the value); does nothing if they exist.
    ///
    /// - Throws: ``TensorError/invalidRank(operation:expected:shape:)`` for inputs that are not
    ///   rank 3.
    public func build(queryShape: [Int], valueShape: [Int], keyShape: [Int]? = nil) throws {
        guard !isBuilt else { return }
        let keyShape = keyShape ?? valueShape
        for (label, shape) in [("query", queryShape), ("value", valueShape), ("key", keyShape)] where shape.count != 3 {
            throw TensorError.invalidRank(operation: "MultiHeadAttention '\(name)' \(label)",
                                          expected: "rank 3 [batch, time, features]", shape: shape)
        }
        let n = numHeads, h = keyDim, hv = valueDim
        let out = outputShape ?? [queryShape[2]]
        var g = LayerSeed.generator(seed: seed, name: name)
        func weight(_ path: String, _ shape: [Int], _ initializer: Initializer) -> Parameter<Scalar> {
            Parameter(path: path, value: initializer.make(shape, generator: &g))
        }
        queryKernel = weight("query/kernel", [queryShape[2], n, h], kernelInitializer)
        if useBias { queryBias = weight("query/bias", [n, h], biasInitializer) }
        keyKernel = weight("key/kernel", [keyShape[2], n, h], kernelInitializer)
        if useBias { keyBias = weight("key/bias", [n, h], biasInitializer) }
        valueKernel = weight("value/kernel", [valueShape[2], n, hv], kernelInitializer)
        if useBias { valueBias = weight("value/bias", [n, hv], biasInitializer) }
        outputKernel = weight("attention_output/kernel", [n, hv] + out, kernelInitializer)
        if useBias { outputBias = weight("attention_output/bias", out, biasInitializer) }
    }

    /// Attends from `query` to `value` (keyed by `key`, default `value`), building the weights
    /// on first use.
    ///
    /// Shapes: query `[batch, T, Dq]`, value `[batch, S, Dv]`, key `[batch, S, Dk]`;
    /// `queryMask [batch, T]`, `valueMask`/`keyMask [batch, S]`, `attentionMask` broadcastable
    /// to `[batch, T, S]`; `dropoutKeepMask` broadcastable to `[batch, N, T, S]` (used instead
    /// of a random draw in training) → output `[batch, T] + outputShape`, scores
    /// `[batch, N, T, S]` when `returnAttentionScores` (before dropout), else `nil`.
    ///
    /// - Throws: ``TensorError`` when shapes or masks do not fit.
    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func callAsFunction(
        query: Tensor<Scalar>, value: Tensor<Scalar>, key: Tensor<Scalar>? = nil,
        queryMask: Mask? = nil, valueMask: Mask? = nil, keyMask: Mask? = nil,
        attentionMask: Mask? = nil, useCausalMask: Bool = false, returnAttentionScores: Bool = false,
        training: Bool = false, dropoutKeepMask: Mask? = nil
    ) throws -> (output: Tensor<Scalar>, scores: Tensor<Scalar>?) {
        try build(queryShape: query.shape, valueShape: value.shape, keyShape: key?.shape)
        guard let weights else { preconditionFailure("MultiHeadAttention '\(name)' is not built") }
        let k = key ?? value
        let mask = try MultiHeadAttention.combinedMask(
            batch: query.shape.first ?? 0, queryLength: query.shape.count == 3 ? query.shape[1] : 0,
            keyLength: k.shape.count == 3 ? k.shape[1] : 0,
            queryMask: queryMask, valueMask: valueMask, keyMask: key == nil ? (keyMask ?? valueMask) : keyMask,
            attentionMask: attentionMask, useCausalMask: useCausalMask, layerName: name)
        let drop = AttentionDropout.draw(rate: dropout, training: training, keepMask: dropoutKeepMask,
                                         generator: &dropoutRandomness.generator)
        let (output, scores) = try MultiHeadAttention.attend(
            query: query, value: value, key: key, weights: weights, mask: mask, dropout: drop, returnScores: returnAttentionScores, outputShape: outputShape, layerName: name)
        return (output, returnAttentionScores ? scores : nil)
    }

    /// Attends between masked tensors: their Keras masks are folded into the attention mask,
    /// and the output carries the query's mask.
    ///
    /// Shapes: as ``callAsFunction(query:value:key:queryMask:valueMask:keyMask:attentionMask:useCausalMask:returnAttentionScores:training:dropoutKeepMask:)``.
    ///
    /// - Throws: ``TensorError`` when shapes or masks do not fit.
    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func callAsFunction(
        query: MaskedTensor<Scalar>, value: MaskedTensor<Scalar>, key: MaskedTensor<Scalar>? = nil,
        attentionMask: Mask? = nil, useCausalMask: Bool = false, returnAttentionScores: Bool = false,
        training: Bool = false, dropoutKeepMask: Mask? = nil
    ) throws -> (output: MaskedTensor<Scalar>, scores: Tensor<Scalar>?) {
        let (y, scores) = try self(
            query: query.tensor, value: value.tensor, key: key?.tensor, queryMask: query.mask,
            valueMask: value.mask, keyMask: key.map { $0.mask } ?? value.mask, attentionMask: attentionMask,
            useCausalMask: useCausalMask, returnAttentionScores: returnAttentionScores, training: training,
            dropoutKeepMask: dropoutKeepMask)
        return (MaskedTensor(y, mask: query.mask), scores)
    }

    /// The projection weights as tensors (graph leaves of the parameters).
    var weights: Weights? {
        guard let queryKernel, let keyKernel, let valueKernel, let outputKernel else { return nil }
        return Weights(queryKernel: queryKernel.value, queryBias: queryBias?.value,
                       keyKernel: keyKernel.value, keyBias: keyBias?.value,
                       valueKernel: valueKernel.value, valueBias: valueBias?.value,
                       outputKernel: outputKernel.value, outputBias: outputBias?.value)
    }

    /// The eight projection tensors of the layer, in Keras' layouts.
    struct Weights {
        var queryKernel: Tensor<Scalar>, queryBias: Tensor<Scalar>?
        var keyKernel: Tensor<Scalar>, keyBias: Tensor<Scalar>?
        var valueKernel: Tensor<Scalar>, valueBias: Tensor<Scalar>?
        var outputKernel: Tensor<Scalar>, outputBias: Tensor<Scalar>?
    }

    /// The Keras masks as the attention op's mask: the value and key masks ANDed as its key
    /// mask, the explicit mask (broadcast to `[batch, T, S]`) as its pair mask, the query mask
    /// as its seeing-queries mask (a hidden query sees no key), and the causal mask as itself. A
    /// score is hidden where any of them hides it, as in Keras' one ANDed mask.
    static func combinedMask(
        batch: Int, queryLength: Int, keyLength: Int, queryMask: Mask?, valueMask: Mask?, keyMask: Mask?,
        attentionMask: Mask?, useCausalMask: Bool, layerName: String
    ) throws -> AttentionMask {
        let op = "MultiHeadAttention '\(layerName)'"
        let (tq, tk) = (queryLength, keyLength)
        try Mask.check(queryMask, shape: [batch, tq], operation: "\(op) query mask")
        try Mask.check(valueMask, shape: [batch, tk], operation: "\(op) value mask")
        try Mask.check(keyMask, shape: [batch, tk], operation: "\(op) key mask")
        let keys = try valueMask.map { v in try keyMask.map { try v && $0 } ?? v } ?? keyMask
        let pairs = try attentionMask.map { mask in
            guard let full = try? mask.broadcast(to: [batch, tq, tk]) else {
                throw TensorError.shapeMismatch(operation: "\(op) attention mask", lhs: mask.shape, rhs: [batch, tq, tk])
            }
            return full
        }
        return AttentionMask(keys: keys, pairs: pairs, seeingQueries: queryMask, causal: useCausalMask)
    }

    /// Projects `x [B, T, D]` with `kernel [D, N, H]` (+ `bias [N, H]`) to `[B, N, T, H]`.
    static func project(_ x: Tensor<Scalar>, kernel: Tensor<Scalar>, bias: Tensor<Scalar>?, label: String) throws -> Tensor<Scalar> {
        guard x.rank == 3 else {
            throw TensorError.invalidRank(operation: "MultiHeadAttention \(label)", expected: "rank 3 [batch, time, features]", shape: x.shape)
        }
        let (d, n, h) = (kernel.shape[0], kernel.shape[1], kernel.shape[2])
        guard x.shape[2] == d else {
            throw TensorError.shapeMismatch(operation: "MultiHeadAttention \(label) projection", lhs: x.shape, rhs: kernel.shape)
        }
        let y = try Tensor.linear(x, kernel: kernel.reshaped([d, n * h]), bias: bias?.reshaped([n * h]))
        return try y.reshaped([x.shape[0], x.shape[1], n, h]).permuted([0, 2, 1, 3])
    }

    /// The layer's computation with explicit weights (differentiable in inputs and weights).
    ///
    /// Returns the output `[B, T] + O` and, with `returnScores`, the attention probabilities
    /// `[B, N, T, S]` before dropout. The heads run as one batch of `B·N` problems in
    /// ``Tensor/dotProductAttention(query:key:value:scale:mask:dropout:returnWeights:)`` with
    /// `mask` shared by each example's heads and `dropout` of the probabilities (a keep mask
    /// broadcastable to `[B, N, T, S]`, or a seed).
    static func attend(
        query: Tensor<Scalar>, value: Tensor<Scalar>, key: Tensor<Scalar>?, weights w: Weights,
        mask: AttentionMask, dropout: AttentionDropout? = nil, returnScores: Bool = true,
        outputShape: [Int]?, layerName: String
    ) throws -> (output: Tensor<Scalar>, scores: Tensor<Scalar>?) {
        let key = key ?? value
        let keyDim = w.queryKernel.shape[2]
        guard w.keyKernel.shape[2] == keyDim, w.queryKernel.shape[1] == w.keyKernel.shape[1] else {
            throw TensorError.shapeMismatch(operation: "MultiHeadAttention '\(layerName)' query/key kernels",
                                            lhs: w.queryKernel.shape, rhs: w.keyKernel.shape)
        }
        guard key.rank == 3, value.rank == 3, key.shape[0] == value.shape[0], key.shape[1] == value.shape[1],
              query.rank == 3, query.shape[0] == value.shape[0] else {
            throw TensorError.shapeMismatch(operation: "MultiHeadAttention '\(layerName)' value/key", lhs: value.shape, rhs: key.shape)
        }
        let q = try project(query, kernel: w.queryKernel, bias: w.queryBias, label: "'\(layerName)' query")
            * Scalar(1 / Double(keyDim).squareRoot())
        let k = try project(key, kernel: w.keyKernel, bias: w.keyBias, label: "'\(layerName)' key")
        let v = try project(value, kernel: w.valueKernel, bias: w.valueBias, label: "'\(layerName)' value")
        let (heads, probabilities) = try kernelHeads(q: q, k: k, v: v, mask: mask, dropout: dropout,
                                                     returnScores: returnScores, layerName: layerName)
        let (n, hv) = (w.outputKernel.shape[0], w.outputKernel.shape[1])
        let out = Array(w.outputKernel.shape.dropFirst(2))
        let outCount = out.reduce(1, *)
        guard heads.shape[1] == n, heads.shape[3] == hv, outputShape.map({ $0 == out }) ?? true else {
            throw TensorError.shapeMismatch(operation: "MultiHeadAttention '\(layerName)' output kernel",
                                            lhs: w.outputKernel.shape, rhs: [heads.shape[1], heads.shape[3]] + (outputShape ?? []))
        }
        let (batch, tq) = (query.shape[0], query.shape[1])
        let merged = try heads.permuted([0, 2, 1, 3]).reshaped([batch, tq, n * hv])
        let y = try Tensor.linear(merged, kernel: w.outputKernel.reshaped([n * hv, outCount]),
                                  bias: w.outputBias?.reshaped([outCount]))
        return (try y.reshaped([batch, tq] + out), probabilities)
    }

    /// Attention of every head through
    /// ``Tensor/dotProductAttention(query:key:value:scale:mask:dropout:returnWeights:)``, as a
    /// batch of `B·N` problems sharing each example's masks.
    ///
    /// Shapes: q `[B, N, T, H]` (already scaled), k `[B, N, S, H]`, v `[B, N, S, Hv]`, masks with
    /// `B` rows (``combinedMask(batch:queryLength:keyLength:queryMask:valueMask:keyMask:attentionMask:useCausalMask:layerName:)``)
    /// → heads `[B, N, T, Hv]`, probabilities `[B, N, T, S]` with `returnScores`.
    static func kernelHeads(q: Tensor<Scalar>, k: Tensor<Scalar>, v: Tensor<Scalar>, mask: AttentionMask,
                            dropout: AttentionDropout?, returnScores: Bool, layerName: String) throws
        -> (heads: Tensor<Scalar>, probabilities: Tensor<Scalar>?) {
        let (b, n, t, h) = (q.shape[0], q.shape[1], q.shape[2], q.shape[3])
        let (s, hv) = (k.shape[2], v.shape[3])
        var dropout = dropout
        if let keep = dropout?.keepMask {
            // The heads' keep masks as the problems' [B·N, T, S].
            guard let perHead = try? keep.broadcast(to: [b, n, t, s]).reshaped([b * n, t, s]) else {
                throw TensorError.shapeMismatch(operation: "MultiHeadAttention '\(layerName)' dropout keep mask",
                                                lhs: keep.shape, rhs: [b, n, t, s])
            }
            dropout?.keepMask = perHead
        }
        let r = try Tensor.dotProductAttention(
            query: q.reshaped([b * n, t, h]), key: k.reshaped([b * n, s, h]), value: v.reshaped([b * n, s, hv]),
            mask: mask, dropout: dropout, returnWeights: returnScores)
        return (try r.output.reshaped([b, n, t, hv]), try r.weights?.reshaped([b, n, t, s]))
    }
}
