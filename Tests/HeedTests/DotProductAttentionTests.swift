import XCTest
@testable import Heed

/// The fused `Tensor.dotProductAttention` against its slow twin built from composite ops,
/// against finite differences, and on hand-worked fully masked rows.
final class DotProductAttentionTests: XCTestCase {
    /// Which keys a case's value mask hides.
    enum ValueMaskKind {
        case none
        /// About a quarter of the keys, at random.
        case random
        /// The first `n` keys of every batch (with a causal mask: the first `n` rows see nothing).
        case hideFirst(Int)
        /// Every key of batch 0 (its rows are fully masked); random in the others.
        case hideAllOfFirstBatch
        /// Batch `b` shows its first `lengths[b]` keys (about a quarter of them hidden at
        /// random, never the first) and hides the rest, as padding at the end of a text does;
        /// a query mask hides the query rows past `lengths[b]` too.
        case padded([Int])
    }

    struct Case: CustomStringConvertible {
        var b: Int, tq: Int, tv: Int, d: Int, dv: Int
        var valueMask: ValueMaskKind = .none
        var queryMask = false
        var causal = false
        var scale: Double?

        var description: String {
            "B\(b) Tq\(tq) Tv\(tv) D\(d) Dv\(dv) valueMask \(valueMask) queryMask \(queryMask) causal \(causal) scale \(scale.map { "\($0)" } ?? "nil")"
        }
    }

    static func valueMask(_ c: Case, seed: UInt64) throws -> Mask? {
        var g = SeededGenerator(seed: seed)
        let random = (0..<(c.b * c.tv)).map { _ in g.nextUnit() > 0.25 }
        switch c.valueMask {
        case .none: return nil
        case .random: return try Mask(shape: [c.b, c.tv], values: random)
        case .hideFirst(let n):
            return try Mask(shape: [c.b, c.tv], values: (0..<(c.b * c.tv)).map { $0 % c.tv >= n })
        case .hideAllOfFirstBatch:
            return try Mask(shape: [c.b, c.tv], values: random.enumerated().map { $0.offset >= c.tv && $0.element })
        case .padded(let lengths):
            return try Mask(shape: [c.b, c.tv], values: random.enumerated().map { e in
                let j = e.offset % c.tv
                return j < lengths[e.offset / c.tv] && (e.element || j == 0)
            })
        }
    }

    static func queryMask(_ c: Case, seed: UInt64) throws -> Mask? {
        guard c.queryMask else { return nil }
        var g = SeededGenerator(seed: seed)
        var values = (0..<(c.b * c.tq)).map { _ in g.nextUnit() > 0.3 }
        if case .padded(let lengths) = c.valueMask {
            // The queries are padded as the keys are: a text attending over itself.
            for e in values.indices where e % c.tq >= lengths[e / c.tq] { values[e] = false }
        }
        return try Mask(shape: [c.b, c.tq], values: values)
    }

    /// Runs the fused op and the slow twin on the same inputs and compares the output, the
    /// weights, the inference-only output and every gradient of `Σ output ⊙ R`.
    func compareWithReference<S: TensorScalar>(_ c: Case, _: S.Type, rtol: S, atol: S, seed: UInt64,
                                               file: StaticString = #filePath, line: UInt = #line) throws {
        let q = randomTensor([c.b, c.tq, c.d], seed: seed).converted(to: S.self)
        let k = randomTensor([c.b, c.tv, c.d], seed: seed + 1).converted(to: S.self)
        let v = randomTensor([c.b, c.tv, c.dv], seed: seed + 2).converted(to: S.self)
        let r = randomTensor([c.b, c.tq, c.dv], seed: seed + 3).converted(to: S.self)
        let scale = c.scale.map { Tensor<S>(S($0)) }
        let vm = try Self.valueMask(c, seed: seed + 4), qm = try Self.queryMask(c, seed: seed + 5)

        let fusedLeaves = [q, k, v].map { $0.requiringGrad() }, fusedScale = scale?.requiringGrad()
        let fused = try Tensor.dotProductAttention(
            query: fusedLeaves[0], key: fusedLeaves[1], value: fusedLeaves[2], scale: fusedScale,
            valueMask: vm, queryMask: qm, causal: c.causal, returnWeights: true)
        try (fused.output * r).sum().backward()

        let refLeaves = [q, k, v].map { $0.requiringGrad() }, refScale = scale?.requiringGrad()
        let ref = try referenceAttention(query: refLeaves[0], key: refLeaves[1], value: refLeaves[2], scale: refScale,
                                         valueMask: vm, queryMask: qm, causal: c.causal)
        try (ref.output * r).sum().backward()

        let inference = try withoutGrad {
            try Tensor.dotProductAttention(query: q, key: k, value: v, scale: scale, valueMask: vm,
                                           queryMask: qm, causal: c.causal)
        }
        XCTAssertNil(inference.weights, "\(c)", file: file, line: line)
        XCTAssertEqual(fused.output.shape, [c.b, c.tq, c.dv], "\(c)", file: file, line: line)
        assertClose(fused.output.scalars, ref.output.scalars, rtol: rtol, atol: atol, "output \(c)", file: file, line: line)
        assertClose(inference.output.scalars, ref.output.scalars, rtol: rtol, atol: atol, "inference output \(c)", file: file, line: line)
        assertClose(fused.weights?.scalars ?? [], ref.weights.scalars, rtol: rtol, atol: atol, "weights \(c)", file: file, line: line)
        for (name, (a, b)) in zip(["dQuery", "dKey", "dValue"], zip(fusedLeaves, refLeaves)) {
            assertClose(a.grad?.scalars ?? [], b.grad?.scalars ?? [], rtol: rtol, atol: atol, "\(name) \(c)", file: file, line: line)
        }
        if let fusedScale, let refScale {
            XCTAssertEqual(fusedScale.grad?.shape, [], "\(c)", file: file, line: line)
            assertClose(fusedScale.grad?.scalars ?? [], refScale.grad?.scalars ?? [], rtol: rtol, atol: atol * 10,
                        "dScale \(c)", file: file, line: line)
        }
    }

    /// Shapes and mask combinations: square and Tq ≠ Tv both ways, B = 1, fully masked rows
    /// (all keys of a batch hidden; causal with the first keys hidden), several query blocks.
    static var cases: [Case] {
        var list: [Case] = []
        let shapes: [(Int, Int, Int, Int, Int)] = [
            (2, 5, 5, 4, 3), (3, 4, 7, 6, 5), (2, 7, 3, 4, 4), (1, 6, 6, 8, 2), (1, 1, 1, 3, 2), (2, 9, 9, 5, 7),
        ]
        let masks: [ValueMaskKind] = [.none, .random, .hideFirst(2), .hideAllOfFirstBatch]
        var n = 0
        for s in shapes {
            for vm in masks {
                for causal in [false, true] {
                    n += 1
                    list.append(Case(b: s.0, tq: s.1, tv: s.2, d: s.3, dv: s.4, valueMask: vm, queryMask: n % 2 == 0,
                                     causal: causal, scale: n % 3 == 0 ? nil : 0.5 + 0.1 * Double(n % 7)))
                }
            }
        }
        return list
    }

    func testFusedMatchesReferenceInFloat() throws {
        for (i, c) in Self.cases.enumerated() {
            try compareWithReference(c, Float.self, rtol: 1e-4, atol: 1e-5, seed: 100 + UInt64(i) * 10)
        }
    }

    func testFusedMatchesReferenceInDouble() throws {
        for (i, c) in Self.cases.enumerated() {
            try compareWithReference(c, Double.self, rtol: 1e-10, atol: 1e-12, seed: 900 + UInt64(i) * 10)
        }
    }

    /// Sequences longer than one block of query rows (64), so blocks, the causal skip of keys past
    /// a block and the fully masked prefix spanning blocks are all exercised.
    static let longCases: [Case] = [
        Case(b: 1, tq: 200, tv: 200, d: 8, dv: 8, causal: true, scale: 0.3),
        Case(b: 2, tq: 150, tv: 150, d: 6, dv: 5, valueMask: .hideFirst(70), queryMask: true, causal: true),
        Case(b: 1, tq: 200, tv: 140, d: 4, dv: 4, valueMask: .random, causal: true, scale: 0.7),
        Case(b: 1, tq: 140, tv: 200, d: 4, dv: 3, valueMask: .random, queryMask: true, causal: true),
        Case(b: 2, tq: 130, tv: 170, d: 5, dv: 5, valueMask: .hideAllOfFirstBatch),
        Case(b: 2, tq: 100, tv: 300, d: 4, dv: 3, valueMask: .hideFirst(3), causal: true, scale: 1.1),
        Case(b: 1, tq: 300, tv: 90, d: 4, dv: 3, valueMask: .random, queryMask: true, causal: true),
        // Trailing padding ends inside a key block, on a block edge, nowhere, and hides every key.
        Case(b: 4, tq: 150, tv: 200, d: 6, dv: 5, valueMask: .padded([70, 128, 200, 0]), queryMask: true, scale: 0.8),
        Case(b: 4, tq: 200, tv: 200, d: 5, dv: 4, valueMask: .padded([0, 90, 64, 199]), queryMask: true, causal: true),
    ]

    func testFusedMatchesReferenceOnLongSequences() throws {
        let long = Self.longCases
        for (i, c) in long.enumerated() {
            try compareWithReference(c, Double.self, rtol: 1e-10, atol: 1e-12, seed: 5000 + UInt64(i) * 10)
            try compareWithReference(c, Float.self, rtol: 1e-4, atol: 1e-5, seed: 6000 + UInt64(i) * 10)
        }
    }

    /// With the same tensor as query, key and value, its gradient is the sum of the three paths.
    func testSelfAttentionGradientSumsAllPaths() throws {
        let x = randomTensor([2, 5, 4], seed: 11)
        let r = randomTensor([2, 5, 4], seed: 12)
        let vm = try Mask(shape: [2, 5], values: [true, true, false, true, false, true, true, true, true, true])
        let fx = x.requiringGrad()
        try (Tensor.dotProductAttention(query: fx, key: fx, value: fx, valueMask: vm, causal: true).output * r).sum().backward()
        let rx = x.requiringGrad()
        try (referenceAttention(query: rx, key: rx, value: rx, valueMask: vm, causal: true).output * r).sum().backward()
        assertClose(fx.grad?.scalars ?? [], rx.grad?.scalars ?? [], rtol: 1e-10, atol: 1e-12)
    }

    /// Returned weights are differentiable: `Σ out ⊙ R1 + Σ W ⊙ R2` matches the slow twin.
    func testReturnedWeightsCarryGradients() throws {
        let q = randomTensor([2, 4, 3], seed: 21), k = randomTensor([2, 6, 3], seed: 22), v = randomTensor([2, 6, 2], seed: 23)
        let r1 = randomTensor([2, 4, 2], seed: 24), r2 = randomTensor([2, 4, 6], seed: 25)
        let vm = try Mask(shape: [2, 6], values: [true, false, true, true, true, false, false, true, true, true, true, true])
        let fl = [q, k, v, Tensor(0.8)].map { $0.requiringGrad() }
        let fused = try Tensor.dotProductAttention(query: fl[0], key: fl[1], value: fl[2], scale: fl[3], valueMask: vm,
                                                   causal: true, returnWeights: true)
        let fusedWeights = try XCTUnwrap(fused.weights)
        try ((fused.output * r1).sum() + (fusedWeights * r2).sum()).backward()
        let rl = [q, k, v, Tensor(0.8)].map { $0.requiringGrad() }
        let ref = try referenceAttention(query: rl[0], key: rl[1], value: rl[2], scale: rl[3], valueMask: vm, causal: true)
        try ((ref.output * r1).sum() + (ref.weights * r2).sum()).backward()
        for (a, b) in zip(fl, rl) { assertClose(a.grad?.scalars ?? [], b.grad?.scalars ?? [], rtol: 1e-10, atol: 1e-12) }
    }

    /// Double finite differences of the fused op for every mask and scale combination.
    ///
    /// Every row keeps a visible key here: in a fully masked row the scores pass through
    /// `s − 1e9`, whose rounding (steps of 1.2e-7 in Double) is coarser than the difference
    /// step's effect on the scores, so finite differences there measure the rounding. Those
    /// rows are checked against the slow twin's analytic gradients instead.
    func testGradientsMatchFiniteDifferencesForEveryMaskAndScale() throws {
        let q = randomTensor([2, 3, 4], seed: 31), k = randomTensor([2, 4, 4], seed: 32), v = randomTensor([2, 4, 3], seed: 33)
        let vm = try Mask(shape: [2, 4], values: [true, false, true, false, true, true, false, true])
        let qm = try Mask(shape: [2, 3], values: [true, false, true, true, true, false])
        for useValueMask in [false, true] {
            for useQueryMask in [false, true] {
                for causal in [false, true] {
                    for useScale in [false, true] {
                        let inputs = useScale ? [q, k, v, Tensor(1.3)] : [q, k, v]
                        try checkGradients(inputs) { xs in
                            try Tensor.dotProductAttention(
                                query: xs[0], key: xs[1], value: xs[2], scale: useScale ? xs[3] : nil,
                                valueMask: useValueMask ? vm : nil, queryMask: useQueryMask ? qm : nil,
                                causal: causal).output
                        }
                    }
                }
            }
        }
    }

    /// Finite differences through the returned weights (their own node) as well as the output.
    func testWeightsGradientsMatchFiniteDifferences() throws {
        let q = randomTensor([2, 3, 4], seed: 51), k = randomTensor([2, 5, 4], seed: 52), v = randomTensor([2, 5, 2], seed: 53)
        let vm = try Mask(shape: [2, 5], values: [true, false, true, true, false, true, true, false, true, true])
        let r = randomTensor([2, 3, 2], seed: 54)
        try checkGradients([q, k, v, Tensor(0.9)]) { xs in
            let result = try Tensor.dotProductAttention(query: xs[0], key: xs[1], value: xs[2], scale: xs[3],
                                                        valueMask: vm, causal: true, returnWeights: true)
            let weights = try XCTUnwrap(result.weights)
            // Both outputs feed the differentiated value: output ⊙ r summed into each weight row.
            return try weights + (result.output * r).sum(alongAxes: [2], keepDims: true)
        }
    }

    /// A row whose keys are all masked, with small scores: every `s − 1e9` rounds to exactly
    /// `−1e9` in float32, so the weights are uniform over all keys and the output is the mean
    /// of the values.
    func testFullyMaskedRowWithSmallScoresIsUniform() throws {
        let q = try Tensor<Float>(shape: [1, 1, 2], scalars: [0.5, -1])
        let k = try Tensor<Float>(shape: [1, 3, 2], scalars: [1, 2, -3, 0.5, 4, 1])
        let v = try Tensor<Float>(shape: [1, 3, 2], scalars: [1, 2, 3, 4, 5, 9])
        let vm = Mask(filled: false, shape: [1, 3])
        let r = try Tensor.dotProductAttention(query: q, key: k, value: v, valueMask: vm, returnWeights: true)
        XCTAssertEqual(r.weights?.scalars, [1 / 3, 1 / 3, 1 / 3] as [Float])
        assertClose(r.output.scalars, [3, 5], rtol: 1e-6, atol: 0)
    }

    /// A fully masked row with scores 0, 100 and 200: float32 rounds `s − 1e9` to multiples of
    /// 64 (0, 128 and 192 above −1e9), so the weights are `[e^-192, e^-64, 1]` normalised —
    /// `[0, 1.6038109e-28, 1]` in float32 — not uniform.
    func testFullyMaskedRowKeepsFloatRoundingOfPenalty() throws {
        let q = try Tensor<Float>(shape: [1, 1, 1], scalars: [10])
        let k = try Tensor<Float>(shape: [1, 3, 1], scalars: [0, 10, 20])
        let v = try Tensor<Float>(shape: [1, 3, 1], scalars: [1, 2, 3])
        let vm = Mask(filled: false, shape: [1, 3])
        let r = try Tensor.dotProductAttention(query: q, key: k, value: v, valueMask: vm, returnWeights: true)
        let w = try XCTUnwrap(r.weights).scalars
        XCTAssertEqual(w[0], 0)
        XCTAssertEqual(w[1], expf(-64), accuracy: 1e-34)
        XCTAssertEqual(w[2], 1)
        XCTAssertEqual(r.output.scalars[0], 3, accuracy: 1e-6)
    }

    /// Causal and a value mask hiding key 0: row 0 sees no key and averages all values
    /// (including keys after it), the others attend only to visible keys at or before them.
    func testCausalRowWithoutVisibleKeyAveragesAllValues() throws {
        let q = Tensor<Float>.zeros([1, 3, 2]), k = Tensor<Float>.zeros([1, 3, 2])
        let v = try Tensor<Float>(shape: [1, 3, 1], scalars: [3, 6, 12])
        let vm = try Mask(shape: [1, 3], values: [false, true, true])
        let r = try Tensor.dotProductAttention(query: q, key: k, value: v, valueMask: vm, causal: true, returnWeights: true)
        XCTAssertEqual(r.weights?.scalars, [1 / 3, 1 / 3, 1 / 3, 0, 1, 0, 0, 0.5, 0.5] as [Float])
        assertClose(r.output.scalars, [7, 6, 9], rtol: 1e-6, atol: 0)
    }

    func testQueryMaskZeroesOutputRowsButNotWeights() throws {
        let q = randomTensor([1, 2, 3], seed: 41), k = randomTensor([1, 4, 3], seed: 42), v = randomTensor([1, 4, 2], seed: 43)
        let qm = try Mask(shape: [1, 2], values: [true, false])
        let r = try Tensor.dotProductAttention(query: q, key: k, value: v, queryMask: qm, returnWeights: true)
        XCTAssertEqual(Array(r.output.scalars[2..<4]), [0, 0])
        let w = try XCTUnwrap(r.weights).scalars
        XCTAssertEqual(w[4..<8].reduce(0, +), 1, accuracy: 1e-12)
    }

    func testRejectsMasksAndShapesThatDoNotFit() {
        let q = Tensor<Float>.zeros([2, 3, 4]), k = Tensor<Float>.zeros([2, 5, 4]), v = Tensor<Float>.zeros([2, 5, 6])
        XCTAssertThrowsError(try Tensor.dotProductAttention(query: q, key: k, value: v, valueMask: Mask(filled: true, shape: [2, 3])))
        XCTAssertThrowsError(try Tensor.dotProductAttention(query: q, key: k, value: v, queryMask: Mask(filled: true, shape: [2, 5])))
        XCTAssertThrowsError(try Tensor.dotProductAttention(query: q, key: Tensor<Float>.zeros([2, 5, 3]), value: v))
        XCTAssertThrowsError(try Tensor.dotProductAttention(query: q, key: k, value: Tensor<Float>.zeros([2, 4, 6])))
        XCTAssertThrowsError(try Tensor.dotProductAttention(query: q, key: k, value: v, scale: Tensor<Float>.ones([2])))
        XCTAssertThrowsError(try Tensor.dotProductAttention(query: Tensor<Float>.zeros([3, 4]), key: k, value: v))
        // No query steps: an error, not an empty output whose backward pass would leave dK and dV unwritten.
        XCTAssertThrowsError(try Tensor.dotProductAttention(query: Tensor<Float>.zeros([2, 0, 4]), key: k, value: v)) { error in
            guard case TensorError.invalidArgument(_, let message) = error else { return XCTFail("\(error)") }
            XCTAssertTrue(message.contains("query steps"), message)
        }
    }
}

/// Self-attention (query = key = value, one tensor): its gradient sums the query, key and value
/// paths, with every mask and a constant scale.
final class SelfAttentionGradientTests: XCTestCase {
    func testSelfAttentionGradientMatchesSlowTwinWithMasksAndConstantScale() throws {
        let x = randomTensor([3, 6, 4], seed: 61)
        let r = randomTensor([3, 6, 4], seed: 62)
        var g = SeededGenerator(seed: 63)
        let vm = try Mask(shape: [3, 6], values: (0..<18).map { $0 % 6 == 0 || g.nextUnit() > 0.3 })
        let qm = try Mask(shape: [3, 6], values: (0..<18).map { _ in g.nextUnit() > 0.3 })
        for causal in [false, true] {
            for scale in [nil, Tensor<Double>(0.6)] {
                let fx = x.requiringGrad()
                try (Tensor.dotProductAttention(query: fx, key: fx, value: fx, scale: scale, valueMask: vm, queryMask: qm,
                                                causal: causal).output * r).sum().backward()
                let rx = x.requiringGrad()
                try (referenceAttention(query: rx, key: rx, value: rx, scale: scale, valueMask: vm, queryMask: qm,
                                        causal: causal).output * r).sum().backward()
                assertClose(fx.grad?.scalars ?? [], rx.grad?.scalars ?? [], rtol: 1e-10, atol: 1e-12, "causal \(causal)")
            }
        }
    }

    func testSelfAttentionGradientMatchesFiniteDifferences() throws {
        let vm = try Mask(shape: [2, 5], values: [true, true, false, true, true, true, false, true, true, false])
        for causal in [false, true] {
            try checkGradients([randomTensor([2, 5, 3], seed: 64)]) { xs in
                try Tensor.dotProductAttention(query: xs[0], key: xs[0], value: xs[0], scale: Tensor(0.8),
                                               valueMask: vm, causal: causal).output
            }
        }
    }

    func testSelfAttentionInFloatOverSeveralBlocksMatchesSlowTwin() throws {
        // 300 steps: more than one block of query rows, so both phases run over several items.
        var gen = SeededGenerator(seed: 65)
        let x = Tensor<Float>.randomNormal([2, 300, 8], generator: &gen)
        let r = Tensor<Float>.randomUniform([2, 300, 8], low: -1, high: 1, generator: &gen)
        let fx = x.requiringGrad()
        try (Tensor.dotProductAttention(query: fx, key: fx, value: fx, scale: Tensor(0.3), causal: true).output * r)
            .sum().backward()
        let rx = x.requiringGrad()
        try (referenceAttention(query: rx, key: rx, value: rx, scale: Tensor(0.3), causal: true).output * r).sum().backward()
        assertClose(fx.grad?.scalars ?? [], rx.grad?.scalars ?? [], rtol: 1e-4, atol: 1e-5)
    }

    /// A pair mask `[B/g, Tq, Tv]` shared by groups of problems, under a causal mask, through
    /// the OpenBLAS kernels in Double: finite differences (every row sees a key: a fully hidden
    /// row's `s − 1e9` is quantised to 1.2e-7, below what finite differences resolve), and with
    /// a row that sees no key, the composite twin's values and gradients.
    func testSharedPairMaskThroughOpenBLASKernels() throws {
        let (groups, heads, tq, tv, d) = (2, 2, 5, 6, 3)
        var g = SeededGenerator(seed: 19)
        var pairs = (0..<(groups * tq * tv)).map { e in g.nextUnit() > 0.3 || e % tv == 0 }
        let inputs = [randomTensor([groups * heads, tq, d], seed: 1), randomTensor([groups * heads, tv, d], seed: 2),
                      randomTensor([groups * heads, tv, d], seed: 3)]
        let seen = AttentionMask(pairs: try Mask(shape: [groups, tq, tv], values: pairs), causal: true)
        try checkGradients(inputs) { xs in
            try Tensor.dotProductAttention(query: xs[0], key: xs[1], value: xs[2], mask: seen).output
        }

        for j in 0..<tv { pairs[(1 * tq + 2) * tv + j] = false }
        let mask = AttentionMask(pairs: try Mask(shape: [groups, tq, tv], values: pairs), causal: true)
        var visible = [Bool](repeating: false, count: groups * heads * tq * tv)
        for p in 0..<(groups * heads) {
            for i in 0..<tq {
                for j in 0..<tv { visible[(p * tq + i) * tv + j] = pairs[((p / heads) * tq + i) * tv + j] && j <= i }
            }
        }
        let r = randomTensor([groups * heads, tq, d], seed: 4)
        let leaves = inputs.map { $0.requiringGrad() }
        let result = try Tensor.dotProductAttention(query: leaves[0], key: leaves[1], value: leaves[2], mask: mask)
        try (result.output * r).sum().backward()
        let twin = inputs.map { $0.requiringGrad() }
        var scores = try Tensor.matmul(twin[0], twin[1], transposeB: true)
        scores = try Tensor.where(Mask(shape: [groups * heads, tq, tv], values: visible), scores, scores - 1e9)
        let expected = try Tensor.matmul(scores.softmax(alongAxis: -1), twin[2])
        try (expected * r).sum().backward()
        assertClose(result.output.scalars, expected.scalars, rtol: 1e-12, atol: 1e-12, "output")
        for (name, (a, b)) in zip(["dQuery", "dKey", "dValue"], zip(leaves, twin)) {
            assertClose(a.grad?.scalars ?? [], b.grad?.scalars ?? [], rtol: 1e-9, atol: 1e-12, name)
        }
    }

    /// A dropout keep mask that does not broadcast to the weights, and masks whose rows do not
    /// divide the batch, are refused with their shapes.
    func testKeepMasksAndMaskRowsThatDoNotFitAreErrors() throws {
        let x = randomTensor([4, 3, 2], seed: 9)
        XCTAssertThrowsError(try Tensor.dotProductAttention(
            query: x, key: x, value: x, dropout: AttentionDropout(rate: 0.5, keepMask: Mask(filled: true, shape: [4, 2, 3])))) { error in
            guard case TensorError.shapeMismatch = error else { return XCTFail("\(error)") }
        }
        XCTAssertNoThrow(try Tensor.dotProductAttention(query: x, key: x, value: x, dropout: AttentionDropout(rate: 0.5, seed: 1)))
        XCTAssertNoThrow(try Tensor.dotProductAttention(query: x, key: x, value: x, dropout: AttentionDropout(rate: 0, seed: 1)))
        XCTAssertThrowsError(try Tensor.dotProductAttention(
            query: x, key: x, value: x, mask: AttentionMask(keys: Mask(filled: true, shape: [3, 3])))) { error in
            guard case TensorError.shapeMismatch = error else { return XCTFail("\(error)") }
        }
    }
}
