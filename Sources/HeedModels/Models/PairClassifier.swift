import Heed
import HeedText

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
///
/// The optional overlap features (see ``overlapFeatures(_:_:)``) give the output layer five
/// numbers per pair that say how much the two texts share, word for word, alongside what the
/// network learns from the words themselves; off by default. A Keras `Normalization` layer
/// (`overlap_normalization`), adapted on the training pairs, standardises them first, so that
/// their weights grow as fast as the rest of the network learns.
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
    /// Standardises ``overlapFeatures(_:_:)`` before the output layer reads them
    /// (`overlap_normalization`), when they are enabled; ``adaptOverlapNormalization(_:)`` sets
    /// its statistics from the training pairs.
    public let overlapNormalization: Normalization<Scalar>?

    /// The number of ``overlapFeatures(_:_:)`` per pair.
    public static var overlapFeatureCount: Int { 5 }

    /// A pair classifier whose weights are created from `seed`.
    ///
    /// - Throws: `ModelError.invalidArgument(_:)` when a size is not positive or there are
    ///   fewer than two classes.
    public init(vocabSize: Int, embedDim: Int = 64, filters: Int = 100, kernelSize: Int = 4, numClasses: Int,
                maskZero: Bool = false, interactionHead: Bool = false, hiddenUnits: Int = 64,
                overlapFeatures: Bool = false, seed: UInt64 = 42, name: String = "pair_classifier") throws {
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
        overlapNormalization = overlapFeatures ? Normalization(name: "overlap_normalization") : nil
        super.init(name: name, outputActivation: binary ? .sigmoid : .softmax)
        add(embedding)
        add(cnn)
        add(attention)
        add(queryPool)
        add(attentionPool)
        add(concat)
        if let hidden { add(hidden) }
        if let overlapNormalization { add(overlapNormalization) }
        add(outputLayer)
        embedding.build()
        try cnn.build(inputShape: [1, 1, embedDim])
        attention.build()
        if let hidden { try hidden.build(inputShape: [4 * filters]) }
        try overlapNormalization?.build(features: Self.overlapFeatureCount)
        let extra = overlapFeatures ? Self.overlapFeatureCount : 0
        try outputLayer.build(inputShape: [(hidden == nil ? 2 * filters : hiddenUnits) + extra])
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
        if let overlapNormalization {
            let overlap = try overlapNormalization(Self.overlapFeatures(input.first, input.second))
            trace.activations["overlap"] = overlap
            joined = try Tensor.concatenate([joined, overlap], alongAxis: -1)
        }
        trace.logits = try outputLayer(joined)
        trace.attentionWeights = attended.scores
        return trace
    }

    /// Sets `overlap_normalization`'s mean and variance from the overlap features of every pair
    /// in `pairs` (Keras `adapt`); call it on the training pairs before `fit`. Does nothing
    /// without overlap features.
    ///
    /// - Throws: errors reading `pairs`; `TensorError` for an empty source.
    public func adaptOverlapNormalization<S: ExampleSource>(_ pairs: S) throws where S.Batch == InputPair<IntTensor, IntTensor> {
        guard let overlapNormalization else { return }
        var scalars: [Scalar] = []
        scalars.reserveCapacity(pairs.exampleCount * Self.overlapFeatureCount)
        for start in stride(from: 0, to: pairs.exampleCount, by: 4096) {
            let batch = try pairs.examples(Array(start..<min(start + 4096, pairs.exampleCount)))
            scalars += try Self.overlapFeatures(batch.first, batch.second).scalars
        }
        try overlapNormalization.adapt(Tensor(shape: [pairs.exampleCount, Self.overlapFeatureCount], scalars: scalars))
    }

    /// How much each pair of texts shares, from their token ids: `[batch, 5]` of
    ///
    /// 0. the share of the first text's distinct tokens that the second text holds,
    /// 1. the share of the second text's distinct tokens that the first holds,
    /// 2. and 3. the same two shares for distinct pairs of neighbouring tokens,
    /// 4. the length difference `|n₁ − n₂| / max(n₁, n₂)` in tokens.
    ///
    /// Padding (id 0) is not a token; `<UNK>` (id 1) counts as one distinct token of its text but
    /// never matches, since two unknown words need not be the same word. A text without tokens
    /// shares nothing, and two such texts differ in length by 0. The features are constants of
    /// the ids: no gradient flows into them.
    ///
    /// Shapes: `[batch, T₁]` and `[batch, T₂]` → `[batch, 5]`.
    /// - Throws: `TensorError` when the batch sizes differ.
    public static func overlapFeatures(_ first: IntTensor, _ second: IntTensor) throws -> Tensor<Scalar> {
        guard first.rank == 2, second.rank == 2, first.shape[0] == second.shape[0] else {
            throw TensorError.shapeMismatch(operation: "PairClassifier.overlapFeatures", lhs: first.shape, rhs: second.shape)
        }
        let batch = first.shape[0]
        func share(_ shared: Int, of count: Int) -> Scalar { count == 0 ? 0 : Scalar(shared) / Scalar(count) }
        var scalars: [Scalar] = []
        scalars.reserveCapacity(batch * overlapFeatureCount)
        for b in 0..<batch {
            let (x, y) = (OverlapTokens(first, row: b), OverlapTokens(second, row: b))
            let words = x.words.intersection(y.words).count
            let pairs = x.pairs.intersection(y.pairs).count
            scalars += [share(words, of: x.distinctWords), share(words, of: y.distinctWords),
                        share(pairs, of: x.distinctPairs), share(pairs, of: y.distinctPairs),
                        share(abs(x.length - y.length), of: max(x.length, y.length))]
        }
        return try Tensor(shape: [batch, overlapFeatureCount], scalars: scalars)
    }

    /// The logits for a batch of query/value id pairs.
    ///
    /// - Throws: as ``trace(_:training:)``.
    public override func forward(_ input: InputPair<IntTensor, IntTensor>, training: Bool) throws -> Tensor<Scalar> {
        try trace(input, training: training).logits
    }
}

/// One text's tokens as ``PairClassifier/overlapFeatures(_:_:)`` compares them: its known
/// distinct ids and neighbouring id pairs, and how many distinct ones it has, `<UNK>` included.
private struct OverlapTokens {
    var words: Set<Int32>
    var pairs: Set<Int64> = []
    var distinctWords: Int
    var distinctPairs: Int
    var length: Int

    init(_ ids: IntTensor, row: Int) {
        let unknown = Vocabulary.unknownID
        let width = ids.shape[1]
        let tokens = ids.scalars[(row * width)..<((row + 1) * width)].filter { $0 != 0 }
        length = tokens.count
        words = Set(tokens.filter { $0 != unknown })
        distinctWords = words.count + (tokens.contains(unknown) ? 1 : 0)
        var allPairs = Set<Int64>()
        for (a, b) in zip(tokens, tokens.dropFirst()) {
            let pair = Int64(a) << 32 | Int64(b)
            allPairs.insert(pair)
            if a != unknown && b != unknown { pairs.insert(pair) }
        }
        distinctPairs = allPairs.count
    }
}
