import Heed

/// Padded token ids and class ids of a set of examples, ready for batching.
public struct EncodedTexts: Sendable, Equatable {
    /// One id matrix per text input, each `[count, maxLength]`.
    public let inputs: [IntTensor]
    /// Class ids, `[count]`.
    public let labels: IntTensor

    /// Examples from id matrices and class ids.
    ///
    /// Shapes: each input `[count, maxLength]`, labels `[count]`.
    ///
    /// - Throws: ``TextDataError/invalidArgument(operation:message:)`` if there is no input or
    ///   the shapes disagree.
    public init(inputs: [IntTensor], labels: IntTensor) throws {
        guard !inputs.isEmpty, labels.rank == 1,
              inputs.allSatisfy({ $0.rank == 2 && $0.shape[0] == labels.shape[0] })
        else {
            throw TextDataError.invalidArgument(
                operation: "EncodedTexts",
                message: "inputs \(inputs.map(\.shape)) must be [count, maxLength] and labels \(labels.shape) [count]")
        }
        self.inputs = inputs
        self.labels = labels
    }

    /// The number of examples.
    public var count: Int { labels.shape[0] }

    /// The sequence length.
    public var maxLength: Int { inputs[0].shape[1] }

    /// The examples at `indices`, in that order.
    public func subset(_ indices: [Int]) -> EncodedTexts {
        let pickedInputs = inputs.map { Self.rows($0, indices) }
        let pickedLabels = IntTensor(indices.map { labels.scalars[$0] })
        return EncodedTexts(unchecked: pickedInputs, labels: pickedLabels)
    }

    /// Batches of `size` examples in order; the last one holds the remainder.
    ///
    /// - Throws: ``TextDataError/invalidArgument(operation:message:)`` if `size < 1`.
    public func batches(size: Int) throws -> [TextBatch] {
        try batches(size: size, order: Array(0..<count))
    }

    /// Batches of `size` examples in an order shuffled by `generator`; the last one holds the
    /// remainder. Pass the same generator on for each epoch to get a new order each time.
    ///
    /// - Throws: ``TextDataError/invalidArgument(operation:message:)`` if `size < 1`.
    public func batches(size: Int, shuffledBy generator: inout SeededGenerator) throws -> [TextBatch] {
        try batches(size: size, order: DatasetSplit.shuffledIndices(count: count, generator: &generator))
    }

    /// Batches of `size` examples in the order of a generator seeded with `seed`.
    ///
    /// - Throws: ``TextDataError/invalidArgument(operation:message:)`` if `size < 1`.
    public func batches(size: Int, seed: UInt64) throws -> [TextBatch] {
        var generator = SeededGenerator(seed: seed)
        return try batches(size: size, shuffledBy: &generator)
    }

    private func batches(size: Int, order: [Int]) throws -> [TextBatch] {
        guard size >= 1 else {
            throw TextDataError.invalidArgument(operation: "EncodedTexts.batches", message: "batch size \(size) must be at least 1")
        }
        return stride(from: 0, to: order.count, by: size).map { start in
            let picked = subset(Array(order[start..<min(start + size, order.count)]))
            return TextBatch(inputs: picked.inputs, labels: picked.labels)
        }
    }

    private init(unchecked inputs: [IntTensor], labels: IntTensor) {
        self.inputs = inputs
        self.labels = labels
    }

    private static func rows(_ matrix: IntTensor, _ indices: [Int]) -> IntTensor {
        let width = matrix.shape[1]
        var scalars = [Int32]()
        scalars.reserveCapacity(indices.count * width)
        matrix.scalars.withUnsafeBufferPointer { source in
            for row in indices {
                scalars.append(contentsOf: source[(row * width)..<((row + 1) * width)])
            }
        }
        guard let picked = try? IntTensor(shape: [indices.count, width], scalars: scalars) else {
            preconditionFailure("EncodedTexts.rows: \(scalars.count) ids do not fill [\(indices.count), \(width)]")
        }
        return picked
    }
}
