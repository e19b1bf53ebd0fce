extension Tensor {
    /// Sums along one axis given as (outer, size, inner) counts (values only).
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    func sumAxis(_ axis: Int) -> Tensor {
        let (outer, n, inner) = Shape.split(shape, axis: axis)
        var out = [Scalar](repeating: 0, count: outer * inner)
        scalars.withUnsafeBufferPointer { p in
            out.withUnsafeMutableBufferPointer { po in
                // Raw pointers, so that the row loop vectorises.
                guard let src = p.baseAddress, let dst = po.baseAddress else { return }
                for o in 0..<outer {
                    let row = dst + o * inner
                    for k in 0..<n {
                        let from = src + (o * n + k) * inner
                        for i in 0..<inner { row[i] += from[i] }
                    }
                }
            }
        }
        var newShape = shape
        newShape[axis] = 1
        return Tensor(uncheckedShape: newShape, scalars: out)
    }

    /// Normalises and de-duplicates a list of axes.
    func normalizedAxes(_ axes: [Int], operation: String) throws -> [Int] {
        let list = axes.isEmpty ? Array(0..<rank) : axes
        let normalized = try list.map { try Shape.normalize(axis: $0, rank: rank, operation: operation) }
        guard Set(normalized).count == normalized.count else {
            throw TensorError.invalidArgument(operation: operation, message: "axis \(axes) lists an axis twice")
        }
        return normalized.sorted()
    }

    /// Sums along `axes` (all axes when empty); `keepDims` keeps them with size 1.
    ///
    /// - Throws: ``TensorError/invalidAxis(operation:axis:rank:)`` for an axis out of range.
    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func sum(alongAxes axes: [Int] = [], keepDims: Bool = false) throws -> Tensor {
        let axesN = try normalizedAxes(axes, operation: "sum")
        var value = detached
        for a in axesN { value = value.sumAxis(a) }
        let keptShape = value.shape
        let outShape = keepDims ? keptShape : shape.enumerated().filter { !axesN.contains($0.offset) }.map(\.element)
        let result = Tensor(uncheckedShape: outShape, scalars: value.scalars)
        let inShape = shape
        return Tensor.record(result, inputs: [self], label: "sum") { g in
            [Tensor(uncheckedShape: keptShape, scalars: g.scalars).broadcastValues(to: inShape)]
        }
    }

    /// Sums along one axis.
    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func sum(alongAxis axis: Int, keepDims: Bool = false) throws -> Tensor {
        try sum(alongAxes: [axis], keepDims: keepDims)
    }

    /// The sum of every element, as a scalar tensor.
    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func sum() -> Tensor { try! sum(alongAxes: [], keepDims: false) }

    /// Means along `axes` (all axes when empty).
    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func mean(alongAxes axes: [Int] = [], keepDims: Bool = false) throws -> Tensor {
        let axesN = try normalizedAxes(axes, operation: "mean")
        let n = axesN.reduce(1) { $0 * shape[$1] }
        return try sum(alongAxes: axesN, keepDims: keepDims) * (1 / Scalar(n))
    }

    /// Means along one axis.
    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func mean(alongAxis axis: Int, keepDims: Bool = false) throws -> Tensor {
        try mean(alongAxes: [axis], keepDims: keepDims)
    }

    /// The mean of every element, as a scalar tensor.
    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func mean() -> Tensor { try! mean(alongAxes: [], keepDims: false) }

    /// The maximum along one axis. The gradient goes to the first maximal element.
    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func max(alongAxis axis: Int, keepDims: Bool = false) throws -> Tensor {
        let ax = try Shape.normalize(axis: axis, rank: rank, operation: "max")
        let (outer, n, inner) = Shape.split(shape, axis: ax)
        guard n > 0 else { throw TensorError.invalidArgument(operation: "max", message: "axis \(axis) has size 0") }
        var out = [Scalar](repeating: 0, count: outer * inner)
        var where_ = [Int](repeating: 0, count: outer * inner)
        for o in 0..<outer {
            for i in 0..<inner {
                var best = scalars[o * n * inner + i], bestK = 0
                for k in 1..<Swift.max(n, 1) {
                    let v = scalars[(o * n + k) * inner + i]
                    if v > best || (v.isNaN && !best.isNaN) { best = v; bestK = k }
                }
                out[o * inner + i] = best
                where_[o * inner + i] = bestK
            }
        }
        var outShape = shape
        if keepDims { outShape[ax] = 1 } else { outShape.remove(at: ax) }
        let inShape = shape
        return Tensor.record(Tensor(uncheckedShape: outShape, scalars: out), inputs: [self], label: "max") { g in
            var gi = [Scalar](repeating: 0, count: Shape.count(inShape))
            for o in 0..<outer {
                for i in 0..<inner {
                    gi[(o * n + where_[o * inner + i]) * inner + i] = g.scalars[o * inner + i]
                }
            }
            return [Tensor(uncheckedShape: inShape, scalars: gi)]
        }
    }

    /// The index of the largest element along an axis (the first one on ties).
    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func argmax(alongAxis axis: Int) throws -> IntTensor {
        let ax = try Shape.normalize(axis: axis, rank: rank, operation: "argmax")
        let (outer, n, inner) = Shape.split(shape, axis: ax)
        guard n > 0 else { throw TensorError.invalidArgument(operation: "argmax", message: "axis \(axis) has size 0") }
        var out = [Int32](repeating: 0, count: outer * inner)
        for o in 0..<outer {
            for i in 0..<inner {
                var best = scalars[o * n * inner + i], bestK = 0
                for k in 1..<Swift.max(n, 1) where scalars[(o * n + k) * inner + i] > best {
                    best = scalars[(o * n + k) * inner + i]
                    bestK = k
                }
                out[o * inner + i] = Int32(bestK)
            }
        }
        var outShape = shape
        outShape.remove(at: ax)
        return IntTensor(unchecked: outShape, out)
    }
}
