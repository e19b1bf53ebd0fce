/// Which ready model a folder holds.
public enum ModelKind: String, Codable, Sendable, CaseIterable {
    /// ``TextClassifier``: Embedding → Attention → pooling → Dense.
    case text
    /// ``PairClassifier``: the CNN + Attention query–document model.
    case pair
    /// ``TransformerClassifier``: positions, multi-head attention blocks, pooling, Dense.
    case transformer
    /// ``BagClassifier``: naive Bayes–scaled logistic regression over the set of a text's tokens.
    case bag
}
