/// Shape arithmetic shared by every operation: element counts, strides, axis normalisation and
/// NumPy broadcasting.
enum Shape {
    @inline(__always)
    static func count(_ shape: [Int]) -> Int { shape.reduce(1, *) }

    /// The element count of a shape from outside (a caller, a file): nil when a size is negative
    /// or the product does not fit in `Int`.
    static func checkedCount(_ shape: [Int]) -> Int? {
        var count = 1
        for size in shape {
            guard size >= 0 else { return nil }
            let (product, overflow) = count.multipliedReportingOverflow(by: size)
            if overflow { return nil }
            count = product
        }
        return count
    }

    /// Row-major strides of a contiguous tensor.
    static func strides(_ shape: [Int]) -> [Int] {
        var strides = [Int](repeating: 1, count: shape.count)
        var acc = 1
        for i in stride(from: shape.count - 1, through: 0, by: -1) {
            strides[i] = acc
            acc *= shape[i]
        }
        return strides
    }

    /// Maps a possibly negative axis into `0..<rank`.
    static func normalize(axis: Int, rank: Int, operation: String) throws -> Int {
        let a = axis < 0 ? axis + rank : axis
        guard a >= 0, a < rank else {
            throw TensorError.invalidAxis(operation: operation, axis: axis, rank: rank)
        }
        return a
    }

    /// The NumPy broadcast of two shapes.
    static func broadcast(_ a: [Int], _ b: [Int], operation: String) throws -> [Int] {
        let rank = max(a.count, b.count)
        var out = [Int](repeating: 1, count: rank)
        for i in 0..<rank {
            let da = i < rank - a.count ? 1 : a[i - (rank - a.count)]
            let db = i < rank - b.count ? 1 : b[i - (rank - b.count)]
            if da == db || db == 1 {
                out[i] = da
            } else if da == 1 {
                out[i] = db
            } else {
                throw TensorError.shapeMismatch(operation: operation, lhs: a, rhs: b)
            }
        }
        return out
    }

    /// Strides for reading a tensor of `shape` as if it had the broadcast shape `target`:
    /// stride 0 along broadcast axes.
    static func broadcastStrides(_ shape: [Int], to target: [Int]) -> [Int] {
        let own = strides(shape)
        let offset = target.count - shape.count
        var result = [Int](repeating: 0, count: target.count)
        for i in 0..<shape.count where shape[i] != 1 || target[i + offset] == 1 {
            result[i + offset] = shape[i] == 1 ? 0 : own[i]
        }
        return result
    }

    /// Splits a shape around `axis` into (outer, size, inner) counts.
    static func split(_ shape: [Int], axis: Int) -> (outer: Int, size: Int, inner: Int) {
        let outer = shape[..<axis].reduce(1, *)
        let inner = shape[(axis + 1)...].reduce(1, *)
        return (outer, shape[axis], inner)
    }
}

/// Walks the broadcast product of up to three operand layouts, calling `body` once per run of
/// the innermost axis with the starting offsets and the inner strides of each operand.
///
/// The innermost loop stays in `body`, where it is a tight strided loop.
@inline(__always)
func forEachBroadcastRun(
    shape: [Int], strides: [[Int]],
    _ body: (_ outOffset: Int, _ offsets: [Int], _ innerCount: Int, _ innerStrides: [Int]) -> Void
) {
    let rank = shape.count
    let total = Shape.count(shape)
    if total == 0 { return }
    if rank == 0 {
        body(0, [Int](repeating: 0, count: strides.count), 1, [Int](repeating: 0, count: strides.count))
        return
    }
    let inner = shape[rank - 1]
    let innerStrides = strides.map { $0[rank - 1] }
    var index = [Int](repeating: 0, count: rank - 1)
    var offsets = [Int](repeating: 0, count: strides.count)
    var out = 0
    while out < total {
        body(out, offsets, inner, innerStrides)
        out += inner
        // advance the multi-index over the outer axes
        var axis = rank - 2
        while axis >= 0 {
            index[axis] += 1
            for k in 0..<strides.count { offsets[k] += strides[k][axis] }
            if index[axis] < shape[axis] { break }
            for k in 0..<strides.count { offsets[k] -= strides[k][axis] * shape[axis] }
            index[axis] = 0
            axis -= 1
        }
    }
}
