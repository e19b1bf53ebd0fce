import CHeedSupport

/// Which keys each query of a dot-product attention sees, and which output rows are kept: the
/// masks Keras' `Attention` and `MultiHeadAttention` take, for
/// ``Tensor/dotProductAttention(query:key:value:scale:mask:dropout:returnWeights:)``.
///
/// A score is hidden when `keys` hides its key, `pairs` hides its (query, key) pair,
/// `seeingQueries` hides its query, or `causal` and the key comes after the query (anchored
/// top-left, also when `Tq ≠ Tv`). Keras subtracts ``penalty`` from hidden scores rather than
/// using −∞, so a query with no visible key gets a softmax over every key's rounded `s − 1e9`.
/// `queries` zeroes output rows.
///
/// Each mask has `M` rows where the call has `B` problems and `M` divides `B`: problem `b`
/// reads row `b / (B / M)`. So the heads of one example (`B = batch · heads`, problems ordered
/// example by example) share the example's masks.
///
/// Shapes: `keys [M, Tv]`, `queries [M, Tq]`, `seeingQueries [M, Tq]`, `pairs [M, Tq, Tv]`.
public struct AttentionMask: Sendable {
    /// `true` where a key/value step is visible.
    public var keys: Mask?
    /// `true` where a query's output row is kept.
    public var queries: Mask?
    /// `true` where a query may see a key.
    public var pairs: Mask?
    /// `false` where a query sees no key (Keras `MultiHeadAttention`'s query mask: the output row
    /// is computed, from every key's `s − 1e9`, not zeroed).
    public var seeingQueries: Mask?
    /// Hide the keys after each query.
    public var causal: Bool

    /// Masks for one call; `nil` hides nothing.
    public init(keys: Mask? = nil, queries: Mask? = nil, pairs: Mask? = nil, seeingQueries: Mask? = nil,
                causal: Bool = false) {
        self.keys = keys
        self.queries = queries
        self.pairs = pairs
        self.seeingQueries = seeingQueries
        self.causal = causal
    }

    /// Nothing hidden, every row kept.
    public static let none = AttentionMask()

    /// What Keras subtracts from a hidden score, in the scores' own precision.
    public static let penalty = 1e9

    /// The causal rule: query `i` sees the keys before this end, its own step included
    /// (anchored top-left, also when `Tq ≠ Tv`).
    @inline(__always)
    static func causalKeyEnd(query i: Int, keyLength: Int) -> Int { Swift.min(keyLength, i + 1) }
}

/// Dropout of the attention weights: each weight is kept with probability `1 − rate` and scaled
/// by `1 / (1 − rate)`. The keep mask is either drawn from a hash of (`seed`, row, key), so that
/// the backward pass draws it again instead of storing it and every kernel draws the same one,
/// or given (`keepMask`, broadcastable to `[B, Tq, Tv]`, for reproducing a recorded mask).
public struct AttentionDropout: Sendable, Equatable {
    /// The fraction of weights dropped, in `[0, 1)`.
    public var rate: Double
    /// The seed of the keep mask's hash.
    public var seed: UInt64
    /// The keep mask to apply instead of the hash's, `true` = kept.
    public var keepMask: Mask?

    /// Dropout of `rate` with the keep mask of `seed`.
    public init(rate: Double, seed: UInt64) {
        self.rate = rate
        self.seed = seed
    }

    /// Dropout of `rate` with a given keep mask (broadcastable to `[B, Tq, Tv]`).
    public init(rate: Double, keepMask: Mask) {
        self.rate = rate
        self.seed = 0
        self.keepMask = keepMask
    }

    /// A layer's dropout for one call: none outside training or at rate 0, else of `keepMask`
    /// when given, else hashed from a seed drawn from `generator` (the layer's dropout stream).
    static func draw(rate: Double, training: Bool, keepMask: Mask?, generator: inout SeededGenerator) -> AttentionDropout? {
        guard training, rate > 0 else { return nil }
        return keepMask.map { AttentionDropout(rate: rate, keepMask: $0) } ?? AttentionDropout(rate: rate, seed: generator.next())
    }

    /// `weights [B, Tq, Tv]` times the multipliers (differentiable in `weights`).
    ///
    /// - Throws: as ``multipliers(_:batch:queryLength:keyLength:operation:)``.
    func applied<S: TensorScalar>(to weights: Tensor<S>, operation: String) throws -> Tensor<S> {
        let (b, tq, tv) = (weights.shape[0], weights.shape[1], weights.shape[2])
        let m = try multipliers(S.self, batch: b, queryLength: tq, keyLength: tv, operation: operation)
        return try weights * Tensor(uncheckedShape: weights.shape, scalars: m)
    }

    /// The weights' multipliers `[B, Tq, Tv]`: 0 where dropped, `1 / (1 − rate)` where kept
    /// (from ``keepMask``, else from the hash, as the tiled kernels draw it).
    ///
    /// - Throws: ``TensorError/shapeMismatch(operation:lhs:rhs:)`` when the keep mask does not
    ///   broadcast to `[B, Tq, Tv]`.
    func multipliers<S: TensorScalar>(_: S.Type, batch: Int, queryLength: Int, keyLength: Int,
                                      operation: String) throws -> [S] {
        let shape = [batch, queryLength, keyLength]
        let keep: [Bool]
        if let keepMask {
            guard let full = try? keepMask.broadcast(to: shape) else {
                throw TensorError.shapeMismatch(operation: "\(operation) (dropout keep mask vs weights [batch, Tq, Tv])",
                                                lhs: keepMask.shape, rhs: shape)
            }
            keep = full.values
        } else {
            keep = (0..<Shape.count(shape)).map { x in
                heed_flash_dropout_multiplier(seed, Float(rate), UInt64(x / keyLength), UInt32(x % keyLength)) != 0
            }
        }
        let kept = S(1 / (1 - rate))
        return keep.map { $0 ? kept : 0 }
    }
}

/// An ``AttentionMask`` checked against a call's sizes and laid out for both engines' kernels.
struct AttentionVisibility: Sendable {
    let queryLength: Int, keyLength: Int
    /// Problems per mask row: problem `b` reads row `b / group`.
    let group: Int
    /// `[M, Tv]`, `true` = visible.
    let keys: [Bool]?
    /// `[M, Tq, Tv]`, `true` = visible.
    let pairs: [Bool]?
    /// `[M, Tq]`, `false` = zero the output row.
    let queries: [Bool]?
    /// `[M, Tq]`, `false` = the query sees no key.
    let seeing: [Bool]?
    let causal: Bool
    /// `[M, Tq]`: whether the row sees some key, when a pair, seeing-queries or causal mask can
    /// hide all of a row's keys (else `nil`).
    private(set) var rowHasKey: [Bool]?
    /// `[M]` with a key mask: one past its last visible key (trailing padding starts there), or
    /// `Tv` when it shows no key. `nil` without a key mask.
    let keyEnds: [Int32]?
    /// `[M]` with a query mask: one past its last kept query (0 when it keeps none). `nil`
    /// without a query mask.
    let queryEnds: [Int32]?

    /// Checks `mask` against `batch` problems of `queryLength` queries and `keyLength` keys.
    ///
    /// - Throws: ``TensorError/shapeMismatch(operation:lhs:rhs:)`` naming the mask that does not fit.
    init(_ mask: AttentionMask, batch: Int, queryLength: Int, keyLength: Int, operation: String) throws {
        let masks = [mask.keys, mask.queries, mask.seeingQueries, mask.pairs].compactMap { $0 }
        let rows = masks.first?.shape.first ?? batch
        guard rows > 0, batch % rows == 0 else {
            throw TensorError.shapeMismatch(operation: "\(operation) (mask rows must divide the batch)",
                                            lhs: masks.first?.shape ?? [], rhs: [batch])
        }
        try Mask.check(mask.keys, shape: [rows, keyLength], operation: "\(operation) (key mask, expected [batch, Tv])")
        try Mask.check(mask.queries, shape: [rows, queryLength], operation: "\(operation) (query mask, expected [batch, Tq])")
        try Mask.check(mask.seeingQueries, shape: [rows, queryLength],
                       operation: "\(operation) (seeing-queries mask, expected [batch, Tq])")
        try Mask.check(mask.pairs, shape: [rows, queryLength, keyLength],
                       operation: "\(operation) (pair mask, expected [batch, Tq, Tv])")
        self.queryLength = queryLength
        self.keyLength = keyLength
        group = batch / rows
        causal = mask.causal
        queries = mask.queries?.values
        seeing = mask.seeingQueries?.values
        (keys, pairs) = (mask.keys?.values, mask.pairs?.values)
        keyEnds = keys.map { Self.ends(of: $0, rows: rows, length: keyLength, none: keyLength) }
        queryEnds = queries.map { Self.ends(of: $0, rows: rows, length: queryLength, none: 0) }
        rowHasKey = nil
        guard pairs != nil || seeing != nil || (causal && keys != nil) else { return }
        rowHasKey = (0..<(rows * queryLength)).map { x in
            let (m, i) = x.quotientAndRemainder(dividingBy: queryLength)
            return (seeing?[x] ?? true) && (0..<keyLength).contains { sees(mask: m, query: i, key: $0) }
        }
    }

    /// Whether query `i` sees key `j` under mask row `m`: the key, pair and seeing-queries
    /// masks, and the causal rule.
    func sees(mask m: Int, query i: Int, key j: Int) -> Bool {
        (!causal || j < AttentionMask.causalKeyEnd(query: i, keyLength: keyLength)) && (keys?[m * keyLength + j] ?? true)
            && (pairs?[(m * queryLength + i) * keyLength + j] ?? true) && (seeing?[m * queryLength + i] ?? true)
    }

    /// The end of the keys that can carry weight for the query rows `[i0, i1)` of problem `b`
    /// (C's `flash_key_end` is its twin): keys past the key mask's last visible one, and under a
    /// causal mask past the block's last row, have weight exactly 0 when every row of the block
    /// sees some key. A row that sees none gets Keras' softmax over every key's `s − 1e9`.
    func keyEnd(problem b: Int, rows i0: Int, _ i1: Int) -> Int {
        if let rowHasKey {
            let base = (b / group) * queryLength
            for i in i0..<i1 where !rowHasKey[base + i] { return keyLength }
        }
        let end = keyEnds.map { Int($0[b / group]) } ?? keyLength
        return causal ? Swift.min(end, AttentionMask.causalKeyEnd(query: i1 - 1, keyLength: keyLength)) : end
    }

    /// Whether the query mask keeps output row `row` (`b · Tq + i`).
    func keepsRow(_ row: Int) -> Bool {
        queries?[(row / queryLength / group) * queryLength + row % queryLength] ?? true
    }

    /// An output's cotangent, `[B · Tq, width]` rows, with the rows the query mask zeroes set to 0:
    /// they pass no gradient back.
    func zeroingHiddenRows<S: TensorScalar>(_ values: [S], width: Int) -> [S] {
        guard queries != nil else { return values }
        var out = values
        for row in 0..<(values.count / max(width, 1)) where !keepsRow(row) {
            for x in (row * width)..<((row + 1) * width) { out[x] = 0 }
        }
        return out
    }

    /// Per row of `flags` (`[rows, length]`): one past its last `true`, or `none` without one.
    private static func ends(of flags: [Bool], rows: Int, length: Int, none: Int) -> [Int32] {
        (0..<rows).map { m in
            Int32(flags[(m * length)..<((m + 1) * length)].lastIndex(of: true).map { $0 - m * length + 1 } ?? none)
        }
    }

    /// Whether every query row of problem `b` sees a key (under a causal mask: at or before it).
    func everyRowSeesAKey(problem b: Int) -> Bool {
        guard let rowHasKey else { return true }
        let base = (b / group) * queryLength
        return !rowHasKey[base..<(base + queryLength)].contains(false)
    }
}
