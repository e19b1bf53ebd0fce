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

    /// Interprets the case's functional graph with Heed's layers.
    static let modelRunner: (@Sendable (GoldenModelCase) throws -> GoldenModelResult)? = GoldenModel.run

    /// Builds the matching ready model of HeedModels (`TextClassifier`, `PairClassifier`), so
    /// the shipped models are held to the same reference.
    static let readyModelRunner: @Sendable (GoldenModelCase) throws -> GoldenModelResult = GoldenModels.run
}
