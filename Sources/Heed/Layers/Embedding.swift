/// Looks up a learnt vector for every integer id (Keras `Embedding`).
///
/// Shapes: ids `[...]` (usually `[batch, time]`) → `[..., outputDim]`; weight `embeddings`
/// `[inputDim, outputDim]`. With `maskZero`, the output's Keras mask is `ids != 0`; the lookup
/// itself is unchanged (id 0 still returns row 0, and row 0 still receives gradient), so
/// `inputDim` must be the vocabulary size + 1. The gradient of `embeddings` adds up over
/// repeated ids.
public final class Embedding<Scalar: TensorScalar>: Layer {
    /// The layer's name, prefix of its weight names (`embedding/embeddings`).
    public let name: String
    /// The number of rows: ids must lie in `0..<inputDim`.
    public let inputDim: Int
    /// The length of each vector.
    public let outputDim: Int
    /// Whether id 0 is padding, giving the output mask `ids != 0`.
    public let maskZero: Bool
    /// How `embeddings` is initialised (Keras default U(−0.05, 0.05)).
    public let embeddingsInitializer: Initializer
    /// The seed of the initial weights (mixed with the layer name).
    public let seed: UInt64

    /// The table `[inputDim, outputDim]`, once built.
    public private(set) var embeddings: Parameter<Scalar>?

    /// An embedding table of `inputDim` rows of `outputDim` values; weights are created on
    /// first use (or by ``build(inputShape:)``).
    public init(
        inputDim: Int, outputDim: Int, maskZero: Bool = false,
        embeddingsInitializer: Initializer = .embeddingUniform,
        name: String = "embedding", seed: UInt64 = 0
    ) {
        precondition(inputDim > 0 && outputDim > 0,
                     "Embedding: inputDim and outputDim must be positive, got \(inputDim), \(outputDim)")
        self.name = name
        self.inputDim = inputDim
        self.outputDim = outputDim
        self.maskZero = maskZero
        self.embeddingsInitializer = embeddingsInitializer
        self.seed = seed
    }

    /// `[embeddings]` once built, else empty.
    public var parameters: [Parameter<Scalar>] { embeddings.map { [$0] } ?? [] }

    /// Whether the weights exist.
    public var isBuilt: Bool { embeddings != nil }

    /// Creates `embeddings` if it does not exist yet. The table does not depend on the ids'
    /// shape, so `inputShape` is accepted for uniformity and otherwise ignored.
    public func build(inputShape: [Int] = []) {
        guard embeddings == nil else { return }
        var generator = LayerSeed.generator(seed: seed, name: name)
        let table: Tensor<Scalar> = embeddingsInitializer.make([inputDim, outputDim], generator: &generator)
        embeddings = Parameter(path: "embeddings", value: table)
    }

    /// The vectors of `ids`.
    ///
    /// Shapes: `[...]` → `[..., outputDim]`.
    ///
    /// - Throws: ``TensorError/indexOutOfRange(operation:index:count:)`` naming the first id
    ///   outside `0..<inputDim`.
    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func callAsFunction(_ ids: IntTensor) throws -> Tensor<Scalar> {
        build()
        guard let embeddings else { preconditionFailure("Embedding: build() created no weights") }
        return try lookup(ids, in: embeddings.value)
    }

    /// The lookup with the table passed in (gradient checks treat it as an input).
    func lookup(_ ids: IntTensor, in table: Tensor<Scalar>) throws -> Tensor<Scalar> {
        let rows = table.shape.first ?? 0
        for id in ids.scalars where id < 0 || Int(id) >= rows {
            throw TensorError.indexOutOfRange(operation: "Embedding '\(name)' lookup", index: Int(id), count: rows)
        }
        return try table.gatheringRows(ids)
    }

    /// The vectors of `ids` with their Keras mask (`ids != 0` when `maskZero`, else none).
    ///
    /// Shapes: `[...]` → tensor `[..., outputDim]`, mask `[...]`.
    ///
    /// - Throws: ``TensorError/indexOutOfRange(operation:index:count:)`` for an id outside
    ///   `0..<inputDim`.
    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func masked(_ ids: IntTensor) throws -> MaskedTensor<Scalar> {
        MaskedTensor(try self(ids), mask: computeMask(ids))
    }

    /// The output mask for `ids`: `ids != 0` when `maskZero`, else `nil`.
    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func computeMask(_ ids: IntTensor) -> Mask? {
        maskZero ? ids.notEqual(0) : nil
    }
}

// One input to one output, so that `Sequential` stacks it without a forward closure.
extension Embedding: IDsLayer {
    /// ``callAsFunction(_:)``; `training` has no effect.
    ///
    /// Shapes: ids `[batch, time]` → `[batch, time, outputDim]`.
    /// - Throws: ``TensorError`` for an id outside `0..<inputDim`.
    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func forward(_ ids: IntTensor, training: Bool) throws -> Tensor<Scalar> {
        try self(ids)
    }
}
