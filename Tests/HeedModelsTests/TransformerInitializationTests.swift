import Heed
import HeedModels
import XCTest

/// The initial weights of the Transformer classifier that `heed train --model transformer` builds
/// (vocabulary 10 000, width 64, 2 heads of 32, feed-forward 128, one block, two classes), checked
/// weight by weight against the shapes and initialisers Keras gives the same layers.
final class TransformerInitializationTests: XCTestCase {
    private static let vocab = 10_000, embed = 64, heads = 2, keyDim = 32, ff = 128, classes = 2

    /// 1 embedding table; per block 8 attention weights, 2 per layer norm, 2 per feed-forward
    /// Dense; 2 for the classifier.
    private static let expectedWeightCount = 19

    /// Every weight of the classifier by full-name pattern: the shape Keras gives it and Keras'
    /// default initialiser for it. A weight that matches no pattern fails the test.
    private static func kerasRules() throws -> [KerasWeightRule] {
        let (v, e, n, h, f, c) = (vocab, embed, heads, keyDim, ff, classes)
        let block = "encoder_[0-9]+"
        return try [
            // Embedding: embeddings_initializer="uniform", i.e. U(−0.05, 0.05).
            .init("token_embedding/embeddings", shape: [v, e], .uniform(limit: 0.05)),
            // MultiHeadAttention: EinsumDense kernels [in, heads, key] and [heads, key, out].
            .init("\(block)_attention/(query|key|value)/kernel", shape: [e, n, h], .glorotUniform),
            .init("\(block)_attention/(query|key|value)/bias", shape: [n, h], .zeros),
            .init("\(block)_attention/attention_output/kernel", shape: [n, h, e], .glorotUniform),
            .init("\(block)_attention/attention_output/bias", shape: [e], .zeros),
            .init("\(block)_norm[12]/gamma", shape: [e], .ones),
            .init("\(block)_norm[12]/beta", shape: [e], .zeros),
            .init("\(block)_ffn1/kernel", shape: [e, f], .glorotUniform),
            .init("\(block)_ffn1/bias", shape: [f], .zeros),
            .init("\(block)_ffn2/kernel", shape: [f, e], .glorotUniform),
            .init("\(block)_ffn2/bias", shape: [e], .zeros),
            .init("classifier/kernel", shape: [e, c], .glorotUniform),
            .init("classifier/bias", shape: [c], .zeros),
        ]
    }

    private func makeModel() throws -> TransformerClassifier<Float> {
        try TransformerClassifier<Float>(vocabSize: Self.vocab, embedDim: Self.embed, numHeads: Self.heads,
                                         keyDim: Self.keyDim, ffDim: Self.ff, blocks: 1, dropout: 0.1,
                                         numClasses: Self.classes, seed: 42)
    }

    func testEveryInitialWeightIsDrawnAsKerasDrawsIt() throws {
        let rules = try Self.kerasRules()
        let weights = try makeModel().namedParameters()
        var checked = 0
        for (name, parameter) in weights {
            let matching = rules.filter { $0.matches(name) }
            guard matching.count == 1, let rule = matching.first else {
                XCTFail("\(name) \(parameter.shape): matches \(matching.count) Keras rules, expected exactly 1")
                continue
            }
            XCTAssertEqual(parameter.shape, rule.shape, "\(name): Keras' shape")
            let values = parameter.value.scalars.map(Double.init)
            switch rule.initializer {
            case .zeros: XCTAssertTrue(values.allSatisfy { $0 == 0 }, "\(name): Keras zeros")
            case .ones: XCTAssertTrue(values.allSatisfy { $0 == 1 }, "\(name): Keras ones")
            case .glorotUniform, .uniform:
                // Keras' shape, not Heed's, decides the limit.
                let limit = try XCTUnwrap(rule.initializer.limit(forKerasShape: rule.shape))
                assertUniform(values, limit: limit, name: name)
            }
            checked += 1
        }
        XCTAssertEqual(checked, weights.count, "every weight checked")
        XCTAssertEqual(weights.count, Self.expectedWeightCount, "the classifier's weights")
    }

    func testKerasFansOfAttentionKernelsTakeTheLeadingAxesAsReceptiveField() {
        // Keras' compute_fans on (64, 2, 32): receptive 64, fans (2·64, 32·64);
        // on (2, 32, 64): receptive 2, fans (32·2, 64·2).
        XCTAssertTrue(KerasInitializer.fans([64, 2, 32]) == (128, 2048))
        XCTAssertTrue(KerasInitializer.fans([2, 32, 64]) == (64, 128))
        XCTAssertTrue(KerasInitializer.fans([64, 128]) == (64, 128))
        XCTAssertEqual(KerasInitializer.glorotUniform.limit(forKerasShape: [64, 2, 32])!, (6.0 / 2176).squareRoot(),
                       accuracy: 1e-15)
    }

    /// `values` look like U(−limit, limit): none beyond the limit (to Float rounding), and for
    /// 1000 or more values the largest near the limit, the mean near 0 and the standard
    /// deviation near limit/√3.
    private func assertUniform(_ values: [Double], limit: Double, name: String,
                               file: StaticString = #filePath, line: UInt = #line) {
        let n = Double(values.count)
        let maxAbs = values.map(abs).max() ?? 0
        XCTAssertLessThanOrEqual(maxAbs, limit * (1 + Double(Float.ulpOfOne)), "\(name): max |w| ≤ limit \(limit)",
                                 file: file, line: line)
        guard values.count >= 1000 else { return }
        let expectedSD = limit / 3.0.squareRoot()
        let mean = values.reduce(0, +) / n
        let sd = (values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / (n - 1)).squareRoot()
        XCTAssertGreaterThanOrEqual(maxAbs, 0.98 * limit, "\(name): max |w| reaches the limit \(limit)",
                                    file: file, line: line)
        XCTAssertLessThanOrEqual(abs(mean), 4 * expectedSD / n.squareRoot(), "\(name): mean near 0",
                                 file: file, line: line)
        XCTAssertEqual(sd, expectedSD, accuracy: 0.05 * expectedSD, "\(name): sd near limit/√3",
                       file: file, line: line)
    }
}

/// A Keras initialiser, as far as the test needs it.
private enum KerasInitializer {
    /// `glorot_uniform`: U(−l, l), l = √(6 / (fan_in + fan_out)).
    case glorotUniform
    /// `RandomUniform(−limit, limit)`.
    case uniform(limit: Double)
    case zeros
    case ones

    /// Keras' `compute_fans`, written out from Keras rather than taken from Heed so that Heed is
    /// held to it: rank 2 `(in, out)`; higher ranks multiply the last two axes by the product of
    /// the others.
    static func fans(_ shape: [Int]) -> (fanIn: Int, fanOut: Int) {
        switch shape.count {
        case 0: return (1, 1)
        case 1: return (shape[0], shape[0])
        default:
            let receptive = shape.dropLast(2).reduce(1, *)
            return (shape[shape.count - 2] * receptive, shape[shape.count - 1] * receptive)
        }
    }

    /// The bound of the uniform draw for a weight of Keras shape `shape`; `nil` for constants.
    func limit(forKerasShape shape: [Int]) -> Double? {
        switch self {
        case .glorotUniform:
            let (fanIn, fanOut) = Self.fans(shape)
            return (6.0 / Double(fanIn + fanOut)).squareRoot()
        case let .uniform(limit): return limit
        case .zeros, .ones: return nil
        }
    }
}

/// A full weight name pattern with Keras' shape and initialiser for the weights it names.
private struct KerasWeightRule {
    let pattern: Regex<AnyRegexOutput>
    let shape: [Int]
    let initializer: KerasInitializer

    init(_ pattern: String, shape: [Int], _ initializer: KerasInitializer) throws {
        self.pattern = try Regex(pattern)
        self.shape = shape
        self.initializer = initializer
    }

    func matches(_ name: String) -> Bool { name.wholeMatch(of: pattern) != nil }
}
