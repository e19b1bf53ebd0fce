import Foundation
import XCTest
@testable import Heed

/// One Adam step of tf-keras on the text classifier's weights with its golden gradients.
final class AdamGoldenTests: XCTestCase {
    struct ModelCase: Decodable {
        struct Grads: Decodable { let weights: [GoldenTensor] }
        struct AdamRecord: Decodable {
            struct Config: Decodable {
                let learning_rate: Double, beta_1: Double, beta_2: Double, epsilon: Double, amsgrad: Bool
            }
            let config: Config
            let weights_after: [GoldenTensor]
        }
        let weights: [GoldenTensor]
        let grads: Grads
        let adam: AdamRecord
    }

    func testOneAdamStepMatchesKeras() throws {
        let url = KerasConformanceTests.goldenDirectory.appendingPathComponent("model_text_classifier.json")
        guard FileManager.default.fileExists(atPath: url.path) else {
            return XCTFail("golden file \(url.path) not found; set KERAS_GOLDEN_DIR")
        }
        let golden = try JSONDecoder().decode(ModelCase.self, from: Data(contentsOf: url))
        let c = golden.adam.config
        let opt = Adam<Float>(learningRate: c.learning_rate, beta1: c.beta_1, beta2: c.beta_2,
                              epsilon: c.epsilon, amsgrad: c.amsgrad)
        var named: [(name: String, parameter: Parameter<Float>)] = []
        for w in golden.weights {
            let p = Parameter(path: w.name, value: try w.tensor())
            guard let g = golden.grads.weights.first(where: { $0.name == w.name }) else {
                return XCTFail("no gradient for \(w.name)")
            }
            try setGradient(p, try g.tensor().scalars)
            named.append((w.name, p))
        }
        opt.apply(to: named)
        XCTAssertEqual(named.count, golden.adam.weights_after.count)
        for after in golden.adam.weights_after {
            guard let p = named.first(where: { $0.name == after.name })?.parameter else {
                return XCTFail("no weight \(after.name)")
            }
            assertClose(p.value.scalars, try after.tensor().scalars, rtol: 1e-4, atol: 1e-5, after.name)
        }
    }
}
