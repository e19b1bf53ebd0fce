import Heed

/// The attention text classifier: Embedding → Attention([x, x]) → GlobalAveragePooling1D →
/// Dense softmax (the Keras recipe this project grew from); with a `dropout` rate, a Keras
/// `Dropout` (`embedding_dropout`) on the embedded tokens while training.
///
/// Shapes: token ids `[batch, time]` → logits `[batch, numClasses]`; `outputActivation` is
/// softmax, so the loss uses the logits as Keras does. Keras layer names: `embedding`,
/// `attention`, `mean_over_time`, `classifier`; weights `embedding/embeddings
/// [vocabSize, embedDim]`, `classifier/kernel [embedDim, numClasses]`, `classifier/bias
/// [numClasses]`. With `maskZero`, id 0 is padding: padded keys are hidden from the attention,
/// padded query rows are zeroed and the pooling averages only real tokens.
public final class TextClassifier<Scalar: TensorScalar>: Model<Scalar, IntTensor> {
    /// The token embedding (`embedding`).
    public let embedding: Embedding<Scalar>
    /// Dropout on the embedded tokens while training (`embedding_dropout`), when the rate is
    /// above 0.
    public let embeddingDropout: Dropout<Scalar>?
    /// Dot-product self-attention without scale (`attention`).
    public let attention: Attention<Scalar>
    /// The mean over time (`mean_over_time`).
    public let pooling: GlobalAveragePooling1D<Scalar>
    /// The output layer (`classifier`).
    public let classifier: Dense<Scalar>

    /// A text classifier whose weights are created from `seed`.
    ///
    /// - Throws: `ModelError.invalidArgument(_:)` when a size is not positive, there are
    ///   fewer than two classes or `dropout` is outside `[0, 1)`.
    public init(vocabSize: Int, embedDim: Int = 64, numClasses: Int, maskZero: Bool = false, dropout: Double = 0,
                seed: UInt64 = 42, name: String = "text_classifier") throws {
        guard vocabSize >= 2, embedDim >= 1, numClasses >= 2, dropout >= 0, dropout < 1 else {
            throw ModelError.invalidArgument(
                "TextClassifier: vocabSize (\(vocabSize)) must be ≥ 2, embedDim (\(embedDim)) ≥ 1, numClasses (\(numClasses)) ≥ 2, dropout (\(dropout)) in [0, 1)")
        }
        embedding = Embedding(inputDim: vocabSize, outputDim: embedDim, maskZero: maskZero, name: "embedding", seed: seed)
        embeddingDropout = dropout > 0 ? Dropout(rate: dropout, seed: seed, name: "embedding_dropout") : nil
        attention = Attention(name: "attention", seed: seed)
        pooling = GlobalAveragePooling1D(name: "mean_over_time")
        classifier = Dense(units: numClasses, name: "classifier", seed: seed)
        super.init(name: name, outputActivation: .softmax)
        add(embedding)
        if let embeddingDropout { add(embeddingDropout) }
        add(attention)
        add(pooling)
        add(classifier)
        embedding.build()
        attention.build()
        try classifier.build(inputShape: [embedDim])
    }

    /// The forward pass with every named activation: `embedding`, `attention`,
    /// `mean_over_time`, the mask `embedding_mask` (with `maskZero`) and the attention weights.
    ///
    /// Shapes: `[batch, time]` → logits `[batch, numClasses]`.
    /// - Throws: `TensorError` for an id outside the vocabulary or a bad shape.
    public func trace(_ ids: IntTensor, training: Bool = false) throws -> ForwardTrace<Scalar> {
        guard ids.rank == 2 else {
            throw TensorError.invalidRank(operation: "TextClassifier '\(name)'", expected: "token ids [batch, time]", shape: ids.shape)
        }
        let x = try embedded(ids, training: training)
        let attended = try attention.attend(query: x.tensor, value: x.tensor, queryMask: x.mask, valueMask: x.mask,
                                            training: training)
        let pooled = try pooling(attended.output, mask: attended.mask)
        var trace = ForwardTrace(logits: try classifier(pooled))
        trace.activations = ["embedding": x.tensor, "attention": attended.output, "mean_over_time": pooled]
        if let mask = x.mask { trace.masks["embedding_mask"] = mask }
        trace.attentionWeights = attended.scores
        return trace
    }

    /// The logits `[batch, numClasses]` for token ids `[batch, time]`: the computation of
    /// ``trace(_:training:)`` without keeping the attention weights, so that inference never
    /// stores the `[batch, time, time]` weights.
    ///
    /// - Throws: as ``trace(_:training:)``.
    public override func forward(_ input: IntTensor, training: Bool) throws -> Tensor<Scalar> {
        guard input.rank == 2 else {
            throw TensorError.invalidRank(operation: "TextClassifier '\(name)'", expected: "token ids [batch, time]", shape: input.shape)
        }
        let x = try embedded(input, training: training)
        let attended = try attention(query: x, value: x, training: training)
        return try classifier(pooling(attended.tensor, mask: attended.mask))
    }

    /// The embedded tokens with their padding mask, after the dropout when training.
    private func embedded(_ ids: IntTensor, training: Bool) throws -> MaskedTensor<Scalar> {
        let x = try embedding.masked(ids)
        guard let embeddingDropout, training else { return x }
        return try embeddingDropout(x, training: true)
    }
}
