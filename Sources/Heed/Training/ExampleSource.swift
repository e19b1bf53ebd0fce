/// Examples that training reads batch by batch: a tensor in memory, or rows read from disk on
/// demand (so a data set need not fit in memory).
///
/// Every ``Batchable`` value in Heed (``Tensor``, ``IntTensor``, ``InputPair``) is its own
/// source; ``Model/fit(x:y:batchSize:epochs:initialEpoch:validationData:validationSplit:shuffle:seed:callbacks:verbose:resumeFrom:stepsPerEpoch:)-(_,Targets<Scalar>,_,_,_,_,_,_,_,_,_,_,_)``
/// and ``Model/evaluate(x:y:batchSize:)-(_,Targets<Scalar>,_)`` take any source whose batches
/// are the model's input, and see the same batches from either.
public protocol ExampleSource<Batch> {
    /// What one batch of examples is: the model's input type.
    associatedtype Batch: Batchable
    /// The number of examples.
    var exampleCount: Int { get }
    /// The examples at `indices`, in that order.
    ///
    /// - Throws: what reading them throws (an I/O error for rows on disk).
    func examples(_ indices: [Int]) throws -> Batch
}

extension Tensor: ExampleSource {
    /// The rows `indices` along the first axis.
    public func examples(_ indices: [Int]) -> Tensor { selectingExamples(indices) }
}

extension IntTensor: ExampleSource {
    /// The rows `indices` along the first axis.
    public func examples(_ indices: [Int]) -> IntTensor { selectingExamples(indices) }
}

extension InputPair: ExampleSource {
    /// Both inputs' examples at `indices`.
    public func examples(_ indices: [Int]) -> InputPair { selectingExamples(indices) }
}

/// Two sources of the same examples read as one, each batch an ``InputPair``.
public struct PairedSource<First: ExampleSource, Second: ExampleSource>: ExampleSource {
    /// The first input's source.
    public let first: First
    /// The second input's source.
    public let second: Second

    /// Pairs two sources.
    ///
    /// - Precondition: both have the same number of examples.
    public init(_ first: First, _ second: Second) {
        precondition(first.exampleCount == second.exampleCount,
                     "PairedSource: \(first.exampleCount) and \(second.exampleCount) examples")
        self.first = first
        self.second = second
    }

    /// The number of examples.
    public var exampleCount: Int { first.exampleCount }

    /// Both inputs' examples at `indices`.
    public func examples(_ indices: [Int]) throws -> InputPair<First.Batch, Second.Batch> {
        InputPair(try first.examples(indices), try second.examples(indices))
    }
}

/// The examples `indices` of a source, as a source.
struct SubsetSource<Base: ExampleSource>: ExampleSource {
    let base: Base
    let indices: [Int]

    var exampleCount: Int { indices.count }

    func examples(_ positions: [Int]) throws -> Base.Batch {
        try base.examples(positions.map { indices[$0] })
    }
}
