/// The sizes of one 1-D convolution, resolved from the operand shapes and options.
struct Conv1DGeometry {
    let batch: Int, length: Int, inChannels: Int
    let kernelSize: Int, filters: Int, groups: Int
    let stride: Int, dilation: Int, padLeft: Int, padRight: Int
    let outLength: Int

    /// Input channels seen by one group (`Cin / groups`).
    var groupChannels: Int { inChannels / groups }
    /// Filters produced by one group (`filters / groups`).
    var groupFilters: Int { filters / groups }
    /// Columns of the gathered window matrix of one group (`k · Cg`).
    var windowWidth: Int { kernelSize * groupChannels }
    /// Rows of the gathered window matrix (`B · Lout`).
    var rows: Int { batch * outLength }

    init(input: [Int], kernel: [Int], stride: Int, dilation: Int, padLeft: Int, padRight: Int,
         groups: Int) throws {
        let op = "conv1D"
        guard input.count == 3 else {
            throw TensorError.invalidRank(operation: op, expected: "an input of rank 3 [batch, time, channels]", shape: input)
        }
        guard kernel.count == 3 else {
            throw TensorError.invalidRank(operation: op, expected: "a kernel of rank 3 [kernelSize, channels/groups, filters]", shape: kernel)
        }
        guard stride >= 1, dilation >= 1, groups >= 1, padLeft >= 0, padRight >= 0 else {
            throw TensorError.invalidArgument(
                operation: op, message: "stride \(stride), dilation \(dilation) and groups \(groups) must be ≥ 1 and padding \(padLeft), \(padRight) ≥ 0")
        }
        batch = input[0]
        length = input[1]
        inChannels = input[2]
        kernelSize = kernel[0]
        filters = kernel[2]
        self.groups = groups
        self.stride = stride
        self.dilation = dilation
        self.padLeft = padLeft
        self.padRight = padRight
        guard kernelSize >= 1, inChannels % groups == 0, kernel[1] * groups == inChannels, filters % groups == 0 else {
            throw TensorError.invalidArgument(
                operation: op,
                message: "kernel \(kernel) does not fit input \(input) with \(groups) group(s): the kernel must be [k ≥ 1, channels/groups, filters] with channels and filters divisible by groups")
        }
        let effective = dilation * (kernelSize - 1) + 1
        let padded = length + padLeft + padRight
        guard padded >= effective else {
            throw TensorError.invalidArgument(
                operation: op,
                message: "the padded length \(padded) is shorter than the effective kernel length \(effective) (kernel \(kernelSize), dilation \(dilation)); the output would be empty")
        }
        outLength = (padded - effective) / stride + 1
    }
}

extension Tensor {
    /// Gathers the padded input windows of group `group` into `col` as a row-major
    /// `[B·Lout, k·Cg]` matrix (zeros where a window reaches into the padding).
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    static func conv1DGatherWindows(
        _ x: UnsafeBufferPointer<Scalar>, into col: UnsafeMutableBufferPointer<Scalar>,
        group: Int, geometry g: Conv1DGeometry
    ) {
        let cg = g.groupChannels, width = g.windowWidth
        let channelOffset = group * cg
        for b in 0..<g.batch {
            let xb = b * g.length * g.inChannels
            for t in 0..<g.outLength {
                let row = (b * g.outLength + t) * width
                for j in 0..<g.kernelSize {
                    let pos = t * g.stride + j * g.dilation - g.padLeft
                    let dst = row + j * cg
                    if pos >= 0 && pos < g.length {
                        let src = xb + pos * g.inChannels + channelOffset
                        for c in 0..<cg { col[dst + c] = x[src + c] }
                    } else {
                        for c in 0..<cg { col[dst + c] = 0 }
                    }
                }
            }
        }
    }

    /// Adds the window-matrix gradient of group `group` back onto the input positions it was
    /// gathered from (the transpose of ``conv1DGatherWindows(_:into:group:geometry:)``).
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    static func conv1DScatterWindows(
        _ col: UnsafeBufferPointer<Scalar>, into dx: UnsafeMutableBufferPointer<Scalar>,
        group: Int, geometry g: Conv1DGeometry
    ) {
        let cg = g.groupChannels, width = g.windowWidth
        let channelOffset = group * cg
        for b in 0..<g.batch {
            let xb = b * g.length * g.inChannels
            for t in 0..<g.outLength {
                let row = (b * g.outLength + t) * width
                for j in 0..<g.kernelSize {
                    let pos = t * g.stride + j * g.dilation - g.padLeft
                    guard pos >= 0 && pos < g.length else { continue }
                    let src = row + j * cg
                    let dst = xb + pos * g.inChannels + channelOffset
                    for c in 0..<cg { dx[dst + c] += col[src + c] }
                }
            }
        }
    }

    /// The 1-D cross-correlation of Keras' `Conv1D` (kernel not flipped), without bias or
    /// activation, computed per group as one GEMM of the gathered windows with the kernel.
    ///
    /// `y[b, t, f] = Σ_{j<k} Σ_{c<Cg} xp[b, t·stride + j·dilation, g·Cg + c] · kernel[j, c, f]`
    /// where `xp` is the input with `paddingLeft`/`paddingRight` zeros on the time axis,
    /// `Cg = Cin / groups` and `g = f / (filters / groups)`.
    ///
    /// Shapes: `input [batch, time, Cin]`, `kernel [k, Cin / groups, filters]` →
    /// `[batch, Lout, filters]` with `Lout = (time + paddingLeft + paddingRight − E) / stride + 1`
    /// and `E = dilation · (k − 1) + 1`.
    ///
    /// The pullback scatters `dY · Kᵀ` back onto the input windows (col2im) and forms the
    /// kernel gradient as `windowsᵀ · dY`, one GEMM each per group.
    ///
    /// - Throws: ``TensorError/invalidRank(operation:expected:shape:)`` for operands that are not
    ///   rank 3; ``TensorError/invalidArgument(operation:message:)`` when the kernel does not fit
    ///   the channels and groups or the output would be empty.
    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public static func conv1D(
        _ input: Tensor, kernel: Tensor, stride: Int = 1, dilation: Int = 1,
        paddingLeft: Int = 0, paddingRight: Int = 0, groups: Int = 1
    ) throws -> Tensor {
        let geo = try Conv1DGeometry(input: input.shape, kernel: kernel.shape, stride: stride, dilation: dilation,
                                     padLeft: paddingLeft, padRight: paddingRight, groups: groups)
        let x = input.detached, w = kernel.detached
        let y = conv1DForward(x.scalars, w.scalars, geo)
        let result = Tensor(uncheckedShape: [geo.batch, geo.outLength, geo.filters], scalars: y)
        let needInput = input.node != nil, needKernel = kernel.node != nil
        return record(result, inputs: [input, kernel], label: "conv1D") { g in
            let (dx, dw) = conv1DBackward(g.scalars, x.scalars, w.scalars, geo,
                                          needInput: needInput, needKernel: needKernel)
            return [dx.map { Tensor(uncheckedShape: x.shape, scalars: $0) },
                    dw.map { Tensor(uncheckedShape: w.shape, scalars: $0) }]
        }
    }

    /// Forward values: per group, gather windows then `Y[:, group filters] = windows · K_g`.
    static func conv1DForward(_ x: [Scalar], _ w: [Scalar], _ geo: Conv1DGeometry) -> [Scalar] {
        let rows = geo.rows, width = geo.windowWidth, fg = geo.groupFilters, f = geo.filters
        var y = [Scalar](repeating: 0, count: rows * f)
        guard rows > 0, f > 0 else { return y }
        var col = [Scalar](repeating: 0, count: rows * width)
        x.withUnsafeBufferPointer { px in
            w.withUnsafeBufferPointer { pw in
                y.withUnsafeMutableBufferPointer { py in
                    col.withUnsafeMutableBufferPointer { pc in
                        guard let W = pw.baseAddress, let Y = py.baseAddress, let C = pc.baseAddress else { return }
                        for group in 0..<geo.groups {
                            conv1DGatherWindows(px, into: pc, group: group, geometry: geo)
                            // Kernel [k, Cg, F] is a [k·Cg, F] matrix; this group's filters are
                            // the column block starting at group·Fg.
                            Scalar.gemm(transposeA: false, transposeB: false, m: rows, n: fg, k: width,
                                        alpha: 1, a: C, lda: width, b: W + group * fg, ldb: f,
                                        beta: 0, c: Y + group * fg, ldc: f)
                        }
                    }
                }
            }
        }
        return y
    }

    /// Gradients of the input and the kernel from the output gradient `g [B·Lout, F]`.
    static func conv1DBackward(
        _ g: [Scalar], _ x: [Scalar], _ w: [Scalar], _ geo: Conv1DGeometry,
        needInput: Bool, needKernel: Bool
    ) -> (dx: [Scalar]?, dw: [Scalar]?) {
        let rows = geo.rows, width = geo.windowWidth, fg = geo.groupFilters, f = geo.filters
        var dx = needInput ? [Scalar](repeating: 0, count: x.count) : nil
        var dw = needKernel ? [Scalar](repeating: 0, count: w.count) : nil
        guard rows > 0, f > 0 else { return (dx, dw) }
        var col = [Scalar](repeating: 0, count: rows * width)
        g.withUnsafeBufferPointer { pg in
            x.withUnsafeBufferPointer { px in
                w.withUnsafeBufferPointer { pw in
                    col.withUnsafeMutableBufferPointer { pc in
                        guard let G = pg.baseAddress, let W = pw.baseAddress, let C = pc.baseAddress else { return }
                        for group in 0..<geo.groups {
                            if needKernel {
                                conv1DGatherWindows(px, into: pc, group: group, geometry: geo)
                                dw?.withUnsafeMutableBufferPointer { pdw in
                                    guard let DW = pdw.baseAddress else { return }
                                    // dK_g [k·Cg, Fg] = windowsᵀ · dY_g
                                    Scalar.gemm(transposeA: true, transposeB: false, m: width, n: fg, k: rows,
                                                alpha: 1, a: C, lda: width, b: G + group * fg, ldb: f,
                                                beta: 0, c: DW + group * fg, ldc: f)
                                }
                            }
                            if needInput {
                                // dWindows [B·Lout, k·Cg] = dY_g · K_gᵀ, then scattered back.
                                Scalar.gemm(transposeA: false, transposeB: true, m: rows, n: width, k: fg,
                                            alpha: 1, a: G + group * fg, lda: f, b: W + group * fg, ldb: f,
                                            beta: 0, c: C, ldc: width)
                                dx?.withUnsafeMutableBufferPointer { pdx in
                                    conv1DScatterWindows(UnsafeBufferPointer(pc), into: pdx, group: group, geometry: geo)
                                }
                            }
                        }
                    }
                }
            }
        }
        return (dx, dw)
    }
}
