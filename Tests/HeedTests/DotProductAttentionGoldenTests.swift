import Foundation
import XCTest
@testable import Heed

/// The fused `Tensor.dotProductAttention` on every Keras golden case of `Attention` with dot
/// scores (outputs, returned scores, and gradients of `L = Σ outputs ⊙ R`), read from the golden
/// directory of ``KerasConformanceTests/goldenDirectory``, through both kernel families: the
/// OpenBLAS kernels, and each tiled level this CPU runs in both weight modes.
///
/// Calls that return the weights always take the OpenBLAS kernels, so a case with
/// `return_attention_scores` reaches the tiled kernels only when it runs again without them.
/// Keras' gradients of such a case include the scores' term `Σ scores ⊙ R_scores`, which that
/// run lacks: its output is compared with Keras' output, and its gradients of `Σ output ⊙ R`
/// with those the OpenBLAS kernels give for the same loss in the same test (the OpenBLAS
/// kernels being held to Keras' full gradients of the case in
/// ``testOpenBLASKernelsMatchEveryKerasDotAttentionCase``).
///
/// The training case with dropout (`attention_dot_dropout_training`) is left out: Keras records
/// the keep mask it drew, and neither kernel family can apply a given mask (the OpenBLAS kernels
/// have no dropout; the tiled ones draw their mask from a hash of a seed). The `Attention` layer
/// reproduces that case through its composite path in ``KerasConformanceTests``.
final class DotProductAttentionGoldenTests: XCTestCase {
    /// The dot-score `Attention` cases of the golden index, but training with dropout; fails
    /// when there is none.
    func dotAttentionCases(file: StaticString = #filePath, line: UInt = #line) throws -> [GoldenLayerCase] {
        let dir = KerasConformanceTests.goldenDirectory
        var cases: [GoldenLayerCase] = []
        for entry in try KerasConformanceTests.Index.read(in: dir).cases where entry.layer == "Attention" {
            let c = try JSONDecoder().decode(GoldenLayerCase.self, from: Data(contentsOf: dir.appendingPathComponent(entry.file)))
            guard c.kerasArgument("score_mode").string == "dot" else { continue }
            if c.call_args["training"].bool == true && (c.kerasArgument("dropout").double ?? 0) > 0 { continue }
            cases.append(c)
        }
        if cases.isEmpty { XCTFail("no dot-score Attention case in \(dir.path)", file: file, line: line) }
        return cases
    }

    /// What one call of the fused op gives on a case's inputs: the output, the weights when they
    /// were returned, and the gradients of `Σ output ⊙ R` (plus `Σ weights ⊙ R_scores` when the
    /// weights were returned) by input name and `scale`.
    struct Run {
        var output: [Float]
        var scores: [Float]?
        var grads: [String: [Float]] = [:]
    }

    func returnsScores(_ c: GoldenLayerCase) -> Bool { c.call_args["return_attention_scores"].bool ?? false }

    func attend(_ c: GoldenLayerCase, returnScores: Bool) throws -> Run {
        let names = try c.callInputNames()
        let leaves = try c.floatInputLeaves()
        let query = try c.floatLeaf(leaves, named: names[0]), value = try c.floatLeaf(leaves, named: names[1])
        let key = try names.count > 2 ? c.floatLeaf(leaves, named: names[2]) : value
        let scale = try c.weights.first { $0.path == "scale" }.map { try $0.tensor().requiringGrad(label: "scale") }
        let masks = c.call_args["mask"].array ?? []
        let queryMask = try masks.count > 0 ? c.maskInput(masks[0]) : nil
        let valueMask = try masks.count > 1 ? c.maskInput(masks[1]) : nil
        let result = try Tensor.dotProductAttention(
            query: query, key: key, value: value, scale: scale, valueMask: valueMask, queryMask: queryMask,
            causal: c.call_args["use_causal_mask"].bool ?? false, returnWeights: returnScores)
        var loss = try (result.output * cotangent(c, c.mainOutputName)).sum()
        if returnScores {
            let weights = try XCTUnwrap(result.weights, "\(c.case): no weights returned")
            loss = try loss + (weights * cotangent(c, scoresName(c))).sum()
        }
        loss.backward()
        var run = Run(output: result.output.scalars, scores: result.weights?.scalars)
        for name in Set(names) { run.grads[name] = leaves[name]?.grad?.scalars ?? [] }
        if let scale { run.grads["scale"] = scale.grad?.scalars ?? [] }
        return run
    }

    func cotangent(_ c: GoldenLayerCase, _ name: String) throws -> Tensor<Float> {
        guard let r = c.R.first(where: { $0.name == name }) else { throw GoldenError.missing("R \(name)") }
        return try r.tensor()
    }

    func scoresName(_ c: GoldenLayerCase) throws -> String {
        guard c.outputs.count == 2 else { throw GoldenError.missing("\(c.case): attention scores output") }
        return c.outputs[1].name
    }

    /// Keras' gradient of `L` for an input name or `scale`.
    func kerasGrad(_ c: GoldenLayerCase, _ name: String) throws -> [Float] {
        let record = name == "scale"
            ? c.grads.weights.first { $0.path == "scale" }
            : c.grads.inputs?.first { $0.name == name }
        guard let record else { throw GoldenError.missing("\(c.case): Keras gradient of \(name)") }
        return try record.tensor().scalars
    }

    func testOpenBLASKernelsMatchEveryKerasDotAttentionCase() throws {
        let cases = try dotAttentionCases()
        try AttentionKernelMode.blas.run {
            for c in cases {
                let got = try attend(c, returnScores: returnsScores(c))
                let label = "\(AttentionKernelMode.blas) \(c.case)"
                assertClose(got.output, try c.outputs[0].tensor().scalars, rtol: 1e-4, atol: 1e-5, "\(label) output")
                if returnsScores(c) {
                    assertClose(got.scores ?? [], try c.outputs[1].tensor().scalars, rtol: 1e-4, atol: 1e-5,
                                "\(label) scores")
                }
                for (name, grad) in got.grads {
                    assertClose(grad, try kerasGrad(c, name), rtol: 1e-4, atol: 1e-5, "\(label) d\(name)")
                }
            }
        }
    }

    func testTiledKernelsMatchEveryKerasDotAttentionCase() throws {
        let cases = try dotAttentionCases()
        try AttentionKernelMode.requireTiledKernels()
        // The OpenBLAS kernels' gradients of Σ output ⊙ R alone, for the cases that return scores.
        let blasGrads = try AttentionKernelMode.blas.run {
            try Dictionary(uniqueKeysWithValues: cases.filter(returnsScores).map {
                ($0.case, try attend($0, returnScores: false).grads)
            })
        }
        try AttentionKernelMode.forEachTiled { mode in
            for c in cases {
                let got = try attend(c, returnScores: false)
                let label = "\(mode) \(c.case)"
                assertClose(got.output, try c.outputs[0].tensor().scalars, rtol: 1e-4, atol: 1e-5, "\(label) output")
                for (name, grad) in got.grads {
                    let want = try returnsScores(c) ? XCTUnwrap(blasGrads[c.case]?[name]) : kerasGrad(c, name)
                    let source = returnsScores(c) ? "OpenBLAS kernels, output term only" : "Keras"
                    assertClose(grad, want, rtol: 1e-4, atol: 1e-5, "\(label) d\(name) vs \(source)")
                }
            }
        }
    }
}
