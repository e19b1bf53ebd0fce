/// An n-dimensional array of `Float` or `Double` with reverse-mode differentiation.
///
/// Storage is contiguous and row-major, and copied on write (it is a Swift array), so a
/// `Tensor` is a value. A tensor that takes part in differentiation also carries a node of the
/// recorded graph (see ``requiresGrad``, ``backward()``).
public struct Tensor<Scalar: TensorScalar>: Sendable {
    /// The sizes of the axes, outermost first. `[]` is a scalar.
    public let shape: [Int]
    /// The elements in row-major order.
    public internal(set) var scalars: [Scalar]
    /// The graph node, when this tensor takes part in differentiation.
    var node: GradNode<Scalar>?

    /// Wraps scalars whose count is known to match the shape.
    init(uncheckedShape shape: [Int], scalars: [Scalar]) {
        assert(Shape.count(shape) == scalars.count)
        self.shape = shape
        self.scalars = scalars
        self.node = nil
    }

    /// A tensor with the given shape and scalars in row-major order.
    ///
    /// - Throws: ``TensorError/elementCount(operation:shape:count:)`` when the count does not
    ///   match the shape.
    public init(shape: [Int], scalars: [Scalar]) throws {
        guard Shape.checkedCount(shape) == scalars.count else {
            throw TensorError.elementCount(operation: "Tensor(shape:scalars:)", shape: shape,
                                           count: scalars.count)
        }
        self.init(uncheckedShape: shape, scalars: scalars)
    }

    /// A rank-0 tensor holding one value.
    public init(_ value: Scalar) {
        self.init(uncheckedShape: [], scalars: [value])
    }

    /// A rank-1 tensor of the given values.
    public init(_ values: [Scalar]) {
        self.init(uncheckedShape: [values.count], scalars: values)
    }

    /// A tensor of the given shape with every element equal to `value`.
    public init(filled value: Scalar, shape: [Int]) {
        precondition(shape.allSatisfy { $0 >= 0 }, "negative size in shape \(shape)")
        self.init(uncheckedShape: shape, scalars: [Scalar](repeating: value, count: Shape.count(shape)))
    }

    /// Zeros of the given shape.
    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public static func zeros(_ shape: [Int]) -> Tensor { Tensor(filled: 0, shape: shape) }
    /// Ones of the given shape.
    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public static func ones(_ shape: [Int]) -> Tensor { Tensor(filled: 1, shape: shape) }

    /// `[start, start + step, …]` below `end`, as a rank-1 tensor.
    ///
    /// - Precondition: `start`, `end` and `step` are finite and `step` is not zero.
    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public static func arange(_ start: Scalar = 0, _ end: Scalar, step: Scalar = 1) -> Tensor {
        precondition(step != 0, "arange: step must not be zero")
        precondition(start.isFinite && end.isFinite && step.isFinite, "arange(\(start), \(end), step: \(step)): the bounds and step must be finite")
        var values: [Scalar] = []
        var i = 0
        while true {
            let v = start + Scalar(i) * step
            if step > 0 ? v >= end : v <= end { break }
            values.append(v)
            i += 1
        }
        return Tensor(values)
    }

    /// The number of axes.
    public var rank: Int { shape.count }
    /// The number of elements.
    public var count: Int { scalars.count }

    /// The single element of a tensor with one element.
    public var scalar: Scalar {
        precondition(scalars.count == 1, "scalar: tensor of shape \(shape) has \(scalars.count) elements")
        return scalars[0]
    }

    /// The element at a multi-index.
    public subscript(_ index: Int...) -> Scalar {
        precondition(index.count == rank, "index \(index) does not fit shape \(shape)")
        var offset = 0
        for (i, (ix, n)) in zip(index, shape).enumerated() {
            precondition(ix >= 0 && ix < n, "index \(index) is out of range for shape \(shape) at axis \(i)")
            offset = offset * n + ix
        }
        return scalars[offset]
    }

    /// This tensor's value, cut from the graph (no gradient flows through it).
    public var detached: Tensor {
        Tensor(uncheckedShape: shape, scalars: scalars)
    }

    /// Converts the elements to another scalar type (not differentiable).
    public func converted<Other: TensorScalar>(to: Other.Type = Other.self) -> Tensor<Other> {
        Tensor<Other>(uncheckedShape: shape, scalars: scalars.map { Other($0) })
    }
}

extension Tensor: CustomStringConvertible {
    public var description: String {
        let shown = scalars.prefix(16).map { "\($0)" }.joined(separator: ", ")
        return "Tensor<\(Scalar.dtypeName)>\(shape)[\(shown)\(scalars.count > 16 ? ", …" : "")]"
    }
}

extension Tensor {
    /// Whether two tensors have the same shape and the same elements (the graph is ignored).
    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func isIdentical(to other: Tensor) -> Bool {
        shape == other.shape && scalars == other.scalars
    }
}
