/// The OpenBLAS attention kernels: the forward and backward loops of one call over raw buffers
/// (row-major: query `[B, Tq, D]`, key `[B, Tv, D]`, value `[B, Tv, Dv]`, weights `[B, Tq, Tv]`).
///
/// A work item is one problem and one block of query rows (forward, and the backward's dQ
/// phase) or of keys (the dK and dV phase). Keys past
/// ``AttentionVisibility/keyEnd(problem:rows:_:)`` are neither multiplied nor exponentiated.
/// The weights kept and returned are those before dropout.
struct AttentionKernel<Scalar: TensorScalar>: Sendable {
    let batch: Int, queryLength: Int, keyLength: Int, depth: Int, valueDepth: Int
    /// The score multiplier (1 when the caller passed none).
    let scale: Scalar
    let visibility: AttentionVisibility
    /// The dropout multipliers `[B, Tq, Tv]`, or `nil` without dropout.
    let dropout: [Scalar]?
    /// Query rows per work item (forward, and the dQ phase of the backward).
    let blockSize: Int
    /// Key rows per work item (the dK and dV phase of the backward).
    let keyBlockSize: Int

    var causal: Bool { visibility.causal }

    init(batch: Int, queryLength: Int, keyLength: Int, depth: Int, valueDepth: Int, scale: Scalar,
         visibility: AttentionVisibility, dropout: [Scalar]? = nil) {
        self.batch = batch
        self.queryLength = queryLength
        self.keyLength = keyLength
        self.depth = depth
        self.valueDepth = valueDepth
        self.scale = scale
        self.visibility = visibility
        self.dropout = dropout
        // 64 query rows keep a score block of 2048 keys within 512 KiB (Float) and give the
        // threads items to share. When the batch alone does, sequences up to 256 (causal: 128,
        // where smaller blocks skip more hidden keys) stay one block: one GEMM per problem, and
        // Q = K can use syrk.
        blockSize = queryLength <= (visibility.causal ? 128 : 256) && batch >= 4
            ? max(queryLength, 1) : max(min(queryLength, 64), 1)
        // The dK and dV products run over all query rows and repack Q and G for every key block;
        // 128-key blocks halve that repacking at a small cost in causal skipping.
        keyBlockSize = keyLength <= 128 ? max(keyLength, 1) : 128
    }

    var queryBlocks: Int { (queryLength + blockSize - 1) / blockSize }
    var keyBlocks: Int { (keyLength + keyBlockSize - 1) / keyBlockSize }

    /// Computes the output, and the full weights when `weights` is given (else each worker
    /// keeps one score block, so memory does not grow with the batch).
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    func forward(query: UnsafePointer<Scalar>, key: UnsafePointer<Scalar>, value: UnsafePointer<Scalar>,
                 output: UnsafeMutablePointer<Scalar>, weights: UnsafeMutablePointer<Scalar>?) {
        let (tq, tv, d, dv) = (queryLength, keyLength, depth, valueDepth)
        let blocks = queryBlocks, penalty = Scalar(AttentionMask.penalty)
        let vis = visibility
        let selfScores = query == key && tq == tv
        withPinned([vis.keys ?? [], vis.pairs ?? []]) { masks in
          let (keyRows, pairRows) = (masks[0], masks[1])
          dropout.withOptionalBuffer { drop in
            // The scratch holds the scores when the weights are not kept, else their dropped copy.
            let scratchSize = weights == nil || drop != nil ? blockSize * tv : 0
            KernelLoop.run(items: batch * blocks, scratch: scratchSize) { (scratch: UnsafeMutablePointer<Scalar>, item) in
                let b = item / blocks, m = b / vis.group
                let i0 = (item % blocks) * blockSize, i1 = min(tq, i0 + blockSize)
                let rows = i1 - i0
                let kEnd = vis.keyEnd(problem: b, rows: i0, i1)
                let (s, ld) = weights.map { ($0 + (b * tq + i0) * tv, tv) } ?? (scratch, kEnd)
                if selfScores && rows == tq && kEnd == tv {
                    // Q = K: the scores are symmetric; form the lower triangle and mirror it.
                    Scalar.syrkLower(n: tq, k: d, alpha: scale, a: query + b * tq * d, lda: d, c: s, ldc: ld)
                    for i in 0..<tq {
                        for j in (i + 1)..<max(tq, i + 1) { s[i * ld + j] = s[j * ld + i] }
                    }
                } else {
                    Scalar.gemm(transposeA: false, transposeB: true, m: rows, n: kEnd, k: d, alpha: scale,
                                a: query + (b * tq + i0) * d, lda: d, b: key + b * tv * d, ldb: d,
                                beta: 0, c: s, ldc: ld)
                }
                for r in 0..<rows {
                    // Keras subtracts the penalty once where the combined mask hides a key, in the
                    // scalar type: the rounding of `s − 1e9` is what a row that sees no key gets.
                    let row = s + r * ld, i = i0 + r, keys = keyRows.map { $0 + m * tv }
                    let pairs = pairRows.map { $0 + (m * tq + i) * tv }, blind = !(vis.seeing?[m * tq + i] ?? true)
                    let end = blind ? 0 : causal ? AttentionMask.causalKeyEnd(query: i, keyLength: kEnd) : kEnd
                    if keys != nil || pairs != nil {
                        for j in 0..<end where !((keys?[j] ?? true) && (pairs?[j] ?? true)) { row[j] -= penalty }
                    }
                    for j in end..<max(kEnd, end) { row[j] -= penalty }
                    Scalar.softmaxRow(row, count: kEnd)
                    if weights != nil && kEnd < tv { (row + kEnd).update(repeating: 0, count: tv - kEnd) }
                }
                let (a, lda) = drop != nil && weights != nil ? (scratch, kEnd) : (s, ld)
                if let drop {
                    for r in 0..<rows {
                        let mr = drop + (b * tq + i0 + r) * tv
                        for j in 0..<kEnd { a[r * lda + j] = s[r * ld + j] * mr[j] }
                    }
                }
                Scalar.gemm(transposeA: false, transposeB: false, m: rows, n: dv, k: kEnd, alpha: 1,
                            a: a, lda: lda, b: value + b * tv * dv, ldb: dv, beta: 0, c: output + (b * tq + i0) * dv, ldc: dv)
                for r in (b * tq + i0)..<(b * tq + i1) where !vis.keepsRow(r) {
                    (output + r * dv).update(repeating: 0, count: dv)
                }
            }
          }
        }
    }

    /// The gradients of `Σ output ⊙ gradOutput + Σ weights ⊙ gradWeights` (either cotangent may
    /// be absent; `gradOutput`'s hidden query rows zeroed) with respect to the query, key and
    /// value, those whose buffer is given (the value's needs `gradOutput`), and with
    /// `scaleGradient` the scale. Two phases: items over
    /// query blocks form `dS = W ⊙ (dW − rowsum(dW ⊙ W))` with `dW = (G·Vᵀ) ⊙ M + gradWeights`
    /// (`M` the dropout multipliers, 1 without dropout) and `dQ = scale · dS·K`; then items over
    /// key blocks form `dK = scale · dSᵀ·Q` and `dV = (W ⊙ M)ᵀ·G`. Returns the scale's gradient,
    /// `Σ Q ⊙ (dS·K)`.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    func backward(query: UnsafePointer<Scalar>, key: UnsafePointer<Scalar>, value: UnsafePointer<Scalar>,
                  weights: UnsafePointer<Scalar>, gradOutput: UnsafePointer<Scalar>?,
                  gradWeights: UnsafePointer<Scalar>?, scaleGradient: Bool,
                  gradQuery: UnsafeMutablePointer<Scalar>?, gradKey: UnsafeMutablePointer<Scalar>?,
                  gradValue: UnsafeMutablePointer<Scalar>?) -> Scalar {
        let (tq, tv, d, dv) = (queryLength, keyLength, depth, valueDepth)
        let qBlocks = queryBlocks, kBlocks = keyBlocks
        let needsQuery = gradQuery != nil || scaleGradient
        let needScores = needsQuery || gradKey != nil
        let dsCount = needScores ? batch * tq * tv : 0
        let ds = UnsafeMutablePointer<Scalar>.allocate(capacity: max(dsCount, 1))
        defer { ds.deallocate() }
        // Per item, its part of the scale's gradient, added in item order.
        let partials = UnsafeMutablePointer<Scalar>.allocate(capacity: max(batch * qBlocks, 1))
        partials.initialize(repeating: 0, count: max(batch * qBlocks, 1))
        defer { partials.deallocate() }
        // W ⊙ M for dV under dropout.
        let dropped: UnsafeMutablePointer<Scalar>? = dropout == nil || gradValue == nil || gradOutput == nil
            ? nil : .allocate(capacity: batch * tq * tv)
        defer { dropped?.deallocate() }
        dropout.withOptionalBuffer { drop in
          if let drop, let dropped {
              for x in 0..<(batch * tq * tv) { dropped[x] = weights[x] * drop[x] }
          }
          if needScores {
            // The scratch holds U when dQ is not asked for.
            KernelLoop.run(items: batch * qBlocks, scratch: gradQuery == nil ? blockSize * d : 0) { (scratch: UnsafeMutablePointer<Scalar>, item) in
                let b = item / qBlocks
                let i0 = (item % qBlocks) * blockSize, i1 = min(tq, i0 + blockSize)
                let rows = i1 - i0
                let kEnd = visibility.keyEnd(problem: b, rows: i0, i1)
                let dsBlock = ds + (b * tq + i0) * tv
                let wBlock = weights + (b * tq + i0) * tv
                if let gradOutput {
                    Scalar.gemm(transposeA: false, transposeB: true, m: rows, n: kEnd, k: dv, alpha: 1,
                                a: gradOutput + (b * tq + i0) * dv, lda: dv, b: value + b * tv * dv, ldb: dv,
                                beta: 0, c: dsBlock, ldc: tv)
                }
                for r in 0..<rows {
                    let g = dsBlock + r * tv, w = wBlock + r * tv
                    if let drop, gradOutput != nil {
                        let mr = drop + (b * tq + i0 + r) * tv
                        for j in 0..<kEnd { g[j] *= mr[j] }
                    }
                    if let gradWeights {
                        let extra = gradWeights + (b * tq + i0 + r) * tv
                        for j in 0..<kEnd { g[j] = (gradOutput == nil ? 0 : g[j]) + extra[j] }
                    }
                    Scalar.softmaxBackwardRow(g, weights: w, count: kEnd)
                    if kEnd < tv { (g + kEnd).update(repeating: 0, count: tv - kEnd) }
                }
                guard needsQuery else { return }
                // U = dS·K; dQ = scale · U and dScale = Σ Q ⊙ U.
                let u = gradQuery.map { $0 + (b * tq + i0) * d } ?? scratch
                let alpha: Scalar = scaleGradient ? 1 : scale
                Scalar.gemm(transposeA: false, transposeB: false, m: rows, n: d, k: kEnd, alpha: alpha,
                            a: dsBlock, lda: tv, b: key + b * tv * d, ldb: d, beta: 0, c: u, ldc: d)
                if scaleGradient {
                    let q = query + (b * tq + i0) * d
                    var partial: Scalar = 0
                    for x in 0..<(rows * d) { partial += q[x] * u[x] }
                    partials[item] = partial
                    if gradQuery != nil && scale != 1 {
                        for x in 0..<(rows * d) { u[x] *= scale }
                    }
                }
            }
          }
        }
        let scaleGrad = (0..<(batch * qBlocks)).reduce(0) { $0 + partials[$1] }
        guard gradKey != nil || gradValue != nil else { return scaleGrad }
        let applied = UnsafePointer(dropped) ?? weights
        KernelLoop.run(items: batch * kBlocks) { item in
            let b = item / kBlocks
            let j0 = (item % kBlocks) * keyBlockSize, j1 = min(tv, j0 + keyBlockSize)
            let cols = j1 - j0
            // Under a causal mask the query rows before j0 give these keys zero weight, unless
            // some rows are fully masked (then every row is read; their dS and W are exact).
            let rowStart = causal && visibility.everyRowSeesAKey(problem: b) ? min(j0, tq) : 0
            let rows = tq - rowStart
            // out [cols, width] = alpha · aᵀ·x over the rows from rowStart: a [B, Tq, Tv], x [B, Tq, width].
            func product(_ out: UnsafeMutablePointer<Scalar>, width: Int, alpha: Scalar, _ a: UnsafePointer<Scalar>,
                         _ x: UnsafePointer<Scalar>) {
                guard rows > 0 else { return out.update(repeating: 0, count: cols * width) }
                Scalar.gemm(transposeA: true, transposeB: false, m: cols, n: width, k: rows, alpha: alpha,
                            a: a + (b * tq + rowStart) * tv + j0, lda: tv, b: x + (b * tq + rowStart) * width,
                            ldb: width, beta: 0, c: out, ldc: width)
            }
            if let gradKey { product(gradKey + (b * tv + j0) * d, width: d, alpha: scale, ds, query) }
            if let gradValue, let gradOutput { product(gradValue + (b * tv + j0) * dv, width: dv, alpha: 1, applied, gradOutput) }
        }
        return scaleGrad
    }
}
