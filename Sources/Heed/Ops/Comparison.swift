extension Tensor {
    /// Compares two tensors elementwise with broadcasting, giving a ``Mask``.
    static func compare(_ a: Tensor, _ b: Tensor, operation: String, _ f: (Scalar, Scalar) -> Bool) throws -> Mask {
        let shape = try Shape.broadcast(a.shape, b.shape, operation: operation)
        let sa = Shape.broadcastStrides(a.shape, to: shape), sb = Shape.broadcastStrides(b.shape, to: shape)
        var out = [Bool](repeating: false, count: Shape.count(shape))
        forEachBroadcastRun(shape: shape, strides: [sa, sb]) { o, offs, n, st in
            for j in 0..<n { out[o + j] = f(a.scalars[offs[0] + j * st[0]], b.scalars[offs[1] + j * st[1]]) }
        }
        return Mask(uncheckedShape: shape, values: out)
    }

    /// `self > other` elementwise, with broadcasting.
    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func greater(_ other: Tensor) throws -> Mask { try Tensor.compare(self, other, operation: "greater", >) }
    /// `self >= other` elementwise, with broadcasting.
    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func greaterEqual(_ other: Tensor) throws -> Mask { try Tensor.compare(self, other, operation: "greaterEqual", >=) }
    /// `self < other` elementwise, with broadcasting.
    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func less(_ other: Tensor) throws -> Mask { try Tensor.compare(self, other, operation: "less", <) }
    /// `self <= other` elementwise, with broadcasting.
    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func lessEqual(_ other: Tensor) throws -> Mask { try Tensor.compare(self, other, operation: "lessEqual", <=) }
    /// `self == other` elementwise, with broadcasting.
    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func equal(_ other: Tensor) throws -> Mask { try Tensor.compare(self, other, operation: "equal", ==) }
    /// `self != other` elementwise, with broadcasting.
    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func notEqual(_ other: Tensor) throws -> Mask { try Tensor.compare(self, other, operation: "notEqual", !=) }

    /// `self > value` elementwise.
    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func greater(_ value: Scalar) -> Mask { try! greater(Tensor(value)) }
    /// `self < value` elementwise.
    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func less(_ value: Scalar) -> Mask { try! less(Tensor(value)) }

    /// Picks `a` where `condition` is true and `b` elsewhere; the three shapes broadcast.
    ///
    /// The gradient flows to `a` where the condition holds and to `b` elsewhere.
    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public static func `where`(_ condition: Mask, _ a: Tensor, _ b: Tensor) throws -> Tensor {
        let shape = try Shape.broadcast(
            try Shape.broadcast(condition.shape, a.shape, operation: "where"), b.shape, operation: "where")
        let sc = Shape.broadcastStrides(condition.shape, to: shape)
        let sa = Shape.broadcastStrides(a.shape, to: shape), sb = Shape.broadcastStrides(b.shape, to: shape)
        var out = [Scalar](repeating: 0, count: Shape.count(shape))
        forEachBroadcastRun(shape: shape, strides: [sc, sa, sb]) { o, offs, n, st in
            for j in 0..<n {
                out[o + j] = condition.values[offs[0] + j * st[0]]
                    ? a.scalars[offs[1] + j * st[1]] : b.scalars[offs[2] + j * st[2]]
            }
        }
        let full = try condition.broadcast(to: shape)
        let shapeA = a.shape, shapeB = b.shape
        return record(Tensor(uncheckedShape: shape, scalars: out), inputs: [a, b], label: "where") { g in
            var ga = g.scalars, gb = g.scalars
            for i in 0..<ga.count {
                if full.values[i] { gb[i] = 0 } else { ga[i] = 0 }
            }
            return [Tensor(uncheckedShape: shape, scalars: ga).summed(toShape: shapeA),
                    Tensor(uncheckedShape: shape, scalars: gb).summed(toShape: shapeB)]
        }
    }
}
