/// Joins tensors along one axis (Keras `Concatenate`), combining their Keras masks.
///
/// Shapes: inputs whose shapes agree except on `axis`, e.g. `[batch, time, a]` and
/// `[batch, time, b]` with `axis: -1` → `[batch, time, a + b]`. The output mask (only when some
/// input has one) follows Keras: each input's mask (all-true of the input's full shape when
/// missing; a mask of lower rank gets a trailing axis of size 1) is concatenated along `axis`,
/// then reduced with AND over the last axis — `mask_a AND mask_b` for `axis: -1` on
/// `[batch, time]` masks, the masks joined along time for `axis: 1`.
public final class Concatenate<Scalar: TensorScalar>: Layer {
    /// The layer's name.
    public let name: String
    /// The axis to join along (negative counts from the end).
    public let axis: Int

    /// A concatenation along `axis`; it has no weights.
    public init(axis: Int = -1, name: String = "concatenate") {
        self.name = name
        self.axis = axis
    }

    /// Always empty: the layer has no weights.
    public var parameters: [Parameter<Scalar>] { [] }

    /// The inputs joined along ``axis``.
    ///
    /// - Throws: ``TensorError/invalidArgument(operation:message:)`` for an empty list;
    ///   ``TensorError/shapeMismatch(operation:lhs:rhs:)`` naming the first shape that does not
    ///   fit; ``TensorError/invalidAxis(operation:axis:rank:)``.
    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func callAsFunction(_ inputs: [Tensor<Scalar>]) throws -> Tensor<Scalar> {
        guard !inputs.isEmpty else {
            throw TensorError.invalidArgument(operation: "Concatenate '\(name)'", message: "needs at least one input")
        }
        return try Tensor.concatenate(inputs, alongAxis: axis)
    }

    /// The inputs joined along ``axis``, with the combined Keras mask.
    ///
    /// - Throws: as the unmasked call, and when the masks cannot be combined (see
    ///   ``computeMask(inputShapes:masks:)``).
    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func callAsFunction(_ inputs: [MaskedTensor<Scalar>]) throws -> MaskedTensor<Scalar> {
        let output = try self(inputs.map(\.tensor))
        return MaskedTensor(output, mask: try computeMask(inputShapes: inputs.map(\.tensor.shape), masks: inputs.map(\.mask)))
    }

    /// Keras' output mask for inputs of the given shapes carrying `masks` (`nil` when no input
    /// has a mask).
    ///
    /// - Throws: ``TensorError/shapeMismatch(operation:lhs:rhs:)`` when the counts differ or the
    ///   expanded masks cannot be concatenated along ``axis`` (Keras fails there too).
    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func computeMask(inputShapes: [[Int]], masks: [Mask?]) throws -> Mask? {
        guard masks.contains(where: { $0 != nil }) else { return nil }
        guard masks.count == inputShapes.count else {
            throw TensorError.invalidArgument(operation: "Concatenate '\(name)' mask",
                                              message: "\(masks.count) masks for \(inputShapes.count) inputs")
        }
        var pieces: [Tensor<Scalar>] = []
        for (shape, mask) in zip(inputShapes, masks) {
            guard let mask else { pieces.append(.ones(shape)); continue }
            var piece: Tensor<Scalar> = mask.asTensor()
            if mask.rank < shape.count { piece = try piece.reshaped(mask.shape + [1]) }
            pieces.append(piece)
        }
        let joined = try withoutGrad { try Tensor.concatenate(pieces, alongAxis: axis) }
        let lastAxis = joined.rank - 1
        let (outer, n, _) = Shape.split(joined.shape, axis: lastAxis)
        var values = [Bool](repeating: true, count: outer)
        joined.scalars.withUnsafeBufferPointer { p in
            for o in 0..<outer {
                for k in 0..<n where p[o * n + k] == 0 {
                    values[o] = false
                    break
                }
            }
        }
        return try Mask(shape: Array(joined.shape.dropLast()), values: values)
    }
}
