extension Tensor {
    /// Applies `f` elementwise over the NumPy broadcast of `a` and `b` (values only).
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    @inline(__always)
    static func broadcastMap(
        _ a: Tensor, _ b: Tensor, operation: String, _ f: (Scalar, Scalar) -> Scalar
    ) throws -> Tensor {
        if a.shape == b.shape {
            let count = a.count
            let out = [Scalar].uninitialized(count: count) { po in
                a.scalars.withUnsafeBufferPointer { pa in
                    b.scalars.withUnsafeBufferPointer { pb in
                        for i in 0..<count { (po + i).initialize(to: f(pa[i], pb[i])) }
                    }
                }
            }
            return Tensor(uncheckedShape: a.shape, scalars: out)
        }
        let shape = try Shape.broadcast(a.shape, b.shape, operation: operation)
        let sa = Shape.broadcastStrides(a.shape, to: shape)
        let sb = Shape.broadcastStrides(b.shape, to: shape)
        var out = [Scalar](repeating: 0, count: Shape.count(shape))
        a.scalars.withUnsafeBufferPointer { pa in
            b.scalars.withUnsafeBufferPointer { pb in
                out.withUnsafeMutableBufferPointer { po in
                    forEachBroadcastRun(shape: shape, strides: [sa, sb]) { o, offs, n, st in
                        var ia = offs[0], ib = offs[1]
                        let da = st[0], db = st[1]
                        for j in 0..<n {
                            po[o + j] = f(pa[ia], pb[ib])
                            ia += da
                            ib += db
                        }
                    }
                }
            }
        }
        return Tensor(uncheckedShape: shape, scalars: out)
    }

    /// Sums a gradient of a broadcast shape back to `shape`: the one helper every broadcasting
    /// pullback uses.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    func summed(toShape target: [Int]) -> Tensor {
        if shape == target { return detached }
        var out = [Scalar](repeating: 0, count: Shape.count(target))
        let width = out.count
        if width > 0, shape.count >= target.count, Array(shape.suffix(target.count)) == target {
            // Only leading axes are summed (a bias's gradient): add whole rows, in the same order
            // as the general loop below.
            scalars.withUnsafeBufferPointer { pg in
                out.withUnsafeMutableBufferPointer { po in
                    guard let g = pg.baseAddress, let dst = po.baseAddress else { return }
                    for r in 0..<(count / width) {
                        let row = g + r * width
                        for j in 0..<width { dst[j] += row[j] }
                    }
                }
            }
            return Tensor(uncheckedShape: target, scalars: out)
        }
        let inStrides = Shape.broadcastStrides(target, to: shape)
        scalars.withUnsafeBufferPointer { pg in
            out.withUnsafeMutableBufferPointer { po in
                // Raw pointers, so that a run along a kept axis vectorises.
                guard let g = pg.baseAddress, let dst = po.baseAddress else { return }
                forEachBroadcastRun(shape: shape, strides: [inStrides]) { o, offs, n, st in
                    var k = offs[0]
                    let d = st[0]
                    for j in 0..<n {
                        dst[k] += g[o + j]
                        k += d
                    }
                }
            }
        }
        return Tensor(uncheckedShape: target, scalars: out)
    }

    /// Applies `f` to every element (values only). Inlined, so that a literal `f` is inlined
    /// into the loop (one call per element otherwise).
    @inline(__always)
    func map(_ f: (Scalar) -> Scalar) -> Tensor {
        var out = [Scalar](repeating: 0, count: count)
        scalars.withUnsafeBufferPointer { p in
            out.withUnsafeMutableBufferPointer { po in
                for i in 0..<po.count { po[i] = f(p[i]) }
            }
        }
        return Tensor(uncheckedShape: shape, scalars: out)
    }

    /// Combines two same-shaped tensors elementwise (values only).
    @inline(__always)
    func zipMap(_ other: Tensor, _ f: (Scalar, Scalar) -> Scalar) -> Tensor {
        precondition(shape == other.shape, "zipMap: \(shape) vs \(other.shape)")
        var out = [Scalar](repeating: 0, count: count)
        scalars.withUnsafeBufferPointer { p in
            other.scalars.withUnsafeBufferPointer { q in
                out.withUnsafeMutableBufferPointer { po in
                    for i in 0..<po.count { po[i] = f(p[i], q[i]) }
                }
            }
        }
        return Tensor(uncheckedShape: shape, scalars: out)
    }

    /// A broadcasting binary op with its pullback: `da(a, b, g)` and `db(a, b, g)` give the
    /// gradient contributions at each broadcast position, which are then summed back to each
    /// input's shape.
    static func binary(
        _ a: Tensor, _ b: Tensor, label: String,
        forward: (Scalar, Scalar) -> Scalar,
        da: @escaping @Sendable (Scalar, Scalar, Scalar) -> Scalar,
        db: @escaping @Sendable (Scalar, Scalar, Scalar) -> Scalar
    ) throws -> Tensor {
        let result = try broadcastMap(a, b, operation: label, forward)
        let av = a.detached, bv = b.detached
        let needA = a.node != nil, needB = b.node != nil
        return record(result, inputs: [a, b], label: label) { g in
            let aFull = av.broadcastValues(to: g.shape), bFull = bv.broadcastValues(to: g.shape)
            return [
                needA ? ternary(aFull, bFull, g, da).summed(toShape: av.shape) : nil,
                needB ? ternary(aFull, bFull, g, db).summed(toShape: bv.shape) : nil,
            ]
        }
    }

    /// The values broadcast to `target` (which must be a broadcast of this shape).
    func broadcastValues(to target: [Int]) -> Tensor {
        if shape == target { return detached }
        var out = [Scalar](repeating: 0, count: Shape.count(target))
        let st = Shape.broadcastStrides(shape, to: target)
        scalars.withUnsafeBufferPointer { p in
            out.withUnsafeMutableBufferPointer { po in
                guard let src = p.baseAddress, let dst = po.baseAddress else { return }
                forEachBroadcastRun(shape: target, strides: [st]) { o, offs, n, s in
                    switch s[0] {
                    case 1: (dst + o).update(from: src + offs[0], count: n)  // a row copied whole
                    case 0: (dst + o).update(repeating: src[offs[0]], count: n)  // one value repeated
                    default:
                        var k = offs[0]
                        for j in 0..<n {
                            dst[o + j] = src[k]
                            k += s[0]
                        }
                    }
                }
            }
        }
        return Tensor(uncheckedShape: target, scalars: out)
    }

    /// `f(x[i], y[i], z[i])` over three same-shaped tensors (inlined, as ``map(_:)``).
    @inline(__always)
    static func ternary(_ x: Tensor, _ y: Tensor, _ z: Tensor, _ f: (Scalar, Scalar, Scalar) -> Scalar) -> Tensor {
        var out = [Scalar](repeating: 0, count: z.count)
        x.scalars.withUnsafeBufferPointer { px in
            y.scalars.withUnsafeBufferPointer { py in
                z.scalars.withUnsafeBufferPointer { pz in
                    out.withUnsafeMutableBufferPointer { po in
                        for i in 0..<po.count { po[i] = f(px[i], py[i], pz[i]) }
                    }
                }
            }
        }
        return Tensor(uncheckedShape: z.shape, scalars: out)
    }

    /// A unary op with its pullback `g · derivative(x, y)` (inlined, so that both closures are
    /// inlined into their loops).
    @inline(__always)
    func unary(
        label: String, _ forward: (Scalar) -> Scalar,
        derivative: @escaping @Sendable (_ x: Scalar, _ y: Scalar) -> Scalar
    ) -> Tensor {
        let result = map(forward)
        let x = detached, y = result.detached
        return Tensor.record(result, inputs: [self], label: label) { g in
            [Tensor.ternary(x, y, g) { xi, yi, gi in gi * derivative(xi, yi) }]
        }
    }
}
