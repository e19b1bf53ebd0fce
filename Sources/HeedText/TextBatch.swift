import Heed

/// One mini-batch: token ids of each text input and the class ids.
public struct TextBatch: Sendable, Equatable {
    /// One id matrix per text input (one for single texts, two for pairs), each
    /// `[batch, maxLength]`.
    public let inputs: [IntTensor]
    /// Class ids, `[batch]`.
    public let labels: IntTensor

    /// A batch of the given tensors.
    public init(inputs: [IntTensor], labels: IntTensor) {
        self.inputs = inputs
        self.labels = labels
    }

    /// The ids of the first (or only) text input, `[batch, maxLength]`.
    public var ids: IntTensor { inputs[0] }

    /// The number of examples.
    public var count: Int { labels.shape[0] }
}
