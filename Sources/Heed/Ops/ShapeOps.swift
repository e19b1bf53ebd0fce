extension Tensor {
    /// The same elements under a new shape; one size may be `-1` and is then inferred.
    ///
    /// - Throws: ``TensorError/elementCount(operation:shape:count:)`` when the counts differ.
    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func reshaped(_ newShape: [Int]) throws -> Tensor {
        var target = newShape
        if let unknown = newShape.firstIndex(of: -1) {
            var others = newShape
            others.remove(at: unknown)
            guard let known = Shape.checkedCount(others), known > 0, count % known == 0 else {
                throw TensorError.elementCount(operation: "reshape", shape: newShape, count: count)
            }
            target[unknown] = count / known
        }
        guard Shape.checkedCount(target) == count else {
            throw TensorError.elementCount(operation: "reshape", shape: newShape, count: count)
        }
        let inShape = shape
        return Tensor.record(Tensor(uncheckedShape: target, scalars: scalars), inputs: [self], label: "reshape") { g in
            [Tensor(uncheckedShape: inShape, scalars: g.scalars)]
        }
    }

    /// Copies the elements into the axis order `axes` (values only).
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    func permutedValues(_ axes: [Int]) -> Tensor {
        let outShape = axes.map { shape[$0] }
        let inStrides = Shape.strides(shape)
        let readStrides = axes.map { inStrides[$0] }
        var out = [Scalar](repeating: 0, count: count)
        scalars.withUnsafeBufferPointer { p in
            out.withUnsafeMutableBufferPointer { po in
                guard let src = p.baseAddress, let dst = po.baseAddress else { return }
                forEachBroadcastRun(shape: outShape, strides: [readStrides]) { o, offs, n, st in
                    let step = st[0]
                    if step == 1 {  // the last axis stays last: one contiguous run
                        (dst + o).update(from: src + offs[0], count: n)
                        return
                    }
                    var k = offs[0]
                    for j in 0..<n {
                        dst[o + j] = src[k]
                        k += step
                    }
                }
            }
        }
        return Tensor(uncheckedShape: outShape, scalars: out)
    }

    /// The tensor with its axes reordered: output axis `i` is input axis `axes[i]`.
    ///
    /// - Throws: ``TensorError/invalidArgument(operation:message:)`` unless `axes` is a
    ///   permutation of `0..<rank`.
    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func permuted(_ axes: [Int]) throws -> Tensor {
        let normalized = try axes.map { try Shape.normalize(axis: $0, rank: rank, operation: "permute") }
        guard normalized.count == rank, Set(normalized).count == rank else {
            throw TensorError.invalidArgument(operation: "permute", message: "\(axes) is not a permutation of the \(rank) axes of \(shape)")
        }
        var inverse = [Int](repeating: 0, count: rank)
        for (i, a) in normalized.enumerated() { inverse[a] = i }
        return Tensor.record(permutedValues(normalized), inputs: [self], label: "permute") { g in
            [g.permutedValues(inverse)]
        }
    }

    /// The tensor with two axes swapped (by default the last two).
    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func transposed(_ axis1: Int = -2, _ axis2: Int = -1) throws -> Tensor {
        let a = try Shape.normalize(axis: axis1, rank: rank, operation: "transpose")
        let b = try Shape.normalize(axis: axis2, rank: rank, operation: "transpose")
        var axes = Array(0..<rank)
        axes.swapAt(a, b)
        return try permuted(axes)
    }

    /// The tensor with a new axis of size 1 inserted at `axis` (`-1` appends).
    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func expandingShape(at axis: Int) throws -> Tensor {
        let ax = try Shape.normalize(axis: axis, rank: rank + 1, operation: "expandDims")
        var s = shape
        s.insert(1, at: ax)
        return try reshaped(s)
    }

    /// The tensor with the size-1 axis `axis` removed.
    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func squeezingShape(at axis: Int) throws -> Tensor {
        let ax = try Shape.normalize(axis: axis, rank: rank, operation: "squeeze")
        guard shape[ax] == 1 else {
            throw TensorError.invalidArgument(operation: "squeeze", message: "axis \(axis) of \(shape) has size \(shape[ax]), not 1")
        }
        var s = shape
        s.remove(at: ax)
        return try reshaped(s)
    }

    /// The elements `range` along `axis`.
    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func slice(alongAxis axis: Int, _ range: Range<Int>) throws -> Tensor {
        let ax = try Shape.normalize(axis: axis, rank: rank, operation: "slice")
        guard range.lowerBound >= 0, range.upperBound <= shape[ax] else {
            throw TensorError.invalidArgument(operation: "slice", message: "range \(range) is outside 0..<\(shape[ax]) on axis \(axis) of \(shape)")
        }
        let (outer, n, inner) = Shape.split(shape, axis: ax)
        let m = range.count
        var out = [Scalar](repeating: 0, count: outer * m * inner)
        for o in 0..<outer {
            let src = (o * n + range.lowerBound) * inner
            out.replaceSubrange((o * m * inner)..<((o + 1) * m * inner), with: scalars[src..<(src + m * inner)])
        }
        var outShape = shape
        outShape[ax] = m
        let inShape = shape
        return Tensor.record(Tensor(uncheckedShape: outShape, scalars: out), inputs: [self], label: "slice") { g in
            var gi = [Scalar](repeating: 0, count: outer * n * inner)
            for o in 0..<outer {
                let dst = (o * n + range.lowerBound) * inner
                gi.replaceSubrange(dst..<(dst + m * inner), with: g.scalars[(o * m * inner)..<((o + 1) * m * inner)])
            }
            return [Tensor(uncheckedShape: inShape, scalars: gi)]
        }
    }

    /// Joins tensors along `axis`; all other sizes must agree.
    ///
    /// - Throws: ``TensorError/shapeMismatch(operation:lhs:rhs:)`` naming the first shape that
    ///   does not fit.
    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public static func concatenate(_ tensors: [Tensor], alongAxis axis: Int) throws -> Tensor {
        guard let first = tensors.first else {
            throw TensorError.invalidArgument(operation: "concatenate", message: "needs at least one tensor")
        }
        let ax = try Shape.normalize(axis: axis, rank: first.rank, operation: "concatenate")
        for t in tensors.dropFirst() {
            var a = first.shape, b = t.shape
            guard a.count == b.count else {
                throw TensorError.shapeMismatch(operation: "concatenate", lhs: first.shape, rhs: t.shape)
            }
            a[ax] = 0
            b[ax] = 0
            guard a == b else {
                throw TensorError.shapeMismatch(operation: "concatenate", lhs: first.shape, rhs: t.shape)
            }
        }
        let outer = first.shape[..<ax].reduce(1, *)
        let inner = first.shape[(ax + 1)...].reduce(1, *)
        let sizes = tensors.map { $0.shape[ax] }
        let total = sizes.reduce(0, +)
        var out = [Scalar]()
        out.reserveCapacity(outer * total * inner)
        for o in 0..<outer {
            for (t, n) in zip(tensors, sizes) {
                out.append(contentsOf: t.scalars[(o * n * inner)..<((o + 1) * n * inner)])
            }
        }
        var outShape = first.shape
        outShape[ax] = total
        let shapes = tensors.map(\.shape)
        return record(Tensor(uncheckedShape: outShape, scalars: out), inputs: tensors, label: "concatenate") { g in
            var pieces = shapes.map { [Scalar](repeating: 0, count: Shape.count($0)) }
            var offset = 0
            for o in 0..<outer {
                for (p, n) in sizes.enumerated() {
                    pieces[p].replaceSubrange((o * n * inner)..<((o + 1) * n * inner),
                                              with: g.scalars[offset..<(offset + n * inner)])
                    offset += n * inner
                }
            }
            return zip(shapes, pieces).map { Tensor(uncheckedShape: $0, scalars: $1) }
        }
    }

    /// Stacks same-shaped tensors along a new axis.
    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public static func stack(_ tensors: [Tensor], alongAxis axis: Int = 0) throws -> Tensor {
        guard let first = tensors.first else {
            throw TensorError.invalidArgument(operation: "stack", message: "needs at least one tensor")
        }
        for t in tensors where t.shape != first.shape {
            throw TensorError.shapeMismatch(operation: "stack", lhs: first.shape, rhs: t.shape)
        }
        return try concatenate(tensors.map { try $0.expandingShape(at: axis) }, alongAxis: axis)
    }

    /// Pads `axis` with `before` and `after` copies of `value`.
    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func padded(alongAxis axis: Int, before: Int, after: Int, value: Scalar = 0) throws -> Tensor {
        let ax = try Shape.normalize(axis: axis, rank: rank, operation: "pad")
        guard before >= 0, after >= 0 else {
            throw TensorError.invalidArgument(operation: "pad", message: "negative padding \(before), \(after)")
        }
        var parts: [Tensor] = []
        var s = shape
        if before > 0 { s[ax] = before; parts.append(Tensor(filled: value, shape: s)) }
        parts.append(self)
        if after > 0 { s[ax] = after; parts.append(Tensor(filled: value, shape: s)) }
        return parts.count == 1 ? self : try Tensor.concatenate(parts, alongAxis: ax)
    }

    /// Looks up rows of a rank-2 table by integer ids (the embedding lookup): the result has
    /// shape `ids.shape + [columns]`. The gradient is scattered back into the rows, adding up
    /// over repeated ids; ids get no gradient.
    ///
    /// - Throws: ``TensorError/indexOutOfRange(operation:index:count:)`` for an id outside the
    ///   table.
    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func gatheringRows(_ ids: IntTensor) throws -> Tensor {
        guard rank == 2 else {
            throw TensorError.invalidRank(operation: "gatherRows", expected: "a rank-2 table", shape: shape)
        }
        let rows = shape[0], cols = shape[1]
        for id in ids.scalars where id < 0 || Int(id) >= rows {
            throw TensorError.indexOutOfRange(operation: "gatherRows", index: Int(id), count: rows)
        }
        let count = ids.scalars.count * cols
        let out = [Scalar].uninitialized(count: count) { target in
            scalars.withUnsafeBufferPointer { table in
                ids.scalars.withUnsafeBufferPointer { pid in
                    guard let source = table.baseAddress else { return }
                    for i in 0..<pid.count {
                        (target + i * cols).update(from: source + Int(pid[i]) * cols, count: cols)
                    }
                }
            }
        }
        let tableShape = shape
        return Tensor.record(Tensor(uncheckedShape: ids.shape + [cols], scalars: out), inputs: [self], label: "gatherRows") { g in
            var gt = [Scalar](repeating: 0, count: rows * cols)
            gt.withUnsafeMutableBufferPointer { pt in
                g.scalars.withUnsafeBufferPointer { pg in
                    ids.scalars.withUnsafeBufferPointer { pid in
                        guard let table = pt.baseAddress, let grad = pg.baseAddress else { return }
                        for i in 0..<pid.count {
                            let dst = table + Int(pid[i]) * cols, src = grad + i * cols
                            for c in 0..<cols { dst[c] += src[c] }
                        }
                    }
                }
            }
            return [Tensor(uncheckedShape: tableShape, scalars: gt)]
        }
    }
}
