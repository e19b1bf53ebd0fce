import Foundation
import XCTest
@testable import Heed

/// Runs every case of the Keras reference data (`index.json` in `KERAS_GOLDEN_DIR`, default
/// `../shared/keras-golden` beside the package) and compares values, masks and gradients at
/// the tolerances of the data set's README.
final class KerasConformanceTests: XCTestCase {
    /// The golden directory: `KERAS_GOLDEN_DIR` when set, else `shared/keras-golden` beside the
    /// package.
    static var goldenDirectory: URL { goldenDirectory(environment: ProcessInfo.processInfo.environment) }

    static func goldenDirectory(environment: [String: String]) -> URL {
        if let dir = environment["KERAS_GOLDEN_DIR"], !dir.isEmpty {
            return URL(fileURLWithPath: dir)
        }
        return packageRoot.deletingLastPathComponent().appendingPathComponent("shared/keras-golden")
    }

    static var packageRoot: URL {
        URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
    }

    struct Index: Decodable {
        struct Entry: Decodable { let `case`: String; let kind: String; let layer: String; let file: String }
        let cases: [Entry]

        /// The `index.json` of a golden directory.
        static func read(in dir: URL) throws -> Index {
            let url = dir.appendingPathComponent("index.json")
            guard FileManager.default.fileExists(atPath: url.path) else {
                throw GoldenError.missing("\(url.path); set KERAS_GOLDEN_DIR to the folder of the Keras golden cases")
            }
            return try JSONDecoder().decode(Index.self, from: Data(contentsOf: url))
        }
    }

    /// Collects the mismatches of one case.
    final class Report {
        var problems: [String] = []

        func compare(_ what: String, _ got: Tensor<Float>?, _ want: GoldenTensor, rtol: Float, atol: Float) {
            guard let got else { problems.append("\(what): not computed"); return }
            guard got.shape == want.shape else {
                problems.append("\(what): shape \(got.shape), expected \(want.shape)")
                return
            }
            guard let values = want.floats else { problems.append("\(what): golden is \(want.dtype)"); return }
            var worst: (Int, Float, Float)? = nil
            var worstExcess: Float = 0
            for (i, (a, g)) in zip(got.scalars, values).enumerated() {
                let excess = abs(a - g) - (atol + rtol * abs(g))
                if !(excess <= 0) && (worst == nil || excess > worstExcess || excess.isNaN) {
                    worst = (i, a, g)
                    worstExcess = excess
                }
            }
            if let (i, a, g) = worst {
                problems.append("\(what): element \(i) is \(a), expected \(g) (rtol \(rtol), atol \(atol))")
            }
        }

        func compareMask(_ what: String, _ got: Mask?, _ want: GoldenTensor) {
            guard let got else { problems.append("\(what): no mask computed"); return }
            guard got.shape == want.shape, got.values == want.bools else {
                problems.append("\(what): mask \(got.shape) \(got.values) differs from \(want.shape) \(want.bools ?? [])")
                return
            }
        }
    }

    func runLayerCase(_ c: GoldenLayerCase) throws -> [String] {
        guard let runner = GoldenRegistry.layerRunners[c.layer] else {
            return ["no runner for layer class \(c.layer)"]
        }
        let result = try runner(c)
        let report = Report()
        for o in c.outputs { report.compare("output \(o.name)", result.outputs[o.name], o, rtol: 1e-4, atol: 1e-5) }
        for m in c.output_masks ?? [] { report.compareMask("output mask \(m.name)", result.outputMasks[m.name], m) }
        if !(abs(result.L - c.L) <= 1e-4 + 1e-4 * abs(c.L)) {
            report.problems.append("L is \(result.L), expected \(c.L)")
        }
        for g in c.grads.inputs ?? [] {
            report.compare("grad of input \(g.name)", result.inputGrads[g.name], g, rtol: 1e-3, atol: 1e-4)
        }
        for g in c.grads.weights {
            let path = g.path ?? g.name
            report.compare("grad of weight \(path)", result.weightGrads[path], g, rtol: 1e-3, atol: 1e-4)
        }
        return report.problems
    }

    func runModelCase(
        _ c: GoldenModelCase,
        runner: (@Sendable (GoldenModelCase) throws -> GoldenModelResult)? = GoldenRegistry.modelRunner
    ) throws -> [String] {
        guard let runner else { return ["no runner for models"] }
        let result = try runner(c)
        let report = Report()
        for o in c.outputs { report.compare("output \(o.name)", result.outputs[o.name], o, rtol: 1e-4, atol: 1e-5) }
        for t in c.intermediates ?? [] {
            report.compare("intermediate \(t.name)", result.intermediates[t.name], t, rtol: 1e-4, atol: 1e-5)
        }
        for m in c.intermediate_masks ?? [] {
            report.compareMask("intermediate mask \(m.name)", result.intermediateMasks[m.name], m)
        }
        if !(abs(result.loss - c.loss) <= 1e-5 + 1e-4 * abs(c.loss)) {
            report.problems.append("loss is \(result.loss), expected \(c.loss)")
        }
        for g in c.grads.weights {
            report.compare("grad of \(g.name)", result.weightGrads[g.name], g, rtol: 1e-3, atol: 1e-4)
        }
        for w in c.adam?.weights_after ?? [] {
            report.compare("after Adam \(w.name)", result.adamWeightsAfter[w.name], w, rtol: 1e-4, atol: 1e-5)
        }
        return report.problems
    }

    func testGoldenDirectoryComesFromKERAS_GOLDEN_DIR() {
        XCTAssertEqual(Self.goldenDirectory(environment: ["KERAS_GOLDEN_DIR": "/data/golden"]).path, "/data/golden")
        let beside = Self.packageRoot.deletingLastPathComponent().appendingPathComponent("shared/keras-golden")
        XCTAssertEqual(Self.goldenDirectory(environment: [:]).path, beside.path)
        XCTAssertEqual(Self.goldenDirectory(environment: ["KERAS_GOLDEN_DIR": ""]).path, beside.path)
    }

    /// Every case file of the directory is listed in `index.json`, every listed file is there,
    /// and every listed case passes.
    func testEveryKerasGoldenCase() throws {
        let dir = Self.goldenDirectory
        let index = try Index.read(in: dir)
        XCTAssertFalse(index.cases.isEmpty, "index.json in \(dir.path) lists no case")
        let onDisk = Set(try FileManager.default.contentsOfDirectory(atPath: dir.path)
            .filter { $0.hasSuffix(".json") && $0 != "index.json" })
        let listed = Set(index.cases.map(\.file))
        let unlisted = onDisk.subtracting(listed).sorted(), missing = listed.subtracting(onDisk).sorted()
        XCTAssertTrue(unlisted.isEmpty, "case files in \(dir.path) that index.json does not list: \(unlisted)")
        XCTAssertTrue(missing.isEmpty, "files index.json lists that are not in \(dir.path): \(missing)")
        var passed = 0
        for entry in index.cases {
            var problems: [String]
            do {
                let data = try Data(contentsOf: dir.appendingPathComponent(entry.file))
                switch entry.kind {
                case "layer": problems = try runLayerCase(JSONDecoder().decode(GoldenLayerCase.self, from: data))
                case "model": problems = try runModelCase(JSONDecoder().decode(GoldenModelCase.self, from: data))
                default: problems = ["unknown kind \(entry.kind)"]
                }
            } catch {
                problems = ["error: \(error)"]
            }
            if problems.isEmpty {
                passed += 1
            } else {
                XCTFail("\(entry.case): " + problems.joined(separator: "; "))
            }
        }
        XCTAssertEqual(passed, index.cases.count, "cases that pass, of those index.json lists")
        print("\(passed)/\(index.cases.count) cases pass")
    }

    /// The ready models of HeedModels reproduce every model case too.
    func testReadyModelsMatchTheKerasModelCases() throws {
        let dir = Self.goldenDirectory
        let index = try Index.read(in: dir)
        var ran = 0
        for entry in index.cases where entry.kind == "model" {
            let data = try Data(contentsOf: dir.appendingPathComponent(entry.file))
            let problems = try runModelCase(JSONDecoder().decode(GoldenModelCase.self, from: data),
                                            runner: GoldenRegistry.readyModelRunner)
            XCTAssertTrue(problems.isEmpty, "\(entry.case) through the ready model: " + problems.joined(separator: "; "))
            ran += 1
        }
        XCTAssertGreaterThan(ran, 0, "index.json lists no model case")
    }
}
