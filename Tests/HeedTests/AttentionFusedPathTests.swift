import XCTest
@testable import Heed

/// The `Attention` layer's dot scores, through the fused op, against the composite reference
/// (`referenceAttention`), values and gradients, in Double; with dropout in training too.
final class AttentionFusedPathTests: XCTestCase {
    let valueMask = try! Mask(shape: [2, 4], values: [true, false, true, true, false, true, true, false])
    let queryMask = try! Mask(shape: [2, 3], values: [true, false, true, true, true, false])

    /// Output, weights and the gradients of `Σ out ⊙ R1 + Σ W ⊙ R2` for one path.
    func run(_ layer: Attention<Double>, fused: Bool, selfAttention: Bool, withKey: Bool, useValueMask: Bool,
             useQueryMask: Bool, causal: Bool) throws -> [[Double]] {
        let q = randomTensor([2, selfAttention ? 4 : 3, 2], seed: 1).requiringGrad()
        let v = randomTensor([2, 4, 2], seed: 2).requiringGrad()
        let k = randomTensor([2, 4, 2], seed: 3).requiringGrad()
        let scale = layer.useScale ? Tensor<Double>(0.7).requiringGrad() : nil
        let query = q, value = selfAttention ? q : v, key = selfAttention ? q : (withKey ? k : nil)
        let tq = query.shape[1]
        let qm = useQueryMask ? (selfAttention ? try Mask(shape: [2, 4], values: [true, false, true, true, true, true, false, true]) : queryMask) : nil
        let result: AttentionResult<Double>
        if fused {
            let r = try layer.attend(query: query, value: value, key: key, queryMask: qm,
                                     valueMask: useValueMask ? valueMask : nil, useCausalMask: causal,
                                     training: false, dropoutKeepMask: nil, scale: scale, concatScoreWeight: nil)
            result = AttentionResult(output: r.output, scores: try XCTUnwrap(r.scores), mask: qm)
        } else {
            let r = try referenceAttention(query: query, key: key ?? value, value: value, scale: scale,
                                           valueMask: useValueMask ? valueMask : nil, queryMask: qm, causal: causal)
            result = AttentionResult(output: r.output, scores: r.weights, mask: qm)
        }
        let r1 = randomTensor([2, tq, 2], seed: 4), r2 = randomTensor([2, tq, 4], seed: 5)
        try ((result.output * r1).sum() + (result.scores * r2).sum()).backward()
        return [result.output.scalars, result.scores.scalars, q.grad?.scalars ?? [], v.grad?.scalars ?? [],
                k.grad?.scalars ?? [], scale?.grad?.scalars ?? []]
    }

    /// Dropout in training (Double: the OpenBLAS kernels) equals the reference given the keep
    /// mask hashed from the seed the layer draws: the output, the returned weights (after
    /// dropout, as Keras returns them) and every gradient, with and without the causal mask.
    func testDropoutInTrainingMatchesTheReferenceWithTheHashedKeepMask() throws {
        for causal in [false, true] {
            let layer = Attention<Double>(useScale: true, dropout: 0.4, seed: 5)
            layer.build()
            var stream = LayerSeed.generator(seed: 5, name: "attention/dropout")
            let multipliers = try AttentionDropout(rate: 0.4, seed: stream.next())
                .multipliers(Double.self, batch: 2, queryLength: 3, keyLength: 4, operation: "test")
            XCTAssertTrue(multipliers.contains(0) && multipliers.contains(1 / 0.6), "the draw keeps some and drops some")
            var results: [[[Double]]] = []
            for fused in [true, false] {
                let q = randomTensor([2, 3, 2], seed: 1).requiringGrad()
                let v = randomTensor([2, 4, 2], seed: 2).requiringGrad()
                let k = randomTensor([2, 4, 2], seed: 3).requiringGrad()
                let scale = Tensor<Double>(0.7).requiringGrad()
                let (output, weights): (Tensor<Double>, Tensor<Double>)
                if fused {
                    let r = try layer.attend(query: q, value: v, key: k, queryMask: queryMask, valueMask: valueMask,
                                             useCausalMask: causal, training: true, dropoutKeepMask: nil, scale: scale,
                                             concatScoreWeight: nil)
                    (output, weights) = (r.output, try XCTUnwrap(r.scores))
                } else {
                    let r = try referenceAttention(query: q, key: k, value: v, scale: scale, valueMask: valueMask,
                                                   queryMask: queryMask, causal: causal,
                                                   dropout: Tensor(shape: [2, 3, 4], scalars: multipliers))
                    (output, weights) = (r.output, r.weights)
                }
                let r1 = randomTensor([2, 3, 2], seed: 4), r2 = randomTensor([2, 3, 4], seed: 5)
                try ((output * r1).sum() + (weights * r2).sum()).backward()
                results.append([output.scalars, weights.scalars, q.grad?.scalars ?? [], v.grad?.scalars ?? [],
                                k.grad?.scalars ?? [], scale.grad?.scalars ?? []])
            }
            for (i, name) in ["output", "weights", "dQuery", "dValue", "dKey", "dScale"].enumerated() {
                assertClose(results[0][i], results[1][i], rtol: 1e-10, atol: 1e-12, "\(name) causal:\(causal)")
            }
        }
    }

    /// Concat scores in training drop the weights by the keep mask hashed from the layer's dropout
    /// stream, as dot scores do: the returned scores are the softmax of the masked concat scores
    /// times that draw's multipliers, and the output is those scores times the value.
    func testConcatDropoutInTrainingUsesTheHashedKeepMask() throws {
        let layer = Attention<Double>(scoreMode: .concat, dropout: 0.4, seed: 5)
        var stream = LayerSeed.generator(seed: 5, name: "attention/dropout")
        let multipliers = try AttentionDropout(rate: 0.4, seed: stream.next())
            .multipliers(Double.self, batch: 2, queryLength: 3, keyLength: 4, operation: "test")
        XCTAssertTrue(multipliers.contains(0) && multipliers.contains(1 / 0.6), "the draw keeps some and drops some")
        let q = randomTensor([2, 3, 2], seed: 1), v = randomTensor([2, 4, 2], seed: 2)
        let r = try layer.attend(query: q, value: v, valueMask: valueMask, training: true)
        // concat_score_weight is 1 once built, and there is no scale.
        var scores = try (q.expandingShape(at: 2) + v.expandingShape(at: 1)).tanh().sum(alongAxis: -1)
        scores = try Tensor.where(valueMask.reshaped([2, 1, 4]).broadcast(to: [2, 3, 4]), scores, scores - 1e9)
        let expected = try scores.softmax(alongAxis: -1) * Tensor(shape: [2, 3, 4], scalars: multipliers)
        assertClose(r.scores.scalars, expected.scalars, rtol: 1e-12, atol: 1e-14, "scores")
        assertClose(r.output.scalars, try Tensor.matmul(expected, v).scalars, rtol: 1e-12, atol: 1e-14, "output")
    }

    /// The same seed drops the same weights in both kernel families: Float attention with
    /// dropout through the tiled kernels (no returned weights) and through the OpenBLAS kernels
    /// (weights returned) give the same output and gradients.
    func testBothKernelFamiliesDrawTheSameDropout() throws {
        let dropout = AttentionDropout(rate: 0.3, seed: 11)
        var results: [[[Float]]] = []
        for returnWeights in [false, true] {
            let q = randomTensor([3, 70, 8], seed: 21).converted(to: Float.self).requiringGrad()
            let k = randomTensor([3, 90, 8], seed: 22).converted(to: Float.self).requiringGrad()
            let v = randomTensor([3, 90, 5], seed: 23).converted(to: Float.self).requiringGrad()
            let out = try Tensor.dotProductAttention(query: q, key: k, value: v, mask: AttentionMask(causal: true),
                                                     dropout: dropout, returnWeights: returnWeights).output
            try (out * randomTensor([3, 70, 5], seed: 24).converted(to: Float.self)).sum().backward()
            results.append([out.scalars, q.grad?.scalars ?? [], k.grad?.scalars ?? [], v.grad?.scalars ?? []])
        }
        for (i, name) in ["output", "dQuery", "dKey", "dValue"].enumerated() {
            assertClose(results[0][i], results[1][i], rtol: 1e-4, atol: 1e-5, name)
        }
    }

    func testFusedPathMatchesCompositeTwinForEveryOption() throws {
        for bits in 0..<64 {
            let useScale = bits & 1 != 0, selfAttention = bits & 2 != 0, withKey = bits & 4 != 0
            let useValueMask = bits & 8 != 0, useQueryMask = bits & 16 != 0, causal = bits & 32 != 0
            let layer = Attention<Double>(useScale: useScale)
            layer.build()
            let fused = try run(layer, fused: true, selfAttention: selfAttention, withKey: withKey,
                                useValueMask: useValueMask, useQueryMask: useQueryMask, causal: causal)
            let composite = try run(layer, fused: false, selfAttention: selfAttention, withKey: withKey,
                                    useValueMask: useValueMask, useQueryMask: useQueryMask, causal: causal)
            let names = ["output", "weights", "dQuery", "dValue", "dKey", "dScale"]
            for (i, name) in names.enumerated() {
                assertClose(fused[i], composite[i], rtol: 1e-10, atol: 1e-12,
                            "\(name) scale:\(useScale) self:\(selfAttention) key:\(withKey) valueMask:\(useValueMask) "
                            + "queryMask:\(useQueryMask) causal:\(causal)")
            }
        }
    }

    func testCallAsFunctionGivesTheSameOutputAsAttend() throws {
        let layer = Attention<Double>(useScale: true)
        let q = randomTensor([2, 3, 2], seed: 6), v = randomTensor([2, 4, 2], seed: 7)
        let direct = try layer(query: q, value: v, queryMask: queryMask, valueMask: valueMask, useCausalMask: true)
        let attended = try layer.attend(query: q, value: v, queryMask: queryMask, valueMask: valueMask, useCausalMask: true)
        XCTAssertEqual(direct.scalars, attended.output.scalars)
    }
}
