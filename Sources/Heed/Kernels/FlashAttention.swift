import CHeedSupport

/// The tiled ("flash") float32 dot-product attention: forward and backward over blocks of 64
/// query rows (32 under a causal mask) and 64 keys with an online softmax, in AVX2 or AVX-512 code of its own
/// (`heed_flash*.c`), so memory stays O(T·D) per problem and the scores never leave the cache.
///
/// Layout (row-major): query `[B, Tq, D]`, key `[B, Tv, D]`, value `[B, Tv, Dv]`, output
/// `[B, Tq, Dv]`; `B` counts problems (batch × heads for multi-head attention). Masks are read
/// at index `b / visibility.group`, so the heads of one example share theirs.
///
/// The forward pass keeps, per query row, the maximum score and the log of the softmax sum; the
/// backward pass recomputes the weights block by block from them (FlashAttention-2's scheme):
/// `dV += Pᵀ·dO`, `dP = dO·Vᵀ`, `dS = P ⊙ (dP − rowsum(dO ⊙ O))`, `dK += scale·dSᵀ·Q`,
/// `dQ += scale·dS·K`. Dropout multiplies the weights by a keep mask drawn from a hash of
/// (seed, row, key), which the backward pass draws again.
///
/// Short key sequences (``keepsWeights``) take the keys in one block instead, and a pass whose
/// gradient is needed keeps the normalised weights `[B, Tq, Tv]` for the backward pass, which
/// then skips recomputing `Q·Kᵀ` and its exponentials (a seventh of the multiply-adds of the two
/// passes), for `Tq·Tv` floats per problem that stay in the last-level cache at these lengths.
struct FlashAttention: Sendable {
    let batch: Int, queryLength: Int, keyLength: Int, depth: Int, valueDepth: Int
    let scale: Float
    /// The masks, read at index `b / visibility.group` (the heads of one example share theirs).
    let visibility: AttentionVisibility
    let dropoutRate: Float
    let dropoutSeed: UInt64
    /// 1 = AVX2, 2 = AVX-512.
    let level: Int32
    /// The kernels of ``level``.
    private let kernels: heed_flash_kernels

    /// Query rows per block: 64, or 32 under a causal mask. A causal block computes the keys
    /// up to its last row's diagonal, so a shorter block computes fewer hidden scores; without
    /// a mask the longer block reuses each packed key panel over more rows (docs/performance.md,
    /// "Block sizes").
    static func queryBlock(causal: Bool) -> Int { causal ? 32 : 64 }
    /// Query rows per block of this problem (``queryBlock(causal:)``).
    let queryBlock: Int
    /// Keys per block of the tiled passes.
    static let tileKeys = 64
    /// Whether the CPU is an AMD one (read once).
    static let cpuIsAMD = heed_flash_cpu_is_amd() != 0
    /// The longest key sequence whose weights a training pass at kernel `level` keeps (see
    /// ``keepsWeights``): 1,024 for the AVX-512 kernels on an AMD CPU (Zen 4, where keeping them
    /// made forward + backward 10–15 % faster at 384 to 1,024 keys and gained nothing at 2,048),
    /// 256 otherwise (the Intel Xeon, and the AVX2 kernels, where longer sequences were not
    /// measured).
    static func keptWeightsMaxKeys(level: Int32) -> Int { level == 2 && cpuIsAMD ? 1024 : 256 }
    /// The most memory the kept weights of one call may take; larger batches recompute them.
    static let keptWeightsMaxBytes = 64 << 20
    /// Tests bind this to run one mode: `true` keeps the weights whenever a gradient is needed,
    /// `false` never; `nil` chooses by ``keptWeightsMaxKeys(level:)`` and the shape. Task-local, so a
    /// binding holds only for the code it wraps, on that thread or task, never process-wide.
    @TaskLocal static var keptWeightsOverride: Bool? = nil

    /// Whether the forward pass keeps the weights for the backward pass (set by
    /// ``Tensor/flashAttention(_:query:key:value:scale:label:)`` when the gradient is needed).
    private(set) var keepsWeights = false

    /// Keys per block: all of them when the weights are kept.
    private var keyBlock: Int { keepsWeights ? max(keyLength, 1) : Self.tileKeys }

    /// This problem with ``keepsWeights`` chosen for a pass that needs (or not) the gradient:
    /// kept for short sequences when the problems alone give every thread work and the weights
    /// fit in ``keptWeightsMaxBytes``. Under a causal mask each query block still computes only
    /// the keys up to its diagonal.
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
        queryBlock = Self.queryBlock(causal: visibility.causal)
        dropoutRate = Float(dropout?.rate ?? 0)
        dropoutSeed = dropout?.seed ?? 0
        self.level = Int32(level)
        kernels = heed_flash_kernels_at(Int32(level)).pointee
    }

    private var keyBlocks: Int { (keyLength + keyBlock - 1) / keyBlock }
    private var queryBlocks: Int { (queryLength + queryBlock - 1) / queryBlock }

    /// Runs `body` with the problem description over the given buffers (`nil` where a pass does
    /// not read one).
    private func withProblem<R>(
        query: UnsafePointer<Float>, key: UnsafePointer<Float>, value: UnsafePointer<Float>,
        output: UnsafeMutablePointer<Float>?,
        rowMax: UnsafeMutablePointer<Float>, rowLogSum: UnsafeMutablePointer<Float>,
        weights: UnsafeMutablePointer<Float>?, gradOutput: UnsafePointer<Float>? = nil,
        delta: UnsafePointer<Float>? = nil, _ body: (UnsafePointer<heed_flash_problem>) -> R
    ) -> R {
        let v = visibility
        return withPinned([v.keys ?? [], v.pairs ?? [], v.queries ?? [], v.rowHasKey ?? [], v.seeing ?? []]) { masks in
            // A missing (or empty) mask is NULL to the kernels.
            let bytes = masks.map { $0.map { UnsafeRawPointer($0).assumingMemoryBound(to: UInt8.self) } }
            var p = heed_flash_problem()
            p.batch = batch
            p.tq = queryLength
            p.tv = keyLength
            p.d = depth
            p.dv = valueDepth
            p.br = queryBlock
            p.bc = keyBlock
            p.scale = scale
            p.causal = visibility.causal ? 1 : 0
            p.mask_group = visibility.group
            (p.key_mask, p.full_mask, p.query_keep, p.row_has_key, p.query_sees) = (bytes[0], bytes[1], bytes[2], bytes[3], bytes[4])
            p.dropout_rate = dropoutRate
            p.dropout_seed = dropoutSeed
            (p.q, p.k, p.v, p.out) = (query, key, value, output)
            (p.row_max, p.row_logsum, p.weights) = (rowMax, rowLogSum, weights)
            (p.go, p.delta) = (gradOutput, delta)
            return withPinned([visibility.keyEnds ?? [], visibility.queryEnds ?? []]) { ends in
                (p.key_end, p.query_end) = (ends[0], ends[1])
                return withUnsafePointer(to: p) { body($0) }
            }
        }
    }

    /// Floats of one problem's transposed panels of `columns` features: `[⌈Tv/bc⌉][columns][bc]`,
    /// `bc` keys per block.
    private func panelSize(columns: Int) -> Int { keyBlocks * columns * keyBlock }

    /// Packs the keys (or values) of problem `b`, `x [B, Tv, C]`, into `panels`.
    private func pack(_ x: UnsafePointer<Float>, columns: Int, problem b: Int, into panels: UnsafeMutablePointer<Float>) {
        kernels.pack(x + b * keyLength * columns, keyLength, columns, keyBlock, panels)
    }

    /// Whether the problems alone give every thread work: then one item is one problem, and its
    /// panels live in a per-worker buffer that stays in cache.
    private var itemPerProblem: Bool { batch >= 2 * Heed.threads }

    /// The output `[B, Tq, Dv]` and what the backward pass needs: the softmax statistics
    /// `[2, B, Tq]` (row maximum, then log of the row sum), and the weights `[B, Tq, Tv]` when
    /// ``keepsWeights`` (else empty).
    func forward(query: [Float], key: [Float], value: [Float]) -> (output: [Float], statistics: [Float], weights: [Float]) {
        let rows = batch * queryLength
        let made = [Float].uninitialized(counts: [rows * valueDepth, 2 * rows, keepsWeights ? rows * keyLength : 0]) { out in
            out[1]?.initialize(repeating: 0, count: 2 * rows)
            withPinned([query, key, value]) { x in
                guard let q = x[0], let k = x[1], let v = x[2], let o = out[0], let stats = out[1] else { return }
                withProblem(query: q, key: k, value: v, output: o, rowMax: stats, rowLogSum: stats + rows,
                            weights: out[2]) { p in forwardPasses(p, key: k) }
            }
        }
        return (made[0], made[1], made[2])
    }

    /// Runs the forward blocks: per problem (its panels packed into the worker's buffer), or
    /// per (problem, query block) after packing every problem's panels.
    private func forwardPasses(_ p: UnsafePointer<heed_flash_problem>, key: UnsafePointer<Float>) {
        let blocks = queryBlocks, br = queryBlock
        let size = queryBlock * (keyBlock + 1), per = panelSize(columns: depth)
        if itemPerProblem {
            let workers = KernelLoop.workers(items: batch)
            let scratch = UnsafeMutablePointer<Float>.allocate(capacity: workers * (size + per))
            defer { scratch.deallocate() }
            KernelLoop.run(items: batch, workers: workers) { worker, b in
                let panels = scratch + worker * (size + per), s = panels + per
                pack(key, columns: depth, problem: b, into: panels)
                for block in 0..<blocks { kernels.forward_block(p, b, block * br, panels, s) }
            }
            return
        }
        let panels = UnsafeMutablePointer<Float>.allocate(capacity: max(batch * per, 1))
        defer { panels.deallocate() }
        KernelLoop.run(items: batch) { b in pack(key, columns: depth, problem: b, into: panels + b * per) }
        let items = batch * blocks
        let workers = KernelLoop.workers(items: items)
        let scratch = UnsafeMutablePointer<Float>.allocate(capacity: workers * size)
        defer { scratch.deallocate() }
        KernelLoop.run(items: items, workers: workers) { worker, item in
            let b = item / blocks
            kernels.forward_block(p, b, (item % blocks) * br, panels + b * per, scratch + worker * size)
        }
    }

    /// The gradients of `Σ output ⊙ gradOutput` with respect to the query, key and value, and
    /// `Σ (Q·Kᵀ) ⊙ dS`, the gradient of the scale.
    func backward(query: [Float], key: [Float], value: [Float], output: [Float], statistics: [Float],
                  weights: [Float], gradOutput: [Float]) -> (query: [Float], key: [Float], value: [Float], scale: Float) {
        let (tq, tv, d, dv) = (queryLength, keyLength, depth, valueDepth)
        let go = visibility.queries.map {
            zeroingHiddenQueryRows(gradOutput, keep: $0, queries: tq, width: dv, group: visibility.group)
        } ?? gradOutput
        let made = [Float].uninitialized(counts: [batch * tq * d, batch * tv * d, batch * tv * dv, batch]) { out in
            guard let dq = out[0], let dk = out[1], let dvOut = out[2], let partials = out[3] else { return }
            // Kept weights: one key block, which writes dQ; else every key block adds into it.
            if !keepsWeights { dq.initialize(repeating: 0, count: batch * tq * d) }
            partials.initialize(repeating: 0, count: batch)
            withPinned([query, key, value, output, statistics, go, weights]) { x in
                guard let q = x[0], let k = x[1], let v = x[2], let o = x[3], let st = x[4], let g = x[5] else { return }
                let buffers = Buffers(query: q, key: k, value: v, output: o, gradOutput: g, dq: dq, partials: partials)
                backwardPasses(buffers, statistics: st, weights: x[6], dk: dk, dv: dvOut)
            }
        }
        return (made[0], made[1], made[2], made[3].reduce(0, +))
    }

    /// The read-only inputs of the backward pass, and its per-problem outputs.
    private struct Buffers {
        let query: UnsafePointer<Float>, key: UnsafePointer<Float>, value: UnsafePointer<Float>
        let output: UnsafePointer<Float>, gradOutput: UnsafePointer<Float>
        let dq: UnsafeMutablePointer<Float>
        /// Per problem, `Σ Q ⊙ (dS·K)`.
        let partials: UnsafeMutablePointer<Float>
    }

    /// Packs the panels and `rowsum(dO ⊙ O)`, runs the key blocks, and finishes dQ (scale, and
    /// the scale's gradient). One item per problem when there are enough problems for the
    /// threads, or when the weights are kept (one key block a problem): each does all of its
    /// own work, its panels in the worker's buffer; else
    /// parallel phases, with the key blocks of one problem spread over the workers, each adding
    /// into its own dQ accumulator.
    private func backwardPasses(_ x: Buffers, statistics: UnsafePointer<Float>, weights: UnsafePointer<Float>?,
                                dk: UnsafeMutablePointer<Float>, dv: UnsafeMutablePointer<Float>) {
        let (tq, tv, d) = (queryLength, keyLength, depth)
        let blocks = keyBlocks, bc = keyBlock
        // Kept weights need no Kᵀ panels and no rowsum(dO ⊙ O) (the kernel forms it per block).
        let kPer = keepsWeights ? 0 : panelSize(columns: d), vPer = panelSize(columns: valueDepth)
        let delta = keepsWeights ? nil : UnsafeMutablePointer<Float>.allocate(capacity: max(batch * tq, 1))
        defer { delta?.deallocate() }
        let size = (2 * keyBlock + 1) * queryBlock
        let rows = batch * tq
        // The backward pass only reads the statistics and weights (the C fields are writable for
        // the forward).
        let stats = UnsafeMutablePointer(mutating: statistics)
        withProblem(query: x.query, key: x.key, value: x.value, output: nil, rowMax: stats,
                    rowLogSum: stats + rows, weights: keepsWeights ? weights.map { UnsafeMutablePointer(mutating: $0) } : nil,
                    gradOutput: x.gradOutput, delta: delta) { p in
            func prepare(_ b: Int, _ kt: UnsafeMutablePointer<Float>, _ vt: UnsafeMutablePointer<Float>) {
                pack(x.value, columns: valueDepth, problem: b, into: vt)
                guard let delta else { return }  // kept weights
                pack(x.key, columns: d, problem: b, into: kt)
                kernels.row_dots(x.gradOutput + b * tq * valueDepth, x.output + b * tq * valueDepth, tq, valueDepth,
                                 valueDepth, delta + b * tq)
            }
            func block(_ b: Int, _ jb: Int, _ kt: UnsafePointer<Float>, _ vt: UnsafePointer<Float>,
                       _ dqOfProblem: UnsafeMutablePointer<Float>, _ scratch: UnsafeMutablePointer<Float>) {
                kernels.backward_block(p, b, jb * bc, kt, vt, dqOfProblem, dk + (b * tv + jb * bc) * d,
                                          dv + (b * tv + jb * bc) * valueDepth, scratch)
            }
            func finish(_ b: Int) {
                let dqb = x.dq + b * tq * d
                kernels.row_dots(x.query + b * tq * d, dqb, 1, tq * d, tq * d, x.partials + b)
                if scale != 1 {
                    for i in 0..<(tq * d) { dqb[i] *= scale }
                }
            }
            if itemPerProblem || keepsWeights {
                let stride = size + kPer + vPer
                let workers = KernelLoop.workers(items: batch)
                let scratch = UnsafeMutablePointer<Float>.allocate(capacity: workers * stride)
                defer { scratch.deallocate() }
                KernelLoop.run(items: batch, workers: workers) { worker, b in
                    let kt = scratch + worker * stride, vt = kt + kPer, s = vt + vPer
                    prepare(b, kt, vt)
                    for jb in 0..<blocks { block(b, jb, kt, vt, x.dq + b * tq * d, s) }
                    finish(b)
                }
                return
            }
            let kt = UnsafeMutablePointer<Float>.allocate(capacity: max(batch * kPer, 1))
            defer { kt.deallocate() }
            let vt = UnsafeMutablePointer<Float>.allocate(capacity: max(batch * vPer, 1))
            defer { vt.deallocate() }
            KernelLoop.run(items: batch) { b in prepare(b, kt + b * kPer, vt + b * vPer) }
            let items = batch * blocks
            let workers = KernelLoop.workers(items: items)
            let count = batch * tq * d
            let scratch = UnsafeMutablePointer<Float>.allocate(capacity: workers * size)
            defer { scratch.deallocate() }
            // Worker 0 adds into dq itself; the others into their own zeroed copies.
            let extra = UnsafeMutablePointer<Float>.allocate(capacity: max((workers - 1) * count, 1))
            extra.initialize(repeating: 0, count: max((workers - 1) * count, 1))
            defer { extra.deallocate() }
            KernelLoop.run(items: items, workers: workers) { worker, item in
                let accumulator = worker == 0 ? x.dq : extra + (worker - 1) * count
                let b = item / blocks
                block(b, item % blocks, kt + b * kPer, vt + b * vPer, accumulator + b * tq * d, scratch + worker * size)
            }
            for w in 0..<(workers - 1) {
                let src = extra + w * count
                for i in 0..<count { x.dq[i] += src[i] }
            }
            KernelLoop.run(items: batch) { b in finish(b) }
        }
    }
}

extension Tensor {
    /// Runs `flash` on float tensors and records one graph node whose pullback runs its backward
    /// pass: `[dQuery, dKey, dValue]`, plus `dScale` when `scale` is given.
    ///
    /// Shapes: as described by `flash` (`query [B, Tq, D]`, `key [B, Tv, D]`,
    /// `value [B, Tv, Dv]`, `scale` one element) → `[B, Tq, Dv]`. The plan sends only
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
