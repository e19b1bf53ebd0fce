#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Adds the fixed sinusoidal position signal of the Transformer to a sequence of embeddings.
///
/// For position `pos` and feature pair `(2i, 2i + 1)` of `D` features:
/// `PE[pos, 2i] = sin(pos / 10000^(2i / D))`, `PE[pos, 2i + 1] = cos(pos / 10000^(2i / D))`
/// (an odd last feature gets only the sine). The table is computed in `Double` and rounded to
/// the scalar type.
///
/// Shapes: `[batch, time, features]` → the same shape (`x + PE[0..<time]`).
///
/// No weights; the gradient with respect to the input is the identity. A mask passes through.
public final class PositionalEncoding<Scalar: TensorScalar>: Layer {
    /// The layer's name.
    public let name: String

    /// No weights.
    public var parameters: [Parameter<Scalar>] { [] }

    /// The longest table computed so far, reused for shorter sequences of the same width.
    private var cachedTable: Tensor<Scalar>?

    /// A positional encoding layer.
    public init(name: String = "positional_encoding") {
        self.name = name
    }

    /// The `[length, features]` sinusoid table.
    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public static func table(length: Int, features: Int) -> Tensor<Scalar> {
        var values = [Scalar](repeating: 0, count: length * features)
        for pos in 0..<length {
            for even in stride(from: 0, to: features, by: 2) {
                let angle = Double(pos) / pow(10000.0, Double(even) / Double(features))
                values[pos * features + even] = Scalar(sin(angle))
                if even + 1 < features { values[pos * features + even + 1] = Scalar(cos(angle)) }
            }
        }
        return Tensor(uncheckedShape: [length, features], scalars: values)
    }

    /// Adds the position table to `input`.
    ///
    /// Shapes: `[batch, time, features]` → `[batch, time, features]`.
    ///
    /// - Throws: ``TensorError/invalidRank(operation:expected:shape:)`` for an input that is not
    ///   rank 3.
    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func callAsFunction(_ input: Tensor<Scalar>) throws -> Tensor<Scalar> {
        guard input.rank == 3 else {
            throw TensorError.invalidRank(operation: "PositionalEncoding '\(name)'",
                                          expected: "rank 3 [batch, time, features]", shape: input.shape)
        }
        let (length, features) = (input.shape[1], input.shape[2])
        if cachedTable.map({ $0.shape[1] != features || $0.shape[0] < length }) ?? true {
            cachedTable = PositionalEncoding.table(length: length, features: features)
        }
        guard var table = cachedTable else { preconditionFailure("PositionalEncoding table missing") }
        if table.shape[0] > length { table = try table.slice(alongAxis: 0, 0..<length) }
        return try input + table
    }

    /// Adds the position table to a masked tensor; the mask passes through.
    ///
    /// - Throws: as ``callAsFunction(_:)-(Tensor<Scalar>)``.
    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func callAsFunction(_ input: MaskedTensor<Scalar>) throws -> MaskedTensor<Scalar> {
        MaskedTensor(try self(input.tensor), mask: input.mask)
    }
}

// One input to one output, so that `Sequential` stacks it without a forward closure.
extension PositionalEncoding: TensorLayer {
    /// ``callAsFunction(_:)-(Tensor<Scalar>)``; `training` has no effect.
    ///
    /// Shapes: `[batch, time, features]` → the same shape.
    /// - Throws: ``TensorError`` unless the input has rank 3.
    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func forward(_ input: Tensor<Scalar>, training: Bool) throws -> Tensor<Scalar> {
        try self(input)
    }
}
