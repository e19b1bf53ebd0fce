@testable import Heed

/// Which code runs which golden case: one runner per Keras layer class, one for models.
///
/// A layer class without a runner here is reported as a failing case.
enum GoldenRegistry {
    static let layerRunners: [String: @Sendable (GoldenLayerCase) throws -> GoldenLayerResult] = [
        "Embedding": GoldenEmbedding.run,
        "Dense": GoldenDense.run,
        "GlobalAveragePooling1D": GoldenGlobalAveragePooling1D.run,
        "Concatenate": GoldenConcatenate.run,
        "Attention": GoldenAttention.run,
        "Dropout": GoldenDropout.run,
        "Conv1D": GoldenConv1D.run,
        "LayerNormalization": GoldenLayerNormalization.run,
        "MultiHeadAttention": GoldenMultiHeadAttention.run,
    ]

    static let modelRunner: (@Sendable (GoldenModelCase) throws -> GoldenModelResult)? = GoldenModels.run
}
