import CHeedSupport
import XCTest
@testable import Heed

/// The tiled Float attention kernels (AVX2 and AVX-512, whichever this CPU runs) against the
/// composite-op twin: values and gradients with every mask, causal, scale and dropout, over
/// shapes that cross block edges. The kernels' inner matrix product is covered through these
/// cases: every score, weight and gradient it forms is compared with the composite twin.
///
/// A test that needs a level this CPU does not run is skipped with a message naming what went
/// untested: every tiled test on a CPU without AVX2 + FMA, and `testAVX512LevelRunsOnThisCPU`
/// on one without AVX-512F.
final class FlashAttentionTests: XCTestCase {
    typealias Mode = AttentionKernelMode

    /// Runs `body` with each tiled level this CPU runs selected, in both weight modes, then
    /// puts the previous selection back; skips the test, saying so, on a CPU without AVX2 + FMA.
    func forEachMode(file: StaticString = #filePath, line: UInt = #line, _ body: (Mode) throws -> Void) throws {
        try AttentionKernelMode.forEachTiled(file: file, line: line, body)
    }

    func testSelectionFallsBackToWhatTheCPURuns() {
        let saved = Heed.attentionKernel
        defer { Heed.attentionKernel = saved }
        Heed.attentionKernel = .blas
        XCTAssertEqual(Heed.attentionKernel, .blas)
        Heed.attentionKernel = .avx512
        XCTAssertEqual(Heed.attentionKernel, Heed.bestAttentionKernel)
    }

    func testAVX2LevelRunsOnThisCPU() throws {
        try checkLevelRuns(.avx2, missing: "no AVX2 + FMA on this CPU: the tiled AVX2 kernels were not tested")
    }

    func testAVX512LevelRunsOnThisCPU() throws {
        try checkLevelRuns(.avx512, missing: "no AVX-512F on this CPU: the tiled AVX-512 kernels were not tested")
    }

    /// Selects `level` and runs one masked, causal, scaled case through it against the composite
    /// twin in both weight modes; skips with `missing` on a CPU that does not run the level, so
    /// an untested level shows in the test log.
    func checkLevelRuns(_ level: AttentionKernelKind, missing: String) throws {
        guard Heed.bestAttentionKernel.rawValue >= level.rawValue else { throw XCTSkip(missing) }
        let c = Case(b: 2, tq: 70, tv: 90, d: 12, dv: 9, valueMask: .random, queryMask: true, causal: true, scale: 0.6)
        for kept in [false, true] {
            let mode = Mode(level: level, keptWeights: kept)
            try mode.run {
                XCTAssertEqual(FlashAttention.level, level.rawValue, "the kernels the fused op runs")
                try compare(c, seed: 900, mode: mode)
            }
        }
    }

    typealias Case = DotProductAttentionTests.Case

    /// The small cases of the BLAS kernel's tests, and sequences across several 64-row and
    /// 64-key blocks (or one long kept block) with widths that are not multiples of a vector.
    var cases: [Case] {
        var list = DotProductAttentionTests.cases + DotProductAttentionTests.longCases
        list += [
            Case(b: 1, tq: 200, tv: 140, d: 17, dv: 33, valueMask: .random, causal: true, scale: 0.7),
            Case(b: 5, tq: 100, tv: 129, d: 40, dv: 24, valueMask: .hideFirst(3), causal: true, scale: 1.1),
            Case(b: 6, tq: 65, tv: 65, d: 64, dv: 64),
            Case(b: 1, tq: 64, tv: 192, d: 32, dv: 48, causal: true),
            // Keys past 256 in one kept block (AMD AVX-512 CPUs keep up to 1,024).
            Case(b: 2, tq: 70, tv: 700, d: 16, dv: 8, valueMask: .random, scale: 0.5),
        ]
        return list
    }

    /// ``compareWithCompositeTwin(_:seed:label:)`` labelled with the mode.
    func compare(_ c: Case, seed: UInt64, mode: Mode) throws {
        try Self.compareWithCompositeTwin(c, seed: seed, label: "\(mode) \(c)")
    }

    /// Output and gradients of `Σ output ⊙ R` through the attention op as currently selected
    /// (no weights returned, gradients recorded) and through the composite twin, in Float.
    static func compareWithCompositeTwin(_ c: Case, seed: UInt64, label: String) throws {
        let q = randomTensor([c.b, c.tq, c.d], seed: seed).converted(to: Float.self)
        let k = randomTensor([c.b, c.tv, c.d], seed: seed + 1).converted(to: Float.self)
        let v = randomTensor([c.b, c.tv, c.dv], seed: seed + 2).converted(to: Float.self)
        let r = randomTensor([c.b, c.tq, c.dv], seed: seed + 3).converted(to: Float.self)
        let scale = c.scale.map { Tensor<Float>(Float($0)) }
        let vm = try DotProductAttentionTests.valueMask(c, seed: seed + 4)
        let qm = try DotProductAttentionTests.queryMask(c, seed: seed + 5)

        let leaves = [q, k, v].map { $0.requiringGrad() }, leafScale = scale?.requiringGrad()
        let fused = try Tensor.dotProductAttention(query: leaves[0], key: leaves[1], value: leaves[2], scale: leafScale,
                                                   valueMask: vm, queryMask: qm, causal: c.causal)
        try (fused.output * r).sum().backward()
        let refLeaves = [q, k, v].map { $0.requiringGrad() }, refScale = scale?.requiringGrad()
        let ref = try referenceAttention(query: refLeaves[0], key: refLeaves[1], value: refLeaves[2], scale: refScale,
                                         valueMask: vm, queryMask: qm, causal: c.causal)
        try (ref.output * r).sum().backward()

        assertClose(fused.output.scalars, ref.output.scalars, rtol: 1e-4, atol: 1e-5, "output \(label)")
        // A pass without gradient (no weights kept) gives the same output.
        let inference = try withoutGrad {
            try Tensor.dotProductAttention(query: q, key: k, value: v, scale: scale, valueMask: vm, queryMask: qm, causal: c.causal)
        }
        assertClose(inference.output.scalars, ref.output.scalars, rtol: 1e-4, atol: 1e-5, "output without gradient \(label)")
        for (name, (a, b)) in zip(["dQuery", "dKey", "dValue"], zip(leaves, refLeaves)) {
            assertClose(a.grad?.scalars ?? [], b.grad?.scalars ?? [], rtol: 1e-4, atol: 1e-5, "\(name) \(label)")
        }
        if let leafScale, let refScale {
            assertClose(leafScale.grad?.scalars ?? [], refScale.grad?.scalars ?? [], rtol: 1e-4, atol: 1e-4, "dScale \(label)")
        }
    }

    func testTiledPathMatchesCompositeTwin() throws {
        try forEachMode { mode in
            for (i, c) in cases.enumerated() {
                try compare(c, seed: 300 + UInt64(i) * 10, mode: mode)
            }
        }
    }

    /// Self-attention of one leaf (`[x, x]`): the three gradient paths add up in the leaf.
    func testSelfAttentionOfOneLeaf() throws {
        try forEachMode { mode in
            let x = randomTensor([3, 70, 16], seed: 41).converted(to: Float.self)
            let r = randomTensor([3, 70, 16], seed: 42).converted(to: Float.self)
            let a = x.requiringGrad(), b = x.requiringGrad()
            try (Tensor.dotProductAttention(query: a, key: a, value: a, causal: true).output * r).sum().backward()
            try (referenceAttention(query: b, key: b, value: b, causal: true).output * r).sum().backward()
            assertClose(a.grad?.scalars ?? [], b.grad?.scalars ?? [], rtol: 1e-4, atol: 1e-5, "dX \(mode)")
        }
    }

    /// Dropout inside the kernel equals the composite twin with the kernel's own keep mask
    /// (drawn again by `kernelDropoutMultipliers`), in values and gradients; and a pair mask
    /// `[B/g, Tq, Tv]` shared by groups of problems (the heads of one example).
    func testDropoutAndSharedFullMaskMatchCompositeTwin() throws {
        let (groups, heads, tq, tv, d) = (2, 3, 77, 90, 12)
        let b = groups * heads
        var g = SeededGenerator(seed: 5)
        var full = (0..<(groups * tq * tv)).map { _ in g.nextUnit() > 0.3 }
        for j in 0..<tv { full[(0 * tq + 5) * tv + j] = false }  // one row with no visible key
        let q = randomTensor([b, tq, d], seed: 51).converted(to: Float.self)
        let k = randomTensor([b, tv, d], seed: 52).converted(to: Float.self)
        let v = randomTensor([b, tv, d], seed: 53).converted(to: Float.self)
        let r = randomTensor([b, tq, d], seed: 54).converted(to: Float.self)
        for causal in [false, true] {
            for rate: Float in [0, 0.3] {
                let seed: UInt64 = 0xdead_beef_1234
                try forEachMode { mode in
                    let leaves = [q, k, v].map { $0.requiringGrad() }
                    let out = try Tensor.dotProductAttention(
                        query: leaves[0], key: leaves[1], value: leaves[2], scale: Tensor(Float(0.4)),
                        mask: AttentionMask(pairs: Mask(shape: [groups, tq, tv], values: full), causal: causal),
                        dropout: AttentionDropout(rate: Double(rate), seed: seed)).output
                    try (out * r).sum().backward()

                    let refLeaves = [q, k, v].map { $0.requiringGrad() }
                    var scores = try Tensor.matmul(refLeaves[0], refLeaves[1], transposeB: true) * Float(0.4)
                    var keep = [Bool](repeating: true, count: b * tq * tv)
                    for p in 0..<b {
                        for i in 0..<tq {
                            for j in 0..<tv {
                                keep[(p * tq + i) * tv + j] = full[((p / heads) * tq + i) * tv + j] && (!causal || j <= i)
                            }
                        }
                    }
                    scores = try Tensor.where(Mask(shape: [b, tq, tv], values: keep), scores, scores - Float(1e9))
                    var weights = try scores.softmax(alongAxis: -1)
                    let multipliers = kernelDropoutMultipliers(seed: seed, rate: rate, batch: b, queryLength: tq,
                                                                        keyLength: tv)
                    weights = try weights * Tensor<Float>(shape: [b, tq, tv], scalars: multipliers)
                    let ref = try Tensor.matmul(weights, refLeaves[2])
                    try (ref * r).sum().backward()
                    let label = "\(mode) causal \(causal) rate \(rate)"
                    assertClose(out.scalars, ref.scalars, rtol: 1e-4, atol: 1e-5, "output \(label)")
                    for (name, (a, b)) in zip(["dQuery", "dKey", "dValue"], zip(leaves, refLeaves)) {
                        assertClose(a.grad?.scalars ?? [], b.grad?.scalars ?? [], rtol: 1e-4, atol: 1e-5, "\(name) \(label)")
                    }
                }
            }
        }
    }

    /// A seeing-queries mask (Keras `MultiHeadAttention`'s query mask) gives exactly what the pair
    /// mask with the hidden queries' rows cleared gives, through the OpenBLAS kernels and each
    /// tiled mode: outputs and gradients, with key padding, causal or not, the hidden queries
    /// trailing (padding) and one in the middle.
    func testSeeingQueriesMaskEqualsClearedPairRows() throws {
        let (groups, heads, tq, tv, d) = (2, 2, 70, 90, 8)
        let b = groups * heads
        let keys = try Mask(shape: [groups, tv], values: (0..<(groups * tv)).map { $0 % tv < (($0 / tv) == 0 ? 60 : 90) })
        let sees = (0..<(groups * tq)).map { e in e % tq != 9 && e % tq < ((e / tq) == 0 ? 50 : 66) }
        let seeing = try Mask(shape: [groups, tq], values: sees)
        let cleared = try Mask(shape: [groups, tq, tv], values: (0..<(groups * tq * tv)).map { sees[$0 / tv] })
        let inputs = [b, b, b].enumerated().map { i, n in
            randomTensor([n, i == 0 ? tq : tv, d], seed: UInt64(60 + i)).converted(to: Float.self)
        }
        let r = randomTensor([b, tq, d], seed: 63).converted(to: Float.self)
        func run(_ mask: AttentionMask) throws -> [[Float]] {
            let leaves = inputs.map { $0.requiringGrad() }
            let out = try Tensor.dotProductAttention(query: leaves[0], key: leaves[1], value: leaves[2],
                                                     scale: Tensor(Float(0.3)), mask: mask).output
            try (out * r).sum().backward()
            return [out.scalars] + leaves.map { $0.grad?.scalars ?? [] }
        }
        for mode in [AttentionKernelMode.blas] + AttentionKernelMode.tiledModes {
            for causal in [false, true] {
                try mode.run {
                    let got = try run(AttentionMask(keys: keys, seeingQueries: seeing, causal: causal))
                    let expected = try run(AttentionMask(keys: keys, pairs: cleared, causal: causal))
                    for (name, (a, e)) in zip(["output", "dQuery", "dKey", "dValue"], zip(got, expected)) {
                        XCTAssertFalse(a.isEmpty, "\(name) \(mode) causal \(causal)")
                        XCTAssertEqual(a, e, "\(name) \(mode) causal \(causal)")
                    }
                }
            }
        }
    }

    /// The keep mask keeps about `1 − rate` of the weights, scaled by `1 / (1 − rate)`, and
    /// differs between seeds.
    func testDropoutMaskRateAndScale() {
        let rate: Float = 0.25
        let m = kernelDropoutMultipliers(seed: 99, rate: rate, batch: 4, queryLength: 256, keyLength: 256)
        let kept = m.filter { $0 != 0 }
        XCTAssertEqual(Double(kept.count) / Double(m.count), 0.75, accuracy: 0.005)
        XCTAssertTrue(kept.allSatisfy { $0 == 1 / (1 - rate) })
        let other = kernelDropoutMultipliers(seed: 100, rate: rate, batch: 4, queryLength: 256, keyLength: 256)
        let agree = zip(m, other).filter { ($0 == 0) == ($1 == 0) }.count
        XCTAssertLessThan(Double(agree) / Double(m.count), 0.7)
        XCTAssertEqual(kernelDropoutMultipliers(seed: 1, rate: 0, batch: 1, queryLength: 3, keyLength: 3),
                       [Float](repeating: 1, count: 9))
    }

    /// MultiHeadAttention's heads in the tiled kernels (masks of every kind, causal, dropout)
    /// against the OpenBLAS kernels given the tiled kernels' keep mask (returning the weights):
    /// output and input gradients.
    func testMultiHeadAttentionTiledHeadsMatchBLASHeads() throws {
        let (b, tq, tv, width) = (2, 70, 90, 16)
        let layer = try MultiHeadAttention<Float>(numHeads: 3, keyDim: 8, dropout: 0.2, seed: 3)
        let query = randomTensor([b, tq, width], seed: 61).converted(to: Float.self)
        let value = randomTensor([b, tv, width], seed: 62).converted(to: Float.self)
        let r = randomTensor([b, tq, width], seed: 63).converted(to: Float.self)
        _ = try layer(query: query, value: value)
        guard let weights = layer.weights else { return XCTFail("not built") }
        var g = SeededGenerator(seed: 64)
        let randomQueries = (0..<(b * tq)).map { _ in g.nextUnit() > 0.2 }
        let randomKeys = (0..<(b * tv)).map { _ in g.nextUnit() > 0.3 }
        // Padded: example 0 keeps 66 queries (its second query block holds hidden ones, which
        // see no key) and 50 keys (the first block skips the padded keys); example 1 keeps all.
        let (queryLengths, keyLengths) = ([66, tq], [50, tv])
        for (padded, causal) in [(false, false), (false, true), (true, false), (true, true)] {
            let queryMask = try Mask(shape: [b, tq], values: padded
                ? (0..<(b * tq)).map { $0 % tq < queryLengths[$0 / tq] } : randomQueries)
            let valueMask = try Mask(shape: [b, tv], values: padded
                ? (0..<(b * tv)).map { $0 % tv < keyLengths[$0 / tv] && (randomKeys[$0] || $0 % tv == 0) } : randomKeys)
            let mask = try MultiHeadAttention<Float>.combinedMask(
                batch: b, queryLength: tq, keyLength: tv, queryMask: queryMask, valueMask: valueMask, keyMask: valueMask,
                attentionMask: nil, useCausalMask: causal, layerName: "mha")
            for rate in [0.0, 0.2] {
                let seed: UInt64 = 77
                let multipliers = kernelDropoutMultipliers(seed: seed, rate: Float(rate), batch: b * 3, queryLength: tq,
                                                                    keyLength: tv)
                let keep = try Mask(shape: [b, 3, tq, tv], values: multipliers.map { $0 != 0 })
                try forEachMode { mode in
                    let tiledLeaves = [query, value].map { $0.requiringGrad() }
                    let tiled = try MultiHeadAttention<Float>.attend(
                        query: tiledLeaves[0], value: tiledLeaves[1], key: nil, weights: weights, mask: mask,
                        dropout: AttentionDropout(rate: rate, seed: seed), returnScores: false, outputShape: nil,
                        layerName: "mha")
                    XCTAssertNil(tiled.scores)
                    try (tiled.output * r).sum().backward()
                    let refLeaves = [query, value].map { $0.requiringGrad() }
                    let ref = try MultiHeadAttention<Float>.attend(
                        query: refLeaves[0], value: refLeaves[1], key: nil, weights: weights, mask: mask,
                        dropout: AttentionDropout(rate: rate, keepMask: keep), outputShape: nil, layerName: "mha")
                    try (ref.output * r).sum().backward()
                    let label = "\(mode) padded \(padded) causal \(causal) rate \(rate)"
                    assertClose(tiled.output.scalars, ref.output.scalars, rtol: 1e-4, atol: 1e-5, "output \(label)")
                    assertClose(tiledLeaves[0].grad?.scalars ?? [], refLeaves[0].grad?.scalars ?? [], rtol: 1e-4, atol: 1e-5,
                                "dQuery \(label)")
                    assertClose(tiledLeaves[1].grad?.scalars ?? [], refLeaves[1].grad?.scalars ?? [], rtol: 1e-4, atol: 1e-5,
                                "dValue \(label)")
                }
            }
        }
    }

    /// The Attention layer's training dropout in the tiled kernel keeps about `1 − rate` of the
    /// weights: the output's mean over many keys and calls stays the no-dropout output's.
    func testAttentionLayerDropoutInTiledKernelIsUnbiased() throws {
        try forEachMode { mode in
            let layer = Attention<Float>(dropout: 0.5, seed: 9)
            let q = randomTensor([1, 8, 4], seed: 71).converted(to: Float.self)
            let v = Tensor<Float>(filled: 1, shape: [1, 4000, 4])
            let k = randomTensor([1, 4000, 4], seed: 72).converted(to: Float.self)
            let plain = try layer(query: q, value: v, key: k)
            let dropped = try layer(query: q, value: v, key: k, training: true)
            // Every value row is 1, so each output element is Σ_j w_j · keep_j / (1 − rate).
            assertClose(dropped.scalars, plain.scalars, rtol: 0.05, atol: 0, "\(mode)")
            let again = try layer(query: q, value: v, key: k, training: true)
            XCTAssertNotEqual(again.scalars, dropped.scalars, "\(mode): a new mask each call")
        }
    }

    /// The `Attention` layer's training call in the tiled kernel (dropout, a value mask, a query
    /// mask, a learnt scale) against the composite twin given the kernel's keep mask: output and
    /// the gradients of the query, value, key and scale.
    ///
    /// A fresh layer's first training call seeds the kernel's dropout with the first draw of its
    /// stream, `LayerSeed.generator(seed:name: name + "/dropout")`, so the test draws the same
    /// seed and redraws the keep mask with `FlashAttention.dropoutMultipliers`.
    func testAttentionLayerTiledTrainingMatchesCompositeTwin() throws {
        let (b, tq, tv, d, dv) = (2, 70, 90, 12, 9)
        let rate = 0.3, layerSeed: UInt64 = 17
        let q = randomTensor([b, tq, d], seed: 81).converted(to: Float.self)
        let k = randomTensor([b, tv, d], seed: 82).converted(to: Float.self)
        let v = randomTensor([b, tv, dv], seed: 83).converted(to: Float.self)
        let r = randomTensor([b, tq, dv], seed: 84).converted(to: Float.self)
        var g = SeededGenerator(seed: 85)
        let queryMask = try Mask(shape: [b, tq], values: (0..<(b * tq)).map { _ in g.nextUnit() > 0.2 })
        let valueMask = try Mask(shape: [b, tv], values: (0..<(b * tv)).map { _ in g.nextUnit() > 0.3 })
        let scaleValue = Tensor<Float>(0.7)
        for causal in [false, true] {
            try forEachMode { mode in
                let layer = Attention<Float>(useScale: true, dropout: rate, seed: layerSeed)
                layer.build()
                let scale = try XCTUnwrap(layer.scale)
                try scale.assign(scaleValue)
                let leaves = [q, v, k].map { $0.requiringGrad() }
                let out = try layer(query: leaves[0], value: leaves[1], key: leaves[2], queryMask: queryMask,
                                    valueMask: valueMask, useCausalMask: causal, training: true)
                try (out * r).sum().backward()

                var stream = LayerSeed.generator(seed: layerSeed, name: layer.name + "/dropout")
                let multipliers = kernelDropoutMultipliers(seed: stream.next(), rate: Float(rate), batch: b,
                                                                    queryLength: tq, keyLength: tv)
                let refLeaves = [q, v, k].map { $0.requiringGrad() }, refScale = scaleValue.requiringGrad()
                let ref = try referenceAttention(
                    query: refLeaves[0], key: refLeaves[2], value: refLeaves[1], scale: refScale, valueMask: valueMask,
                    queryMask: queryMask, causal: causal, dropout: Tensor(shape: [b, tq, tv], scalars: multipliers))
                try (ref.output * r).sum().backward()

                let label = "\(mode) causal \(causal)"
                assertClose(out.scalars, ref.output.scalars, rtol: 1e-4, atol: 1e-5, "output \(label)")
                for (name, (a, b)) in zip(["dQuery", "dValue", "dKey"], zip(leaves, refLeaves)) {
                    assertClose(a.grad?.scalars ?? [], b.grad?.scalars ?? [], rtol: 1e-4, atol: 1e-5, "\(name) \(label)")
                }
                assertClose(scale.grad?.scalars ?? [], refScale.grad?.scalars ?? [], rtol: 1e-4, atol: 1e-4, "dScale \(label)")
            }
        }
    }

    /// Past 256 keys only the AVX-512 kernels on an AMD CPU keep the weights, up to 1,024 keys:
    /// the AVX2 kernels recompute them at 512 keys, and every level at 2,048.
    func testKeptWeightsPast256KeysFollowTheKernelLevel() throws {
        func keeps(keys: Int, level: Int) throws -> Bool {
            let visibility = try AttentionVisibility(.none, batch: 4, queryLength: keys, keyLength: keys, operation: "test")
            return FlashAttention(batch: 4, queryLength: keys, keyLength: keys, depth: 8, valueDepth: 8, scale: 1,
                                  visibility: visibility, dropout: nil, level: level).forPass(needsGradient: true).keepsWeights
        }
        try withHeedThreads(2) {
            XCTAssertTrue(try keeps(keys: 256, level: 1))
            XCTAssertFalse(try keeps(keys: 512, level: 1), "the AVX2 kernels")
            XCTAssertEqual(try keeps(keys: 512, level: 2), FlashAttention.cpuIsAMD)
            XCTAssertEqual(try keeps(keys: 1024, level: 2), FlashAttention.cpuIsAMD)
            XCTAssertFalse(try keeps(keys: 2048, level: 2))
        }
    }

    /// The kept-weights binding holds inside its scope only: a shape that keeps no weights by
    /// default keeps them inside `true`, and not before or after.
    func testKeptWeightsBindingHoldsOnlyInsideItsScope() throws {
        guard let level = AttentionKernelMode.tiledLevels.last else {
            throw XCTSkip("no AVX2 + FMA on this CPU: the tiled attention kernels were not tested")
        }
        let visibility = try AttentionVisibility(.none, batch: 1, queryLength: 8, keyLength: 8, operation: "test")
        let flash = FlashAttention(batch: 1, queryLength: 8, keyLength: 8, depth: 4, valueDepth: 4, scale: 1,
                                   visibility: visibility, dropout: nil, level: level.rawValue)
        withHeedThreads(2) {
            XCTAssertFalse(flash.forPass(needsGradient: true).keepsWeights, "one problem, two threads: recomputed")
            FlashAttention.$keptWeightsOverride.withValue(true) {
                XCTAssertTrue(flash.forPass(needsGradient: true).keepsWeights)
                XCTAssertFalse(flash.forPass(needsGradient: false).keepsWeights)
            }
            XCTAssertFalse(flash.forPass(needsGradient: true).keepsWeights, "the binding ended with its scope")
        }
    }
}
