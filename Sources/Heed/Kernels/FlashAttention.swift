import CHeedSupport

/// The tiled ("flash") float32 dot-product attention: forward and backward over blocks of query
/// rows and 64 keys with an online softmax, in AVX2 or AVX-512 code of its own (`heed_flash*.c`),
/// so memory stays O(T·D) per problem (`B` problems: batch × heads) and the scores stay in cache.
/// The backward pass recomputes the weights from each row's maximum and log sum
/// (FlashAttention-2's scheme), except that short key sequences (``keepsWeights``) keep the
/// normalised weights `[B, Tq, Tv]` of a training pass, which saves recomputing `Q·Kᵀ` and its
/// exponentials (a seventh of the two passes' multiply-adds).
struct FlashAttention: Sendable {
    let batch: Int, queryLength: Int, keyLength: Int, depth: Int, valueDepth: Int
    let scale: Float
    let visibility: AttentionVisibility
    let dropoutRate: Float
    let dropoutSeed: UInt64
    /// 1 = AVX2, 2 = AVX-512.
    let level: Int32
    private let kernels: heed_flash_kernels
    /// Query rows per block: 64, or 32 under a causal mask, where a block computes the keys up to
    /// its last row's diagonal; without a mask the longer block reuses each packed key panel over
    /// more rows (docs/performance.md, "Block sizes").
    let queryBlock: Int
    /// Whether the CPU is an AMD one (read once).
    static let cpuIsAMD = heed_flash_cpu_is_amd() != 0
    /// The longest key sequence whose weights a training pass at kernel `level` keeps: 1,024 for
    /// the AVX-512 kernels on an AMD CPU (Zen 4: forward + backward 10–15 % faster at 384 to
    /// 1,024 keys, nothing gained at 2,048), else 256 (the Xeon, and AVX2, not measured beyond).
    static func keptWeightsMaxKeys(level: Int32) -> Int { level == 2 && cpuIsAMD ? 1024 : 256 }
    /// The most memory the kept weights of one call may take; larger batches recompute them.
    static let keptWeightsMaxBytes = 64 << 20
    /// Tests bind this (task-local) to run one mode: `true` keeps the weights whenever a gradient
    /// is needed, `false` never, `nil` chooses by shape.
    @TaskLocal static var keptWeightsOverride: Bool? = nil

    /// Whether the forward pass keeps the weights for the backward pass (``forPass(needsGradient:)``).
    private(set) var keepsWeights = false
    /// Keys per block: all of them when the weights are kept.
    private var keyBlock: Int { keepsWeights ? max(keyLength, 1) : 64 }

    /// This problem with ``keepsWeights`` chosen for a pass: kept when the gradient is needed,
    /// the keys are short, the problems alone give every thread work and the weights fit in
    /// ``keptWeightsMaxBytes``.
    func forPass(needsGradient: Bool) -> FlashAttention {
        var copy = self
        copy.keepsWeights = needsGradient
            && (Self.keptWeightsOverride ?? (keyLength <= Self.keptWeightsMaxKeys(level: level) && itemPerProblem
                && batch * queryLength * keyLength * MemoryLayout<Float>.size <= Self.keptWeightsMaxBytes))
        return copy
    }

    /// The kernel level in use (0 = none, the BLAS kernels run).
    static var level: Int { Int(heed_flash_level()) }

    init(batch: Int, queryLength: Int, keyLength: Int, depth: Int, valueDepth: Int, scale: Float,
         visibility: AttentionVisibility, dropout: AttentionDropout?, level: Int) {
        self.batch = batch
        self.queryLength = queryLength
        self.keyLength = keyLength
        self.depth = depth
        self.valueDepth = valueDepth
        self.scale = scale
        self.visibility = visibility
        queryBlock = visibility.causal ? 32 : 64
        dropoutRate = Float(dropout?.rate ?? 0)
        dropoutSeed = dropout?.seed ?? 0
        self.level = Int32(level)
        kernels = heed_flash_kernels_at(Int32(level)).pointee
    }

    private var keyBlocks: Int { (keyLength + keyBlock - 1) / keyBlock }
    private var queryBlocks: Int { (queryLength + queryBlock - 1) / queryBlock }

    /// Whether the problems alone give every thread work: then one item is one problem, and its
    /// panels live in a per-worker buffer that stays in cache.
    private var itemPerProblem: Bool { batch >= 2 * Heed.threads }

    /// Runs `body` with the problem description over the given buffers (`nil` where a pass does
    /// not read one; a missing mask is NULL to the kernels).
    private func withProblem<R>(
        query: UnsafePointer<Float>, key: UnsafePointer<Float>, value: UnsafePointer<Float>,
        output: UnsafeMutablePointer<Float>?, statistics: UnsafeMutablePointer<Float>, weights: UnsafeMutablePointer<Float>?,
        gradOutput: UnsafePointer<Float>? = nil, delta: UnsafePointer<Float>? = nil,
        _ body: (UnsafePointer<heed_flash_problem>) -> R
    ) -> R {
        let v = visibility
        return withPinned([v.keys ?? [], v.pairs ?? [], v.rowHasKey ?? [], v.queries ?? [], v.seeing ?? []]) { masks in
            let m = masks.map { $0.map { UnsafeRawPointer($0).assumingMemoryBound(to: UInt8.self) } }
            return withPinned([v.keyEnds ?? [], v.queryEnds ?? []]) { ends in
                let p = heed_flash_problem(
                    batch: batch, tq: queryLength, tv: keyLength, d: depth, dv: valueDepth, br: queryBlock, bc: keyBlock,
                    scale: scale, causal: v.causal ? 1 : 0, mask_group: v.group, key_mask: m[0], full_mask: m[1],
                    row_has_key: m[2], query_keep: m[3], query_sees: m[4], key_end: ends[0], query_end: ends[1],
                    dropout_rate: dropoutRate, dropout_seed: dropoutSeed, q: query, k: key, v: value, out: output,
                    row_max: statistics, row_logsum: statistics + batch * queryLength, weights: weights,
                    go: gradOutput, delta: delta)
                return withUnsafePointer(to: p) { body($0) }
            }
        }
    }

    /// Floats of one problem's transposed panels of `columns` features: `[⌈Tv/bc⌉][columns][bc]`.
    private func panelSize(columns: Int) -> Int { keyBlocks * columns * keyBlock }

    /// Packs the keys (or values) of problem `b`, `x [B, Tv, C]`, into `panels`.
    private func pack(_ x: UnsafePointer<Float>, columns: Int, problem b: Int, into panels: UnsafeMutablePointer<Float>) {
        kernels.pack(x + b * keyLength * columns, keyLength, columns, keyBlock, panels)
    }

    /// The output `[B, Tq, Dv]` and what the backward pass needs: the softmax statistics
    /// `[2, B, Tq]` (row maximum, then log of the row sum), and the weights `[B, Tq, Tv]` when
    /// ``keepsWeights`` (else empty).
    ///
    /// One item per problem, its panels packed into the worker's buffer (``itemPerProblem``), or
    /// one per (problem, query block) after packing every problem's panels.
    func forward(query: [Float], key: [Float], value: [Float]) -> (output: [Float], statistics: [Float], weights: [Float]) {
        let rows = batch * queryLength, blocks = queryBlocks, br = queryBlock
        let size = br * (keyBlock + 1), per = panelSize(columns: depth)
        let made = [Float].uninitialized(counts: [rows * valueDepth, 2 * rows, keepsWeights ? rows * keyLength : 0]) { out in
            withPinned([query, key, value]) { x in
                guard let q = x[0], let k = x[1], let v = x[2], let o = out[0], let stats = out[1] else { return }
                withProblem(query: q, key: k, value: v, output: o, statistics: stats, weights: out[2]) { p in
                    if itemPerProblem {
                        KernelLoop.run(items: batch, scratch: per + size) { panels, b in
                            pack(k, columns: depth, problem: b, into: panels)
                            for block in 0..<blocks { kernels.forward_block(p, b, block * br, panels, panels + per) }
                        }
                        return
                    }
                    let panels = UnsafeMutablePointer<Float>.allocate(capacity: max(batch * per, 1))
                    defer { panels.deallocate() }
                    KernelLoop.run(items: batch) { b in pack(k, columns: depth, problem: b, into: panels + b * per) }
                    KernelLoop.run(items: batch * blocks, scratch: size) { s, item in
                        kernels.forward_block(p, item / blocks, (item % blocks) * br, panels + (item / blocks) * per, s)
                    }
                }
            }
        }
        return (made[0], made[1], made[2])
    }

    /// The gradients of `Σ output ⊙ gradOutput` with respect to the query, key and value, and
    /// `Σ (Q·Kᵀ) ⊙ dS`, the scale's.
    ///
    /// One item per problem when the problems give every thread work or the weights are kept
    /// (one key block): it packs its panels into the worker's buffer, runs the key blocks and
    /// finishes dQ. Else phases: every problem packed, then the key blocks of each problem spread
    /// over the workers, each adding into its own dQ accumulator.
    func backward(query: [Float], key: [Float], value: [Float], output: [Float], statistics: [Float],
                  weights: [Float], gradOutput: [Float]) -> (query: [Float], key: [Float], value: [Float], scale: Float) {
        let (tq, tv, d, dv) = (queryLength, keyLength, depth, valueDepth)
        let (blocks, bc, count) = (keyBlocks, keyBlock, batch * tq * d)
        let go = visibility.zeroingHiddenRows(gradOutput, width: dv)
        // Kept weights need no Kᵀ panels and no rowsum(dO ⊙ O) (the kernel forms it per block).
        let kPer = keepsWeights ? 0 : panelSize(columns: d), per = kPer + panelSize(columns: dv)
        let size = (2 * bc + 1) * queryBlock
        let delta = keepsWeights ? nil : UnsafeMutablePointer<Float>.allocate(capacity: max(batch * tq, 1))
        defer { delta?.deallocate() }
        let made = [Float].uninitialized(counts: [count, batch * tv * d, batch * tv * dv, batch]) { out in
            guard let dq = out[0], let dk = out[1], let dvOut = out[2], let partials = out[3] else { return }
            // Kept weights: one key block, which writes dQ; else every key block adds into it.
            if !keepsWeights { dq.initialize(repeating: 0, count: count) }
            partials.initialize(repeating: 0, count: batch)
            withPinned([query, key, value, output, statistics, go, weights]) { x in
                guard let q = x[0], let k = x[1], let v = x[2], let o = x[3], let st = x[4], let g = x[5] else { return }
                // The C fields are writable for the forward pass; this one only reads them.
                withProblem(query: q, key: k, value: v, output: nil, statistics: UnsafeMutablePointer(mutating: st),
                            weights: keepsWeights ? x[6].map { UnsafeMutablePointer(mutating: $0) } : nil,
                            gradOutput: g, delta: delta) { p in
                    func prepare(_ b: Int, _ panels: UnsafeMutablePointer<Float>) {  // Kᵀ then Vᵀ
                        pack(v, columns: dv, problem: b, into: panels + kPer)
                        guard let delta else { return }
                        pack(k, columns: d, problem: b, into: panels)
                        kernels.row_dots(g + b * tq * dv, o + b * tq * dv, tq, dv, dv, delta + b * tq)
                    }
                    func block(_ b: Int, _ jb: Int, _ panels: UnsafePointer<Float>, _ dqOfProblem: UnsafeMutablePointer<Float>,
                               _ scratch: UnsafeMutablePointer<Float>) {
                        kernels.backward_block(p, b, jb * bc, panels, panels + kPer, dqOfProblem, dk + (b * tv + jb * bc) * d,
                                               dvOut + (b * tv + jb * bc) * dv, scratch)
                    }
                    func finish(_ b: Int) {  // the scale's gradient, then dQ's scale
                        let dqb = dq + b * tq * d
                        kernels.row_dots(q + b * tq * d, dqb, 1, tq * d, tq * d, partials + b)
                        if scale != 1 { for i in 0..<(tq * d) { dqb[i] *= scale } }
                    }
                    if itemPerProblem || keepsWeights {
                        KernelLoop.run(items: batch, scratch: per + size) { panels, b in
                            prepare(b, panels)
                            for jb in 0..<blocks { block(b, jb, panels, dq + b * tq * d, panels + per) }
                            finish(b)
                        }
                        return
                    }
                    let panels = UnsafeMutablePointer<Float>.allocate(capacity: max(batch * per, 1))
                    defer { panels.deallocate() }
                    KernelLoop.run(items: batch) { b in prepare(b, panels + b * per) }
                    // Per worker its scratch; past them, a zeroed dQ accumulator for each worker but
                    // worker 0, which adds into dq.
                    let items = batch * blocks, workers = KernelLoop.workers(items: items)
                    let scratch = UnsafeMutablePointer<Float>.allocate(capacity: workers * size + (workers - 1) * count)
                    defer { scratch.deallocate() }
                    let sums = (1..<workers).map { scratch + workers * size + ($0 - 1) * count }
                    for sum in sums { sum.initialize(repeating: 0, count: count) }
                    KernelLoop.run(items: items, workers: workers) { worker, item in
                        let b = item / blocks
                        block(b, item % blocks, panels + b * per, (worker == 0 ? dq : sums[worker - 1]) + b * tq * d,
                              scratch + worker * size)
                    }
                    for src in sums {
                        for i in 0..<count { dq[i] += src[i] }
                    }
                    KernelLoop.run(items: batch) { b in finish(b) }
                }
            }
        }
        return (made[0], made[1], made[2], made[3].reduce(0, +))
    }
}

extension Tensor {
    /// Runs `flash` on float tensors and records one graph node whose pullback runs its backward
    /// pass: `[dQuery, dKey, dValue]`, plus `dScale` when `scale` is given. The plan sends only
    /// `Float` tensors (``TensorScalar/runsTiledAttention``), whose arrays pass as they are.
    static func flashAttention(_ flash: FlashAttention, query: Tensor, key: Tensor, value: Tensor,
                               scale: Tensor?, label: String) -> Tensor {
        func floats(_ t: Tensor) -> [Float] { Scalar.tiledAttentionInput(t.scalars) }
        let inputs = [query, key, value] + (scale.map { [$0] } ?? [])
        let q = floats(query), k = floats(key), v = floats(value)
        let needsGradient = GradMode.isEnabled && inputs.contains(where: { $0.node != nil })
        let flash = flash.forPass(needsGradient: needsGradient)
        let (out, statistics, weights) = flash.forward(query: q, key: k, value: v)
        let result = Tensor(uncheckedShape: [flash.batch, flash.queryLength, flash.valueDepth], scalars: Scalar.tiledAttentionOutput(out))
        guard needsGradient else { return result }
        let shapes = inputs.map(\.shape)
        let needed = inputs.map { $0.node != nil }
        return record(result, inputs: inputs, label: label) { g in
            let grads = flash.backward(query: q, key: k, value: v, output: out, statistics: statistics,
                                       weights: weights, gradOutput: floats(g))
            let made = [grads.query, grads.key, grads.value, [grads.scale]].map(Scalar.tiledAttentionOutput)
            return gradients(shapes: shapes, made, needed: needed)
        }
    }
}
