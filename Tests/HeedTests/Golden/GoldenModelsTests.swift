import Foundation
import XCTest
@testable import Heed

/// The model runner refuses what it cannot reproduce with a reason instead of crashing.
final class GoldenModelsTests: XCTestCase {
    func modelCase(layers: String) throws -> GoldenModelCase {
        let json = """
            {"case": "made_up", "model": {"layers": \(layers)},
             "loss_fn": {"class": "SparseCategoricalCrossentropy", "from_logits": false},
             "inputs": [{"name": "tokens", "dtype": "int32", "shape": [1, 2], "data": [1, 2]}],
             "labels": {"name": "labels", "dtype": "int32", "shape": [1], "data": [0]},
             "weights": [], "outputs": [], "loss": 0, "grads": {"weights": []}}
            """
        return try JSONDecoder().decode(GoldenModelCase.self, from: Data(json.utf8))
    }

    func testUnknownArchitectureIsAnErrorNamingTheLayers() throws {
        let c = try modelCase(layers: """
            [{"name": "embedding", "class": "Embedding", "args": {"input_dim": 5, "output_dim": 2}, "inbound": ["tokens"]},
             {"name": "lstm", "class": "LSTM", "args": {"units": 3}, "inbound": ["embedding"]}]
            """)
        XCTAssertThrowsError(try GoldenModels.run(c)) { error in
            XCTAssertEqual("\(error)", "unsupported: model architecture [\"Embedding\", \"LSTM\"] matches no ready model")
        }
    }

    func testUnsupportedLayerArgumentIsAnError() throws {
        let c = try modelCase(layers: """
            [{"name": "embedding", "class": "Embedding", "args": {"input_dim": 5, "output_dim": 2}, "inbound": ["tokens"]},
             {"name": "attention", "class": "Attention", "args": {"use_scale": true}, "inbound": ["embedding", "embedding"]},
             {"name": "mean_over_time", "class": "GlobalAveragePooling1D", "args": {}, "inbound": ["attention"]},
             {"name": "classifier", "class": "Dense", "args": {"units": 2, "activation": "softmax"}, "inbound": ["mean_over_time"]}]
            """)
        XCTAssertThrowsError(try GoldenModels.run(c)) { error in
            XCTAssertEqual("\(error)", "unsupported: Attention 'attention' argument use_scale = true differs from the ready model")
        }
    }
}
