import XCTest
@testable import Heed

/// Finite-difference checks of `Attention` in Double, with respect to query, value, key and
/// the scalar weights, for every combination of options.
final class AttentionGradientTests: XCTestCase {
    struct Options: CustomStringConvertible {
        var scoreMode: AttentionScoreMode
        var useScale: Bool
        var withKey: Bool
        var valueMask: Bool
        var queryMask: Bool
        var causal: Bool
        var returnScores: Bool

        var description: String {
            "\(scoreMode) scale:\(useScale) key:\(withKey) valueMask:\(valueMask) queryMask:\(queryMask) "
                + "causal:\(causal) scores:\(returnScores)"
        }
    }

    // Batch 2, Tq 3, Tv 4; every query row keeps at least one visible key (key 0 is never
    // hidden), because a fully hidden row differentiates `s − 1e9`, whose rounding defeats
    // finite differences.
    let valueMask = try! Mask(shape: [2, 4], values: [true, false, true, true, true, true, false, false])
    let queryMask = try! Mask(shape: [2, 3], values: [true, false, true, false, true, true])

    /// Runs one gradient check and names the combination if it failed.
    func check(_ o: Options, training: Bool = false, keepMask: Mask? = nil, dropout: Double = 0,
               file: StaticString = #filePath, line: UInt = #line) throws {
        let layer = Attention<Double>(useScale: o.useScale, scoreMode: o.scoreMode, dropout: dropout)
        let dq = 2, dv = o.withKey ? 3 : 2
        var inputs = [randomTensor([2, 3, dq], seed: 11), randomTensor([2, 4, dv], seed: 12)]
        if o.withKey { inputs.append(randomTensor([2, 4, dq], seed: 13)) }
        let scaleIndex = inputs.count
        if o.useScale { inputs.append(Tensor(0.7)) }
        let weightIndex = inputs.count
        if o.scoreMode == .concat { inputs.append(Tensor(1.3)) }
        let before = testRun?.failureCount ?? 0
        try checkGradients(inputs, file: file, line: line) { xs in
            let r = try layer.attend(
                query: xs[0], value: xs[1], key: o.withKey ? xs[2] : nil,
                queryMask: o.queryMask ? queryMask : nil, valueMask: o.valueMask ? valueMask : nil,
                useCausalMask: o.causal, training: training, dropoutKeepMask: keepMask,
                scale: o.useScale ? xs[scaleIndex] : nil,
                concatScoreWeight: o.scoreMode == .concat ? xs[weightIndex] : nil)
            guard o.returnScores else { return r.output }
            return try Tensor.concatenate([r.output.reshaped([-1]), XCTUnwrap(r.scores).reshaped([-1])], alongAxis: 0)
        }
        if (testRun?.failureCount ?? 0) > before { XCTFail("failing combination: \(o)", file: file, line: line) }
    }

    /// Every combination of key / value mask / query mask / causal / returned scores.
    func checkAllMaskCombinations(scoreMode: AttentionScoreMode, useScale: Bool) throws {
        for bits in 0..<32 {
            let o = Options(scoreMode: scoreMode, useScale: useScale, withKey: bits & 1 != 0, valueMask: bits & 2 != 0,
                            queryMask: bits & 4 != 0, causal: bits & 8 != 0, returnScores: bits & 16 != 0)
            try check(o)
        }
    }

    func testDotAttentionGradientsWithoutScale() throws {
        try checkAllMaskCombinations(scoreMode: .dot, useScale: false)
    }

    func testDotAttentionGradientsWithScale() throws {
        try checkAllMaskCombinations(scoreMode: .dot, useScale: true)
    }

    func testConcatAttentionGradientsWithoutScale() throws {
        try checkAllMaskCombinations(scoreMode: .concat, useScale: false)
    }

    func testConcatAttentionGradientsWithScale() throws {
        try checkAllMaskCombinations(scoreMode: .concat, useScale: true)
    }

    func testAttentionDropoutGradientsWithInjectedKeepMask() throws {
        var gen = SeededGenerator(seed: 5)
        let keep = Tensor<Double>.dropoutKeepMask(shape: [2, 3, 4], rate: 0.4, generator: &gen)
        for mode in AttentionScoreMode.allCases {
            let o = Options(scoreMode: mode, useScale: true, withKey: true, valueMask: true, queryMask: true,
                            causal: true, returnScores: true)
            try check(o, training: true, keepMask: keep, dropout: 0.4)
        }
    }

    func testSelfAttentionGradientSumsQueryKeyAndValuePaths() throws {
        let layer = Attention<Double>(useScale: true)
        try checkGradients([randomTensor([2, 4, 3], seed: 21), Tensor(0.8)]) { xs in
            try layer.attend(query: xs[0], value: xs[0], key: nil, queryMask: nil, valueMask: nil, useCausalMask: true,
                             training: false, dropoutKeepMask: nil, scale: xs[1], concatScoreWeight: nil).output
        }
    }
}
