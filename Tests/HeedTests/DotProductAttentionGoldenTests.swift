import Foundation
import XCTest
@testable import Heed

/// The fused `Tensor.dotProductAttention` on every Keras golden case of `Attention` with dot
/// scores (outputs, returned scores, and gradients of `L = Σ outputs ⊙ R`).
final class DotProductAttentionGoldenTests: XCTestCase {
    /// `../shared/keras-golden` beside the repository.
    var goldenDirectory: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("shared/keras-golden")
    }

    struct Record {
        let shape: [Int]
        let data: [Any]
    }

    func records(_ list: Any?) throws -> [String: Record] {
        var out: [String: Record] = [:]
        for item in try XCTUnwrap(list as? [[String: Any]]) {
            let name = try XCTUnwrap(item["name"] as? String)
            out[name] = Record(shape: try XCTUnwrap(item["shape"] as? [Int]), data: try XCTUnwrap(item["data"] as? [Any]))
        }
        return out
    }

    func tensor(_ r: Record?) throws -> Tensor<Float> {
        let r = try XCTUnwrap(r)
        return try Tensor(shape: r.shape, scalars: r.data.map { Float(try XCTUnwrap($0 as? Double)) })
    }

    func mask(_ r: Record?) throws -> Mask {
        let r = try XCTUnwrap(r)
        return try Mask(shape: r.shape, values: r.data.map { try XCTUnwrap($0 as? Bool) })
    }

    func testMatchesEveryKerasDotAttentionCase() throws {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: goldenDirectory.path)) ?? []
        let cases = files.filter { $0.hasPrefix("attention_dot_") && $0.hasSuffix(".json") && !$0.contains("dropout") }.sorted()
        if cases.isEmpty { throw XCTSkip("no Keras golden cases at \(goldenDirectory.path)") }
        XCTAssertGreaterThanOrEqual(cases.count, 20, "expected the full set of dot-attention cases")
        for file in cases {
            let json = try XCTUnwrap(
                JSONSerialization.jsonObject(with: Data(contentsOf: goldenDirectory.appendingPathComponent(file))) as? [String: Any])
            let call = try XCTUnwrap(json["call_args"] as? [String: Any])
            let inputs = try records(json["inputs"]), weights = try records(json["weights"])
            let outputs = try records(json["outputs"]), cotangents = try records(json["R"])
            let grads = try XCTUnwrap(json["grads"] as? [String: Any])
            let gradInputs = try records(grads["inputs"]), gradWeights = try records(grads["weights"])

            let names = try XCTUnwrap(call["inputs"] as? [String])
            var leaves: [String: Tensor<Float>] = [:]
            for name in Set(names) { leaves[name] = try tensor(inputs[name]).requiringGrad(label: name) }
            let scale = try weights["attention/scale"].map { try tensor($0).requiringGrad(label: "scale") }
            let maskNames = (call["mask"] as? [Any]) ?? []
            let queryMask = try (maskNames.first as? String).map { try mask(inputs[$0]) }
            let valueMask = try (maskNames.dropFirst().first as? String).map { try mask(inputs[$0]) }
            let returnScores = call["return_attention_scores"] as? Bool ?? false

            let query = try XCTUnwrap(leaves[names[0]]), value = try XCTUnwrap(leaves[names[1]])
            let key = names.count > 2 ? try XCTUnwrap(leaves[names[2]]) : value
            let result = try Tensor.dotProductAttention(
                query: query, key: key, value: value, scale: scale, valueMask: valueMask, queryMask: queryMask,
                causal: call["use_causal_mask"] as? Bool ?? false, returnWeights: returnScores)

            assertClose(result.output.scalars, try tensor(outputs["output"]).scalars, rtol: 1e-4, atol: 1e-5, "\(file) output")
            var loss = try (result.output * tensor(cotangents["output"])).sum()
            if returnScores {
                let w = try XCTUnwrap(result.weights, file)
                assertClose(w.scalars, try tensor(outputs["attention_scores"]).scalars, rtol: 1e-4, atol: 1e-5, "\(file) scores")
                loss = try loss + (w * tensor(cotangents["attention_scores"])).sum()
            }
            loss.backward()
            for name in Set(names) {
                assertClose(leaves[name]?.grad?.scalars ?? [], try tensor(gradInputs[name]).scalars,
                            rtol: 1e-4, atol: 1e-5, "\(file) d\(name)")
            }
            if let scale {
                assertClose(scale.grad?.scalars ?? [], try tensor(gradWeights["attention/scale"]).scalars,
                            rtol: 1e-4, atol: 1e-5, "\(file) dscale")
            }
        }
    }
}
