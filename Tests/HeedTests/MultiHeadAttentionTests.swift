import XCTest
@testable import Heed

final class MultiHeadAttentionTests: XCTestCase {
    /// A layer with one query/key/value input feature, `H = 4` and all-ones kernels, so that
    /// `score = q·k·4 / sqrt(4) = 2·q·k` and the output is `Σ_j P_j · v_j`.
    private func onesLayer() throws -> MultiHeadAttention<Double> {
        let layer = try MultiHeadAttention<Double>(numHeads: 1, keyDim: 4, useBias: false, outputShape: [1])
        try layer.build(queryShape: [1, 1, 1], valueShape: [1, 2, 1])
        for p in layer.parameters {
            try p.assign(Tensor(filled: p.path == "attention_output/kernel" ? 0.25 : 1, shape: p.shape))
        }
        return layer
    }

    func testScaledDotProductMatchesHandComputation() throws {
        let layer = try onesLayer()
        let (y, scores) = try layer(query: Tensor(shape: [1, 1, 1], scalars: [1]),
                                    value: Tensor(shape: [1, 2, 1], scalars: [0, 1]), returnAttentionScores: true)
        // scores 2·1·[0, 1] = [0, 2] → P = [1, e²] / (1 + e²); y = P₁.
        let e2: Double = Double.exp(2)
        let expected: [Double] = [1 / (1 + e2), e2 / (1 + e2)]
        assertClose(scores?.scalars ?? [], expected, rtol: 1e-12, atol: 1e-12)
        assertClose(y.scalars, [e2 / (1 + e2)], rtol: 1e-12, atol: 1e-12)
    }

    func testFullyMaskedRowIsUniformInFloat() throws {
        let layer = try MultiHeadAttention<Float>(numHeads: 2, keyDim: 3, seed: 1)
        var g = SeededGenerator(seed: 2)
        let query = Tensor<Float>.randomUniform([1, 2, 4], low: -1, high: 1, generator: &g)
        let value = Tensor<Float>.randomUniform([1, 3, 4], low: -1, high: 1, generator: &g)
        let queryMask = try Mask(shape: [1, 2], values: [true, false])
        let (_, scores) = try layer(query: query, value: value, queryMask: queryMask, returnAttentionScores: true)
        let p = try XCTUnwrap(scores)
        for head in 0..<2 {
            // s − 1e9 rounds to exactly −1e9 in float32 for small scores: a uniform row.
            for j in 0..<3 { XCTAssertEqual(p[0, head, 1, j], 1 / 3, accuracy: 1e-7) }
        }
    }

    func testMaskedKeysGetZeroWeight() throws {
        let layer = try MultiHeadAttention<Float>(numHeads: 2, keyDim: 3, seed: 1)
        var g = SeededGenerator(seed: 3)
        let query = Tensor<Float>.randomUniform([1, 2, 4], low: -1, high: 1, generator: &g)
        let value = Tensor<Float>.randomUniform([1, 3, 4], low: -1, high: 1, generator: &g)
        let valueMask = try Mask(shape: [1, 3], values: [true, false, true])
        let (_, scores) = try layer(query: query, value: value, valueMask: valueMask, returnAttentionScores: true)
        let p = try XCTUnwrap(scores)
        for head in 0..<2 { for i in 0..<2 { XCTAssertEqual(p[0, head, i, 1], 0) } }
    }

    func testCausalMaskIsAnchoredTopLeft() throws {
        let layer = try MultiHeadAttention<Float>(numHeads: 1, keyDim: 2, seed: 1)
        var g = SeededGenerator(seed: 4)
        let query = Tensor<Float>.randomUniform([1, 2, 3], low: -1, high: 1, generator: &g)
        let value = Tensor<Float>.randomUniform([1, 4, 3], low: -1, high: 1, generator: &g)
        let (_, scores) = try layer(query: query, value: value, useCausalMask: true, returnAttentionScores: true)
        let p = try XCTUnwrap(scores)
        XCTAssertEqual(p[0, 0, 0, 0], 1)
        for j in 2..<4 { XCTAssertEqual(p[0, 0, 1, j], 0) }
        XCTAssertGreaterThan(p[0, 0, 1, 1], 0)
    }

    func testScoresAreReturnedBeforeDropout() throws {
        let layer = try MultiHeadAttention<Double>(numHeads: 2, keyDim: 3, dropout: 0.5, useBias: false, seed: 1)
        let query = randomTensor([1, 2, 4], seed: 5), value = randomTensor([1, 3, 4], seed: 6)
        let keepAll = Mask(filled: true, shape: [1, 2, 2, 3])
        let (trainY, trainScores) = try layer(query: query, value: value, returnAttentionScores: true,
                                              training: true, dropoutKeepMask: keepAll)
        let (evalY, evalScores) = try layer(query: query, value: value, returnAttentionScores: true)
        assertClose(trainScores?.scalars ?? [], evalScores?.scalars ?? [], rtol: 0, atol: 0)
        // Keeping everything scales the probabilities by 1/(1 − 0.5); without biases so does y.
        assertClose(trainY.scalars, evalY.scalars.map { $0 * 2 }, rtol: 1e-12, atol: 1e-12)
    }

    func testDroppedProbabilitiesDoNotReachTheOutput() throws {
        let layer = try MultiHeadAttention<Double>(numHeads: 1, keyDim: 2, dropout: 0.5, useBias: false, seed: 1)
        let query = randomTensor([1, 1, 2], seed: 7), value = randomTensor([1, 2, 2], seed: 8)
        let dropAll = Mask(filled: false, shape: [1, 1, 1, 2])
        let (y, _) = try layer(query: query, value: value, training: true, dropoutKeepMask: dropAll)
        assertClose(y.scalars, [0, 0], rtol: 0, atol: 0)
    }

    func testOutputMaskIsTheQueryMask() throws {
        let layer = try MultiHeadAttention<Float>(numHeads: 2, keyDim: 3, seed: 1)
        let queryMask = try Mask(shape: [1, 2], values: [true, false])
        let valueMask = try Mask(shape: [1, 3], values: [true, true, false])
        let (y, _) = try layer(query: MaskedTensor(Tensor<Float>.ones([1, 2, 4]), mask: queryMask),
                               value: MaskedTensor(Tensor<Float>.ones([1, 3, 4]), mask: valueMask))
        XCTAssertEqual(y.mask, queryMask)
        XCTAssertEqual(y.tensor.shape, [1, 2, 4])
    }

    func testWeightsFollowKerasOrderAndShapes() throws {
        let layer = try MultiHeadAttention<Float>(numHeads: 2, keyDim: 3, valueDim: 2, outputShape: [5])
        XCTAssertTrue(layer.parameters.isEmpty)
        _ = try layer(query: Tensor<Float>.ones([1, 3, 4]), value: Tensor<Float>.ones([1, 4, 4]),
                      key: Tensor<Float>.ones([1, 4, 6]))
        XCTAssertEqual(layer.namedParameters.map(\.name), [
            "mha/query/kernel", "mha/query/bias", "mha/key/kernel", "mha/key/bias",
            "mha/value/kernel", "mha/value/bias", "mha/attention_output/kernel", "mha/attention_output/bias",
        ])
        XCTAssertEqual(layer.parameters.map(\.shape), [[4, 2, 3], [2, 3], [6, 2, 3], [2, 3], [4, 2, 2], [2, 2], [2, 2, 5], [5]])
    }

    func testNoBiasCreatesOnlyKernels() throws {
        let layer = try MultiHeadAttention<Float>(numHeads: 2, keyDim: 3, useBias: false)
        try layer.build(queryShape: [1, 3, 4], valueShape: [1, 4, 4])
        XCTAssertEqual(layer.parameters.map(\.path), ["query/kernel", "key/kernel", "value/kernel", "attention_output/kernel"])
    }

    func testMasksAreAndedIntoOneMask() throws {
        let combined = try MultiHeadAttention<Float>.combinedMask(
            batch: 1, queryLength: 2, keyLength: 3, queryMask: Mask(filled: true, shape: [1, 2]),
            valueMask: Mask(shape: [1, 3], values: [true, false, true]), keyMask: nil,
            attentionMask: Mask(shape: [2, 3], values: [true, true, true, false, true, true]),
            useCausalMask: true, layerName: "mha")
        let visible = try AttentionVisibility(combined, batch: 1, queryLength: 2, keyLength: 3, operation: "test")
            .visibleScores(batch: 1)
        // Row 0: causal [T F F] ∧ value [T F T] ∧ explicit [T T T]; row 1: [T T F] ∧ [T F T] ∧ [F T T].
        XCTAssertEqual(visible, try Mask(shape: [1, 2, 3], values: [true, false, false, false, false, false]))
    }

    func testAHiddenQuerySeesNoKey() throws {
        let combined = try MultiHeadAttention<Float>.combinedMask(
            batch: 1, queryLength: 2, keyLength: 3, queryMask: Mask(shape: [1, 2], values: [false, true]),
            valueMask: nil, keyMask: Mask(shape: [1, 3], values: [true, true, false]), attentionMask: nil,
            useCausalMask: false, layerName: "mha")
        let visible = try AttentionVisibility(combined, batch: 1, queryLength: 2, keyLength: 3, operation: "test")
            .visibleScores(batch: 1)
        XCTAssertEqual(visible, try Mask(shape: [1, 2, 3], values: [false, false, false, true, true, false]))
    }

    func testPaddingCausalAndQueryMasksFormNoPairArray() throws {
        let none = try MultiHeadAttention<Float>.combinedMask(
            batch: 1, queryLength: 2, keyLength: 3, queryMask: nil, valueMask: nil, keyMask: nil,
            attentionMask: nil, useCausalMask: false, layerName: "mha")
        XCTAssertTrue(none.keys == nil && none.pairs == nil && !none.causal)
        let padded = try MultiHeadAttention<Float>.combinedMask(
            batch: 1, queryLength: 2, keyLength: 3, queryMask: nil, valueMask: Mask(shape: [1, 3], values: [true, true, false]),
            keyMask: Mask(shape: [1, 3], values: [false, true, true]), attentionMask: nil, useCausalMask: true, layerName: "mha")
        XCTAssertNil(padded.pairs)
        XCTAssertEqual(padded.keys, try Mask(shape: [1, 3], values: [false, true, false]))
        XCTAssertTrue(padded.causal)
        let queries = try Mask(shape: [1, 2], values: [true, false])
        let hidden = try MultiHeadAttention<Float>.combinedMask(
            batch: 1, queryLength: 2, keyLength: 3, queryMask: queries, valueMask: nil, keyMask: nil,
            attentionMask: nil, useCausalMask: false, layerName: "mha")
        XCTAssertNil(hidden.pairs, "a query mask forms no pair array")
        XCTAssertEqual(hidden.seeingQueries, queries)
        XCTAssertNil(hidden.queries, "MultiHeadAttention does not zero the rows of hidden queries")
    }

    func testMismatchedMaskShapeThrows() throws {
        let layer = try MultiHeadAttention<Float>(numHeads: 1, keyDim: 2)
        XCTAssertThrowsError(try layer(query: Tensor<Float>.ones([1, 2, 3]), value: Tensor<Float>.ones([1, 4, 3]),
                                       valueMask: Mask(filled: true, shape: [1, 3])))
    }

    func testInvalidDropoutThrows() {
        XCTAssertThrowsError(try MultiHeadAttention<Float>(numHeads: 1, keyDim: 2, dropout: 1))
    }
}

/// `MultiHeadAttention`'s heads through the attention op's OpenBLAS kernels (Double: with and
/// without a pair mask, causal) against the composite reference, values, probabilities and gradients.
final class MultiHeadAttentionFusedPathTests: XCTestCase {
    func testKernelHeadsMatchCompositeHeadsInValuesAndGradients() throws {
        for masked in [false, true] {
            try compareHeads(masked: masked)
        }
    }

    func compareHeads(masked: Bool) throws {
        let shapes = ([2, 3, 4, 5], [2, 3, 6, 5], [2, 3, 6, 2])
        var results: [[[Double]]] = []
        for fused in [true, false] {
            let q = randomTensor(shapes.0, seed: 71).requiringGrad()
            let k = randomTensor(shapes.1, seed: 72).requiringGrad()
            let v = randomTensor(shapes.2, seed: 73).requiringGrad()
            var g = SeededGenerator(seed: 76)
            // A causal pair mask with holes; query row 0 of example 1 sees no key at all.
            let values = (0..<(2 * 4 * 6)).map { e in
                let (b, i, j) = (e / 24, (e / 6) % 4, e % 6)
                return j <= i && g.nextUnit() > 0.25 && !(b == 1 && i == 0)
            }
            let mask = masked ? try Mask(shape: [2, 4, 6], values: values) : nil
            let (heads, maybeProbabilities) = fused
                ? try MultiHeadAttention<Double>.kernelHeads(q: q, k: k, v: v, mask: AttentionMask(pairs: mask, causal: masked), dropout: nil,
                                                             returnScores: true, layerName: "mha")
                : try referenceHeads(q: q, k: k, v: v, mask: mask)
            let probabilities = try XCTUnwrap(maybeProbabilities)
            let r1 = randomTensor([2, 3, 4, 2], seed: 74), r2 = randomTensor([2, 3, 4, 6], seed: 75)
            try ((heads * r1).sum() + (probabilities * r2).sum()).backward()
            results.append([heads.scalars, probabilities.scalars, q.grad?.scalars ?? [], k.grad?.scalars ?? [],
                            v.grad?.scalars ?? []])
        }
        for (name, (a, b)) in zip(["heads", "probabilities", "dQ", "dK", "dV"], zip(results[0], results[1])) {
            assertClose(a, b, rtol: 1e-10, atol: 1e-12, "\(name) masked \(masked)")
        }
    }
}

/// The heads of `MultiHeadAttention` through `referenceAttention`: q `[B, N, T, H]`,
/// k `[B, N, S, H]`, v `[B, N, S, Hv]`, mask `[B, T, S]` shared by the heads → heads
/// `[B, N, T, Hv]` and probabilities `[B, N, T, S]`.
private func referenceHeads(q: Tensor<Double>, k: Tensor<Double>, v: Tensor<Double>, mask: Mask?) throws
    -> (heads: Tensor<Double>, probabilities: Tensor<Double>?) {
    let (b, n, t, h) = (q.shape[0], q.shape[1], q.shape[2], q.shape[3])
    let (s, hv) = (k.shape[2], v.shape[3])
    let pairs = try mask.map { try $0.reshaped([b, 1, t, s]).broadcast(to: [b, n, t, s]).reshaped([b * n, t, s]) }
    let r = try referenceAttention(query: q.reshaped([b * n, t, h]), key: k.reshaped([b * n, s, h]),
                                   value: v.reshaped([b * n, s, hv]), pairMask: pairs)
    return (try r.output.reshaped([b, n, t, hv]), try r.weights.reshaped([b, n, t, s]))
}
