import Foundation
import Heed

/// A Transformer text classifier: Embedding + sinusoidal positions, `blocks` encoder blocks
/// with the padding mask, masked GlobalAveragePooling1D, Dense softmax.
///
/// The token embeddings are added to the positions as they are, as in Keras' Transformer
/// examples; with `scaleEmbeddings` they are first multiplied by √embedDim, as in "Attention
/// Is All You Need". With Keras' small initial embeddings (U(−0.05, 0.05)) the scale makes
/// them eight times larger at width 64 and it overfits IMDb sooner.
///
/// Shapes: token ids `[batch, time]` (0 = padding) → logits `[batch, numClasses]`. Layer names:
/// `token_embedding`, `positional_encoding`, `encoder_<i>_…` (see ``TransformerEncoderBlock``),
/// `mean_over_time`, `classifier`.
public final class TransformerClassifier<Scalar: TensorScalar>: Model<Scalar, IntTensor> {
    /// The token embedding (`token_embedding`, id 0 masked).
    public let embedding: Embedding<Scalar>
    /// The fixed sinusoidal positions.
    public let positions: PositionalEncoding<Scalar>
    /// The encoder blocks in order.
    public let blocks: [TransformerEncoderBlock<Scalar>]
    /// The masked mean over time (`mean_over_time`).
    public let pooling: GlobalAveragePooling1D<Scalar>
    /// The output layer (`classifier`).
    public let classifier: Dense<Scalar>
    /// Whether the token embeddings are multiplied by √embedDim before the positions are added.
    public let scaleEmbeddings: Bool
    private let embeddingScale: Scalar

    /// A Transformer classifier whose weights are created from `seed`.
    ///
    /// - Throws: `ModelError.invalidArgument(_:)` when a size is not positive, there are
    ///   fewer than two classes or the dropout rate is outside `[0, 1)`.
    public init(vocabSize: Int, embedDim: Int = 64, numHeads: Int = 2, keyDim: Int = 32, ffDim: Int = 128,
                blocks blockCount: Int = 1, dropout: Double = 0.1, numClasses: Int, scaleEmbeddings: Bool = false,
                seed: UInt64 = 42, name: String = "transformer_classifier") throws {
        guard vocabSize >= 2, embedDim >= 1, numHeads >= 1, keyDim >= 1, ffDim >= 1, blockCount >= 1, numClasses >= 2,
              dropout >= 0, dropout < 1 else {
            throw ModelError.invalidArgument(
                "TransformerClassifier: vocabSize (\(vocabSize)) must be ≥ 2, numClasses (\(numClasses)) ≥ 2, dropout (\(dropout)) in [0, 1), and embedDim (\(embedDim)), numHeads (\(numHeads)), keyDim (\(keyDim)), ffDim (\(ffDim)), blocks (\(blockCount)) ≥ 1")
        }
        embedding = Embedding(inputDim: vocabSize, outputDim: embedDim, maskZero: true, name: "token_embedding", seed: seed)
        positions = PositionalEncoding(name: "positional_encoding")
        blocks = try (1...blockCount).map {
            try TransformerEncoderBlock(prefix: "encoder_\($0)", embedDim: embedDim, numHeads: numHeads, keyDim: keyDim,
                                        ffDim: ffDim, dropout: dropout, seed: seed &+ UInt64($0))
        }
        pooling = GlobalAveragePooling1D(name: "mean_over_time")
        classifier = Dense(units: numClasses, name: "classifier", seed: seed)
        self.scaleEmbeddings = scaleEmbeddings
        embeddingScale = scaleEmbeddings ? Scalar(Double(embedDim).squareRoot()) : 1
        super.init(name: name, outputActivation: .softmax)
        add(embedding)
        add(positions)
        for block in blocks { block.register(in: self) }
        add(pooling)
        add(classifier)
        embedding.build()
        try classifier.build(inputShape: [embedDim])
    }

    /// The forward pass with named activations (`embedding`, `encoder_<i>`, `mean_over_time`),
    /// the mask `embedding_mask` and the last block's attention weights averaged over heads.
    ///
    /// Shapes: `[batch, time]` → logits `[batch, numClasses]`.
    /// - Throws: `TensorError` for an id outside the vocabulary or a bad shape.
    public func trace(_ ids: IntTensor, training: Bool = false) throws -> ForwardTrace<Scalar> {
        guard ids.rank == 2 else {
            throw TensorError.invalidRank(operation: "TransformerClassifier '\(name)'", expected: "token ids [batch, time]", shape: ids.shape)
        }
        let embedded = try embedding.masked(ids)
        var x = try positions(scaleEmbeddings ? embedded.tensor * embeddingScale : embedded.tensor)
        var activations = ["embedding": x]
        var scores: Tensor<Scalar>? = nil
        for (i, block) in blocks.enumerated() {
            // Only the last block's weights are reported; the others run in the tiled kernels.
            (x, scores) = try block(x, mask: embedded.mask, training: training,
                                    returnAttentionScores: i == blocks.count - 1)
            activations["encoder_\(i + 1)"] = x
        }
        // A text with no known token at all would divide by zero; such rows pool over every step.
        let mask = embedded.mask.map(Self.keepingEmptyRows)
        let pooled = try pooling(x, mask: mask)
        activations["mean_over_time"] = pooled
        var trace = ForwardTrace(logits: try classifier(pooled))
        trace.activations = activations
        if let m = embedded.mask { trace.masks["embedding_mask"] = m }
        trace.attentionWeights = try scores.map { try $0.detached.mean(alongAxis: 1) }
        return trace
    }

    /// The logits `[batch, numClasses]` for token ids `[batch, time]`: the computation of
    /// ``trace(_:training:)`` without the named activations and attention weights.
    ///
    /// - Throws: as ``trace(_:training:)``.
    public override func forward(_ input: IntTensor, training: Bool) throws -> Tensor<Scalar> {
        guard input.rank == 2 else {
            throw TensorError.invalidRank(operation: "TransformerClassifier '\(name)'", expected: "token ids [batch, time]", shape: input.shape)
        }
        let embedded = try embedding.masked(input)
        var x = try positions(scaleEmbeddings ? embedded.tensor * embeddingScale : embedded.tensor)
        for block in blocks {
            x = try block(x, mask: embedded.mask, training: training, returnAttentionScores: false).output
        }
        return try classifier(pooling(x, mask: embedded.mask.map(Self.keepingEmptyRows)))
    }

    /// The mask with every all-false row turned all-true.
    static func keepingEmptyRows(_ mask: Mask) -> Mask {
        guard mask.rank == 2, mask.shape[1] > 0 else { return mask }
        let width = mask.shape[1]
        var values = mask.values
        for row in 0..<mask.shape[0] where !values[(row * width)..<((row + 1) * width)].contains(true) {
            for j in 0..<width { values[row * width + j] = true }
        }
        return (try? Mask(shape: mask.shape, values: values)) ?? mask
    }
}
