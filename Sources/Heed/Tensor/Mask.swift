/// A boolean tensor: `true` keeps, `false` masks. Produced by comparisons and by layers such as
/// `Embedding(maskZero: true)`; consumed by ``Tensor/where(_:_:_:)`` and by masked layers.
public struct Mask: Sendable, Equatable {
    /// The sizes of the axes.
    public let shape: [Int]
    /// The elements in row-major order.
    public let values: [Bool]

    /// A mask of the given shape and values.
    ///
    /// - Throws: ``TensorError/elementCount(operation:shape:count:)`` if they do not fit.
    public init(shape: [Int], values: [Bool]) throws {
        guard Shape.checkedCount(shape) == values.count else {
            throw TensorError.elementCount(operation: "Mask(shape:values:)", shape: shape, count: values.count)
        }
        self.shape = shape
        self.values = values
    }

    init(uncheckedShape shape: [Int], values: [Bool]) {
        self.shape = shape
        self.values = values
    }

    /// A mask of the given shape with every element equal to `value`.
    public init(filled value: Bool, shape: [Int]) {
        self.init(uncheckedShape: shape, values: [Bool](repeating: value, count: Shape.count(shape)))
    }

    /// The number of axes.
    public var rank: Int { shape.count }

    /// The element at a multi-index.
    public subscript(_ index: Int...) -> Bool {
        precondition(index.count == rank, "index \(index) does not fit shape \(shape)")
        var offset = 0
        for (ix, n) in zip(index, shape) {
            precondition(ix >= 0 && ix < n, "index \(index) does not fit shape \(shape)")
            offset = offset * n + ix
        }
        return values[offset]
    }

    /// Combines two masks elementwise with broadcasting.
    static func combine(_ a: Mask, _ b: Mask, operation: String, _ f: (Bool, Bool) -> Bool) throws -> Mask {
        let shape = try Shape.broadcast(a.shape, b.shape, operation: operation)
        var out = [Bool](repeating: false, count: Shape.count(shape))
        let sa = Shape.broadcastStrides(a.shape, to: shape), sb = Shape.broadcastStrides(b.shape, to: shape)
        forEachBroadcastRun(shape: shape, strides: [sa, sb]) { o, offs, n, st in
            for j in 0..<n { out[o + j] = f(a.values[offs[0] + j * st[0]], b.values[offs[1] + j * st[1]]) }
        }
        return Mask(uncheckedShape: shape, values: out)
    }

    /// Elementwise AND with broadcasting.
    public static func && (lhs: Mask, rhs: Mask) throws -> Mask {
        try combine(lhs, rhs, operation: "Mask &&") { $0 && $1 }
    }

    /// Elementwise OR with broadcasting.
    public static func || (lhs: Mask, rhs: Mask) throws -> Mask {
        try combine(lhs, rhs, operation: "Mask ||") { $0 || $1 }
    }

    /// Elementwise NOT.
    public static prefix func ! (mask: Mask) -> Mask {
        Mask(uncheckedShape: mask.shape, values: mask.values.map { !$0 })
    }

    /// Throws unless `mask`, when given, has `shape`.
    ///
    /// - Throws: ``TensorError/shapeMismatch(operation:lhs:rhs:)`` naming `operation`, with the
    ///   mask's shape and `shape`.
    static func check(_ mask: Mask?, shape: [Int], operation: @autoclosure () -> String) throws {
        if let mask, mask.shape != shape {
            throw TensorError.shapeMismatch(operation: operation(), lhs: mask.shape, rhs: shape)
        }
    }

    /// The same values under a new shape with the same element count.
    public func reshaped(_ newShape: [Int]) throws -> Mask {
        try Mask(shape: newShape, values: values)
    }

    /// The mask broadcast to `shape`.
    public func broadcast(to target: [Int]) throws -> Mask {
        let shape = try Shape.broadcast(self.shape, target, operation: "Mask.broadcast(to:)")
        guard shape == target else {
            throw TensorError.shapeMismatch(operation: "Mask.broadcast(to:)", lhs: self.shape, rhs: target)
        }
        return try Mask.combine(self, Mask(filled: true, shape: target), operation: "Mask.broadcast(to:)") { a, _ in a }
    }

    /// The mask as 0/1 values.
    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func asTensor<Scalar: TensorScalar>(_: Scalar.Type = Scalar.self) -> Tensor<Scalar> {
        Tensor(uncheckedShape: shape, scalars: values.map { $0 ? 1 : 0 })
    }
}

/// Integer ids (token ids, class labels) with a shape; never differentiated.
public struct IntTensor: Sendable, Equatable {
    /// The sizes of the axes.
    public let shape: [Int]
    /// The ids in row-major order.
    public let scalars: [Int32]

    /// Ids of the given shape.
    ///
    /// - Throws: ``TensorError/elementCount(operation:shape:count:)`` if they do not fit.
    public init(shape: [Int], scalars: [Int32]) throws {
        guard Shape.checkedCount(shape) == scalars.count else {
            throw TensorError.elementCount(operation: "IntTensor(shape:scalars:)", shape: shape, count: scalars.count)
        }
        self.shape = shape
        self.scalars = scalars
    }

    /// A rank-1 tensor of ids.
    public init(_ scalars: [Int32]) {
        self.shape = [scalars.count]
        self.scalars = scalars
    }

    /// The number of axes.
    public var rank: Int { shape.count }

    /// `ids != value` elementwise, e.g. the padding mask for id 0.
    public func notEqual(_ value: Int32) -> Mask {
        Mask(uncheckedShape: shape, values: scalars.map { $0 != value })
    }

    /// The rows `range` along the first axis.
    public func rows(_ range: Range<Int>) -> IntTensor {
        let rowSize = shape.dropFirst().reduce(1, *)
        let slice = Array(scalars[(range.lowerBound * rowSize)..<(range.upperBound * rowSize)])
        return IntTensor(unchecked: [range.count] + shape.dropFirst(), slice)
    }

    init(unchecked shape: [Int], _ scalars: [Int32]) {
        self.shape = shape
        self.scalars = scalars
    }
}
