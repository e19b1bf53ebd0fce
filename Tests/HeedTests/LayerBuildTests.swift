import XCTest
@testable import Heed

/// Weights are created lazily, in Keras' order, with Keras' names and initial values.
final class LayerBuildTests: XCTestCase {
    func testDenseCreatesKernelAndBiasOnFirstCall() throws {
        let layer = Dense<Float>(units: 3)
        XCTAssertTrue(layer.parameters.isEmpty)
        _ = try layer(Tensor.zeros([2, 5, 4]))
        XCTAssertEqual(layer.namedParameters.map(\.name), ["dense/kernel", "dense/bias"])
        XCTAssertEqual(layer.parameters.map(\.shape), [[4, 3], [3]])
        XCTAssertEqual(layer.bias?.value.scalars, [0, 0, 0])
    }

    func testDenseKernelIsGlorotUniform() throws {
        let layer = Dense<Float>(units: 6, seed: 3)
        try layer.build(inputShape: [1, 10])
        let limit = Float((6.0 / 16.0).squareRoot())
        let k = layer.kernel?.value.scalars ?? []
        XCTAssertEqual(k.count, 60)
        XCTAssertTrue(k.allSatisfy { abs($0) <= limit })
        XCTAssertGreaterThan(k.map(abs).max() ?? 0, limit / 2)
    }

    func testDenseWithoutBiasHasOnlyKernel() throws {
        let layer = Dense<Float>(units: 2, useBias: false, name: "proj")
        try layer.build(inputShape: [3])
        XCTAssertEqual(layer.namedParameters.map(\.name), ["proj/kernel"])
    }

    func testInitialWeightsDependOnSeedAndName() throws {
        func kernel(seed: UInt64, name: String) throws -> [Float] {
            let layer = Dense<Float>(units: 2, name: name, seed: seed)
            try layer.build(inputShape: [3])
            return layer.kernel?.value.scalars ?? []
        }
        XCTAssertEqual(try kernel(seed: 1, name: "dense"), try kernel(seed: 1, name: "dense"))
        XCTAssertNotEqual(try kernel(seed: 1, name: "dense"), try kernel(seed: 2, name: "dense"))
        XCTAssertNotEqual(try kernel(seed: 1, name: "dense"), try kernel(seed: 1, name: "dense_1"))
    }

    func testEmbeddingTableIsUniformWithinFiveHundredths() throws {
        let layer = Embedding<Float>(inputDim: 20, outputDim: 5)
        XCTAssertTrue(layer.parameters.isEmpty)
        _ = try layer(IntTensor([1]))
        XCTAssertEqual(layer.namedParameters.map(\.name), ["embedding/embeddings"])
        let values = layer.embeddings?.value.scalars ?? []
        XCTAssertEqual(values.count, 100)
        XCTAssertTrue(values.allSatisfy { abs($0) <= 0.05 })
    }

    func testAttentionWeightsExistPerOptionAndStartAtOne() throws {
        let dot = Attention<Float>()
        dot.build()
        XCTAssertTrue(dot.parameters.isEmpty)
        let scaled = Attention<Float>(useScale: true)
        scaled.build()
        XCTAssertEqual(scaled.namedParameters.map(\.name), ["attention/scale"])
        let concat = Attention<Float>(useScale: true, scoreMode: .concat)
        _ = try concat(query: .zeros([1, 1, 2]), value: .zeros([1, 1, 2]))
        XCTAssertEqual(concat.namedParameters.map(\.name), ["attention/scale", "attention/concat_score_weight"])
        XCTAssertEqual(concat.parameters.map(\.shape), [[], []])
        XCTAssertEqual(concat.parameters.map(\.value.scalar), [1, 1])
        let concatOnly = Attention<Float>(scoreMode: .concat)
        concatOnly.build()
        XCTAssertEqual(concatOnly.parameters.map(\.path), ["concat_score_weight"])
    }

    func testLayerNamesDefaultToTheKerasNames() {
        XCTAssertEqual(GlobalAveragePooling1D<Float>().name, "gap")
        XCTAssertEqual(Concatenate<Float>().name, "concatenate")
        XCTAssertEqual(Dropout<Float>(rate: 0.1).name, "dropout")
        XCTAssertEqual(Attention<Float>().name, "attention")
    }
}
