extension Tensor {
    /// Elementwise sum with NumPy broadcasting.
    ///
    /// - Throws: ``TensorError/shapeMismatch(operation:lhs:rhs:)`` when the shapes do not
    ///   broadcast.
    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public static func + (lhs: Tensor, rhs: Tensor) throws -> Tensor {
        let result = try broadcastMap(lhs, rhs, operation: "add", +)
        let sa = lhs.shape, sb = rhs.shape
        return record(result, inputs: [lhs, rhs], label: "add") { g in
            [g.summed(toShape: sa), g.summed(toShape: sb)]
        }
    }

    /// Elementwise difference with NumPy broadcasting.
    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public static func - (lhs: Tensor, rhs: Tensor) throws -> Tensor {
        let result = try broadcastMap(lhs, rhs, operation: "subtract", -)
        let sa = lhs.shape, sb = rhs.shape
        return record(result, inputs: [lhs, rhs], label: "subtract") { g in
            [g.summed(toShape: sa), g.map { -$0 }.summed(toShape: sb)]
        }
    }

    /// Elementwise product with NumPy broadcasting.
    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public static func * (lhs: Tensor, rhs: Tensor) throws -> Tensor {
        let result = try broadcastMap(lhs, rhs, operation: "multiply", *)
        let a = lhs.detached, b = rhs.detached
        let needA = lhs.node != nil, needB = rhs.node != nil
        return record(result, inputs: [lhs, rhs], label: "multiply") { g in
            [needA ? try! broadcastMap(g, b, operation: "multiply", *).summed(toShape: a.shape) : nil,
             needB ? try! broadcastMap(g, a, operation: "multiply", *).summed(toShape: b.shape) : nil]
        }
    }

    /// Elementwise quotient with NumPy broadcasting.
    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public static func / (lhs: Tensor, rhs: Tensor) throws -> Tensor {
        try binary(lhs, rhs, label: "divide", forward: /,
                   da: { _, b, g in g / b },
                   db: { a, b, g in -g * a / (b * b) })
    }

    /// Adds a scalar to every element.
    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public static func + (lhs: Tensor, rhs: Scalar) -> Tensor {
        lhs.unary(label: "add scalar", { $0 + rhs }, derivative: { _, _ in 1 })
    }

    /// Subtracts a scalar from every element.
    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public static func - (lhs: Tensor, rhs: Scalar) -> Tensor { lhs + (-rhs) }

    /// Multiplies every element by a scalar.
    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public static func * (lhs: Tensor, rhs: Scalar) -> Tensor {
        lhs.unary(label: "scale", { $0 * rhs }, derivative: { _, _ in rhs })
    }

    /// Multiplies every element by a scalar.
    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public static func * (lhs: Scalar, rhs: Tensor) -> Tensor { rhs * lhs }

    /// Divides every element by a scalar.
    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public static func / (lhs: Tensor, rhs: Scalar) -> Tensor { lhs * (1 / rhs) }

    /// `scalar - tensor`, elementwise.
    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public static func - (lhs: Scalar, rhs: Tensor) -> Tensor {
        rhs.unary(label: "rsub scalar", { lhs - $0 }, derivative: { _, _ in -1 })
    }

    /// Elementwise negation.
    public static prefix func - (x: Tensor) -> Tensor {
        x.unary(label: "negate", { -$0 }, derivative: { _, _ in -1 })
    }

    /// The larger of two tensors elementwise, with broadcasting. Where they are equal the
    /// gradient goes to `lhs`, as TensorFlow does.
    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public static func maximum(_ lhs: Tensor, _ rhs: Tensor) throws -> Tensor {
        try binary(lhs, rhs, label: "maximum", forward: { Swift.max($0, $1) },
                   da: { a, b, g in a >= b ? g : 0 },
                   db: { a, b, g in a >= b ? 0 : g })
    }

    /// The smaller of two tensors elementwise, with broadcasting. Where they are equal the
    /// gradient goes to `lhs`.
    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public static func minimum(_ lhs: Tensor, _ rhs: Tensor) throws -> Tensor {
        try binary(lhs, rhs, label: "minimum", forward: { Swift.min($0, $1) },
                   da: { a, b, g in a <= b ? g : 0 },
                   db: { a, b, g in a <= b ? 0 : g })
    }

    /// `lhs` raised to `rhs` elementwise, with broadcasting.
    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public static func pow(_ lhs: Tensor, _ rhs: Tensor) throws -> Tensor {
        try binary(lhs, rhs, label: "pow", forward: { Scalar.pow($0, $1) },
                   da: { a, b, g in g * b * Scalar.pow(a, b - 1) },
                   db: { a, b, g in a > 0 ? g * Scalar.pow(a, b) * Scalar.log(a) : 0 })
    }
}
