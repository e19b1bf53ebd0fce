import Heed

/// The query–document classifier of the Keras `Attention` docs: one shared Embedding and one
/// shared Conv1D encode a query and a value text, `Attention([query, value])` lets the query
/// read the value, both are averaged over time, concatenated, and a Dense layer classifies.
///
/// Shapes: `InputPair` of query ids `[batch, Tq]` and value ids `[batch, Tv]` → logits
/// `[batch, 1]` for two classes (`outputActivation` sigmoid, binary cross-entropy) or
/// `[batch, numClasses]` for more (softmax). Keras layer names: `token_embedding`, `cnn`,
/// `attention`, `query_pool`, `attention_pool`, `concat`, `output` (and `hidden` with the
/// interaction head).
///
/// The optional interaction head replaces the plain concatenation by `[q, a, |q − a|, q ⊙ a]`
/// of the pooled query `q` and the pooled attention output `a`, followed by a hidden Dense
/// layer with ReLU; it is off by default (the docs' model).
public final class PairClassifier<Scalar: TensorScalar>: Model<Scalar, InputPair<IntTensor, IntTensor>> {
    /// The shared token embedding (`token_embedding`).
    public let embedding: Embedding<Scalar>
    /// The shared convolution (`cnn`).
    public let cnn: Conv1D<Scalar>
    /// The query-over-value attention (`attention`).
    public let attention: Attention<Scalar>
    /// Pools the query encoding (`query_pool`).
    public let queryPool: GlobalAveragePooling1D<Scalar>
    /// Pools the attention output (`attention_pool`).
    public let attentionPool: GlobalAveragePooling1D<Scalar>
    /// Joins the pooled vectors (`concat`).
    public let concat: Concatenate<Scalar>
    /// The hidden layer of the interaction head (`hidden`), when enabled.
    public let hidden: Dense<Scalar>?
    /// The output layer (`output`).
    public let outputLayer: Dense<Scalar>

    /// A pair classifier whose weights are created from `seed`.
    ///
    /// - Throws: `ModelError.invalidArgument(_:)` when a size is not positive or there are
    ///   fewer than two classes.
    public init(vocabSize: Int, embedDim: Int = 64, filters: Int = 100, kernelSize: Int = 4, numClasses: Int,
                maskZero: Bool = false, interactionHead: Bool = false, hiddenUnits: Int = 64,
                seed: UInt64 = 42, name: String = "pair_classifier") throws {
        guard vocabSize >= 2, embedDim >= 1, filters >= 1, kernelSize >= 1, numClasses >= 2, hiddenUnits >= 1 else {
            throw ModelError.invalidArgument(
                "PairClassifier: vocabSize (\(vocabSize)) must be ≥ 2, numClasses (\(numClasses)) ≥ 2, and embedDim (\(embedDim)), filters (\(filters)), kernelSize (\(kernelSize)), hiddenUnits (\(hiddenUnits)) ≥ 1")
        }
        embedding = Embedding(inputDim: vocabSize, outputDim: embedDim, maskZero: maskZero, name: "token_embedding", seed: seed)
        cnn = try Conv1D(filters: filters, kernelSize: kernelSize, padding: .same, name: "cnn", seed: seed)
        attention = Attention(name: "attention", seed: seed)
        queryPool = GlobalAveragePooling1D(name: "query_pool")
        attentionPool = GlobalAveragePooling1D(name: "attention_pool")
        concat = Concatenate(axis: -1, name: "concat")
        hidden = interactionHead ? Dense(units: hiddenUnits, activation: .relu, name: "hidden", seed: seed) : nil
        let binary = numClasses == 2
        outputLayer = Dense(units: binary ? 1 : numClasses, name: "output", seed: seed)
        super.init(name: name, outputActivation: binary ? .sigmoid : .softmax)
        add(embedding)
        add(cnn)
        add(attention)
        add(queryPool)
        add(attentionPool)
        add(concat)
        if let hidden { add(hidden) }
        add(outputLayer)
        embedding.build()
        try cnn.build(inputShape: [1, 1, embedDim])
        attention.build()
        if let hidden {
            try hidden.build(inputShape: [4 * filters])
            try outputLayer.build(inputShape: [hiddenUnits])
        } else {
            try outputLayer.build(inputShape: [2 * filters])
        }
    }

    /// The forward pass with the Keras docs' named tensors: `query_seq_encoding`,
    /// `value_seq_encoding`, `query_value_attention_seq`, `query_encoding`,
    /// `query_value_attention`, `concat`, and the attention weights `[batch, Tq, Tv]`.
    ///
    /// Shapes: query `[batch, Tq]`, value `[batch, Tv]` → logits `[batch, 1]` or
    /// `[batch, numClasses]`.
    /// - Throws: `TensorError` for an id outside the vocabulary or bad shapes.
    public func trace(_ input: InputPair<IntTensor, IntTensor>, training: Bool = false) throws -> ForwardTrace<Scalar> {
        for ids in [input.first, input.second] where ids.rank != 2 {
            throw TensorError.invalidRank(operation: "PairClassifier '\(name)'", expected: "token ids [batch, time]", shape: ids.shape)
        }
        let queryEmbeddings = try embedding.masked(input.first)
        let valueEmbeddings = try embedding.masked(input.second)
        // Keras' Conv1D drops masks; with maskZero the padding masks of the ids are passed on
        // explicitly, so padded keys are hidden and the pooling averages only real tokens.
        let (queryMask, valueMask) = (queryEmbeddings.mask, valueEmbeddings.mask)
        let querySeq = try cnn(queryEmbeddings.tensor)
        let valueSeq = try cnn(valueEmbeddings.tensor)
        let attended = try attention.attend(query: querySeq, value: valueSeq, queryMask: queryMask,
                                            valueMask: valueMask, training: training)
        let queryEncoding = try queryPool(querySeq, mask: queryMask)
        let attentionEncoding = try attentionPool(attended.output, mask: queryMask)
        var joined = try concat([queryEncoding, attentionEncoding])
        var trace = ForwardTrace<Scalar>(logits: joined)
        trace.activations = [
            "query_seq_encoding": querySeq, "value_seq_encoding": valueSeq,
            "query_value_attention_seq": attended.output, "query_encoding": queryEncoding,
            "query_value_attention": attentionEncoding, "concat": joined,
        ]
        if let hidden {
            let difference = try (queryEncoding - attentionEncoding).abs()
            let product = try queryEncoding * attentionEncoding
            joined = try hidden(Tensor.concatenate([queryEncoding, attentionEncoding, difference, product], alongAxis: -1))
            trace.activations["hidden"] = joined
        }
        trace.logits = try outputLayer(joined)
        trace.attentionWeights = attended.scores
        return trace
    }

    /// The logits for a batch of query/value id pairs.
    ///
    /// - Throws: as ``trace(_:training:)``.
    public override func forward(_ input: InputPair<IntTensor, IntTensor>, training: Bool) throws -> Tensor<Scalar> {
        try trace(input, training: training).logits
    }
}
