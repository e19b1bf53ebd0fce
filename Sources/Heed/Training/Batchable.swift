/// Data that splits into examples along its first axis, so that training can draw batches.
public protocol Batchable: Sendable {
    /// The number of examples (the size of the first axis).
    var exampleCount: Int { get }
    /// The examples at `indices`, in that order, as a new value (no graph attached).
    func selectingExamples(_ indices: [Int]) -> Self
}

extension Tensor: Batchable {
    /// The size of the first axis (1 for a scalar).
    public var exampleCount: Int { shape.first ?? 1 }

    /// The rows `indices` along the first axis.
    public func selectingExamples(_ indices: [Int]) -> Tensor {
        let rowSize = shape.isEmpty ? 1 : shape.dropFirst().reduce(1, *)
        var out = [Scalar](repeating: 0, count: indices.count * rowSize)
        scalars.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for (k, i) in indices.enumerated() {
                    precondition(i >= 0 && i < exampleCount, "example \(i) is out of range 0..<\(exampleCount)")
                    for j in 0..<rowSize { dst[k * rowSize + j] = src[i * rowSize + j] }
                }
            }
        }
        return Tensor(uncheckedShape: [indices.count] + shape.dropFirst(), scalars: out)
    }
}

extension IntTensor: Batchable {
    /// The size of the first axis (1 for a scalar).
    public var exampleCount: Int { shape.first ?? 1 }

    /// The rows `indices` along the first axis.
    public func selectingExamples(_ indices: [Int]) -> IntTensor {
        let rowSize = shape.isEmpty ? 1 : shape.dropFirst().reduce(1, *)
        var out = [Int32](repeating: 0, count: indices.count * rowSize)
        scalars.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for (k, i) in indices.enumerated() {
                    precondition(i >= 0 && i < exampleCount, "example \(i) is out of range 0..<\(exampleCount)")
                    for j in 0..<rowSize { dst[k * rowSize + j] = src[i * rowSize + j] }
                }
            }
        }
        return IntTensor(unchecked: [indices.count] + shape.dropFirst(), out)
    }
}

extension Targets: Batchable {
    /// The number of examples.
    public var exampleCount: Int { count }

    /// The targets of the examples at `indices`.
    public func selectingExamples(_ indices: [Int]) -> Targets {
        switch self {
        case let .classes(ids): return .classes(ids.selectingExamples(indices))
        case let .values(t): return .values(t.selectingExamples(indices))
        }
    }
}

/// Two inputs of the same examples, e.g. a query and a document.
public struct InputPair<First: Batchable, Second: Batchable>: Batchable {
    /// The first input.
    public var first: First
    /// The second input.
    public var second: Second

    /// Pairs two inputs.
    ///
    /// - Precondition: both have the same number of examples.
    public init(_ first: First, _ second: Second) {
        precondition(first.exampleCount == second.exampleCount,
                     "InputPair: \(first.exampleCount) and \(second.exampleCount) examples")
        self.first = first
        self.second = second
    }

    /// The number of examples.
    public var exampleCount: Int { first.exampleCount }

    /// Both inputs' examples at `indices`.
    public func selectingExamples(_ indices: [Int]) -> InputPair {
        InputPair(first.selectingExamples(indices), second.selectingExamples(indices))
    }
}
