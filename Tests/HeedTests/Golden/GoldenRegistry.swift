@testable import Heed

/// Which code runs which golden case: one runner per Keras layer class, one for models.
///
/// A layer class without a runner here is reported as a failing case.
enum GoldenRegistry {
    static let layerRunners: [String: @Sendable (GoldenLayerCase) throws -> GoldenLayerResult] = [
        "Embedding": { try GoldenEmbedding.run($0) },
        "Dense": { try GoldenDense.run($0) },
        "GlobalAveragePooling1D": { try GoldenGlobalAveragePooling1D.run($0) },
        "Concatenate": { try GoldenConcatenate.run($0) },
        "Attention": { try GoldenAttention.run($0) },
        "Dropout": { try GoldenDropout.run($0) },
    ]

    static let modelRunner: (@Sendable (GoldenModelCase) throws -> GoldenModelResult)? = nil
}
