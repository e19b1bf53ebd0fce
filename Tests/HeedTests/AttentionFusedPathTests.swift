import XCTest
@testable import Heed

/// The `Attention` layer's fused path (dot scores without dropout in training) against its
/// composite-op twin, values and gradients, in Double.
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
            result = try layer.attend(query: query, value: value, key: key, queryMask: qm,
                                      valueMask: useValueMask ? valueMask : nil, useCausalMask: causal,
                                      training: false, dropoutKeepMask: nil, scale: scale, concatScoreWeight: nil)
        } else {
            result = try layer.compositeAttend(query: query, value: value, key: key ?? value, queryMask: qm,
                                               valueMask: useValueMask ? valueMask : nil, useCausalMask: causal,
                                               training: false, dropoutKeepMask: nil, scale: scale, concatScoreWeight: nil)
        }
        let r1 = randomTensor([2, tq, 2], seed: 4), r2 = randomTensor([2, tq, 4], seed: 5)
        try ((result.output * r1).sum() + (result.scores * r2).sum()).backward()
        return [result.output.scalars, result.scores.scalars, q.grad?.scalars ?? [], v.grad?.scalars ?? [],
                k.grad?.scalars ?? [], scale?.grad?.scalars ?? []]
    }

    func testDotScoresWithoutDropoutTakeTheFusedKernel() {
        XCTAssertTrue(Attention<Double>().usesFusedKernel(training: true))
        XCTAssertTrue(Attention<Double>(dropout: 0.3).usesFusedKernel(training: false))
        XCTAssertFalse(Attention<Double>(dropout: 0.3).usesFusedKernel(training: true))
        XCTAssertFalse(Attention<Double>(scoreMode: .concat).usesFusedKernel(training: false))
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
