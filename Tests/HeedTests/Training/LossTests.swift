import XCTest
@testable import Heed

final class LossTests: XCTestCase {
    func testSparseCategoricalCrossentropyFromLogitsHandWorked() throws {
        // Both rows have logsumexp − picked logit = log(1 + e⁻¹ + e⁻²).
        let z = try Tensor<Double>(shape: [2, 3], scalars: [1, 2, 3, 1, 0, -1])
        let loss = try Losses.sparseCategoricalCrossentropy(logits: z, labels: IntTensor([2, 0]))
        XCTAssertEqual(loss.scalar, 0.40760596444438013, accuracy: 1e-12)
    }

    func testSparseCategoricalCrossentropyFromProbabilitiesClips() throws {
        // Row 2 picks a 0 that is clipped to 1e-7; the clipped row sums to 1 + 1e-7.
        let p = try Tensor<Double>(shape: [2, 3], scalars: [0.2, 0.7, 0.1, 0, 1, 0])
        let loss = try Losses.sparseCategoricalCrossentropy(probabilities: p, labels: IntTensor([1, 0]))
        XCTAssertEqual(loss.scalar, (0.35667494393873245 + 16.118095750958314) / 2, accuracy: 1e-9)
    }

    func testSparseLabelsWithTrailingAxisOfOneAreAccepted() throws {
        let z = try Tensor<Double>(shape: [2, 3], scalars: [1, 2, 3, 1, 0, -1])
        let labels = try IntTensor(shape: [2, 1], scalars: [2, 0])
        XCTAssertEqual(try Losses.sparseCategoricalCrossentropy(logits: z, labels: labels).scalar,
                       0.40760596444438013, accuracy: 1e-12)
    }

    func testSparseFloatLabelsThatAreNoClassThrow() throws {
        let logits = try Tensor<Float>(shape: [2, 2], scalars: [1, 2, 3, 4])
        for bad: Float in [.nan, .infinity, 3e9] {
            XCTAssertThrowsError(try Loss.sparseCategoricalCrossentropy(fromLogits: true)(logits, .values(Tensor([0, bad])))) { error in
                XCTAssertEqual("\(error)", "sparse categorical cross-entropy: label \(bad) is not a class id")
            }
        }
        XCTAssertEqual(Targets<Float>.values(Tensor([1.7, .nan, -2])).classIDs, [1, -1, -2])
    }

    func testSparseLabelOutOfRangeThrows() throws {
        let z = Tensor<Double>.zeros([1, 3])
        XCTAssertThrowsError(try Losses.sparseCategoricalCrossentropy(logits: z, labels: IntTensor([3])))
    }

    func testCategoricalCrossentropyFromLogitsHandWorked() throws {
        let z = try Tensor<Double>(shape: [2, 3], scalars: [1, 2, 3, 1, 0, -1])
        let t = try Tensor<Double>(shape: [2, 3], scalars: [0, 0, 1, 1, 0, 0])
        XCTAssertEqual(try Losses.categoricalCrossentropy(logits: z, targets: t).scalar,
                       0.40760596444438013, accuracy: 1e-12)
    }

    func testCategoricalCrossentropyFromProbabilitiesRescalesRows() throws {
        // [1, 2, 1] is rescaled to [0.25, 0.5, 0.25]: loss −log 0.5.
        let p = try Tensor<Double>(shape: [1, 3], scalars: [1, 2, 1])
        let t = try Tensor<Double>(shape: [1, 3], scalars: [0, 1, 0])
        XCTAssertEqual(try Losses.categoricalCrossentropy(probabilities: p, targets: t).scalar,
                       0.6931471805599453, accuracy: 1e-12)
    }

    func testBinaryCrossentropyFromLogitsHandWorked() throws {
        // log(1 + e⁻²), log(1 + e⁻¹), log 2.
        let z = try Tensor<Double>(shape: [3, 1], scalars: [2, -1, 0])
        let y = try Tensor<Double>(shape: [3, 1], scalars: [1, 0, 1])
        XCTAssertEqual(try Losses.binaryCrossentropy(logits: z, targets: y).scalar,
                       0.3777789597070469, accuracy: 1e-12)
    }

    func testBinaryCrossentropyFromProbabilitiesHasEpsilonInsideLogs() throws {
        let p = try Tensor<Double>(shape: [2, 1], scalars: [0.8, 0.3])
        let y = try Tensor<Double>(shape: [2, 1], scalars: [1, 0])
        XCTAssertEqual(try Losses.binaryCrossentropy(probabilities: p, targets: y).scalar,
                       (-log(0.8 + 1e-7) - log(0.7 + 1e-7)) / 2, accuracy: 1e-12)
    }

    func testBinaryCrossentropyFromProbabilitiesClipsCertainMistakes() throws {
        // p = 1 is clipped to 1 − 1e-7 and the log adds 1e-7: −log(2e-7) for both rows.
        let p = try Tensor<Double>(shape: [2, 1], scalars: [1, 0])
        let y = try Tensor<Double>(shape: [2, 1], scalars: [0, 1])
        XCTAssertEqual(try Losses.binaryCrossentropy(probabilities: p, targets: y).scalar,
                       15.424948470398375, accuracy: 1e-6)
    }

    func testBinaryLogitsFormEqualsProbabilityFormAwayFromClip() throws {
        let z = try Tensor<Double>(shape: [6, 1], scalars: [-3, -1.5, -0.2, 0.4, 1.1, 2.9])
        let y = try Tensor<Double>(shape: [6, 1], scalars: [1, 0, 1, 0, 1, 0])
        let fromLogits = try Losses.binaryCrossentropy(logits: z, targets: y).scalar
        let fromProbabilities = try Losses.binaryCrossentropy(probabilities: z.sigmoid(), targets: y).scalar
        XCTAssertEqual(fromLogits, fromProbabilities, accuracy: 1e-5)
    }

    func testBinaryCrossentropyFromLogitsGradientAtZeroIsHalfMinusTarget() throws {
        let z = Tensor<Double>.zeros([2, 1]).requiringGrad()
        let y = try Tensor<Double>(shape: [2, 1], scalars: [1, 0])
        try Losses.binaryCrossentropy(logits: z, targets: y).backward()
        assertClose(z.grad?.scalars ?? [], [(0.5 - 1) / 2, (0.5 - 0) / 2], rtol: 0, atol: 1e-15)
    }

    func testMeanSquaredErrorHandWorked() throws {
        let p = try Tensor<Double>(shape: [2, 2], scalars: [1, 2, 3, 4])
        let t = try Tensor<Double>(shape: [2, 2], scalars: [0, 2, 5, 4])
        XCTAssertEqual(try Losses.meanSquaredError(predictions: p, targets: t).scalar, 1.25)
    }

    func testClipPassesNoGradientOutsideTheRange() throws {
        let p = try Tensor<Double>(shape: [3], scalars: [-0.5, 0.5, 1.5]).requiringGrad()
        p.clipped(lower: 0, upper: 1).sum().backward()
        XCTAssertEqual(p.grad?.scalars ?? [], [0, 1, 0])
    }

    func testSparseCategoricalCrossentropyGradients() throws {
        try checkGradients([randomTensor([3, 4], seed: 1)]) { xs in
            try Losses.sparseCategoricalCrossentropy(logits: xs[0], labels: IntTensor([0, 3, 1]))
        }
        try checkGradients([randomTensor([3, 4], seed: 2, low: 0.05, high: 1)]) { xs in
            try Losses.sparseCategoricalCrossentropy(probabilities: xs[0], labels: IntTensor([0, 3, 1]))
        }
    }

    func testCategoricalCrossentropyGradients() throws {
        let t = try Tensor<Double>(shape: [2, 3], scalars: [0, 1, 0, 0.2, 0.3, 0.5])
        try checkGradients([randomTensor([2, 3], seed: 3)]) { xs in
            try Losses.categoricalCrossentropy(logits: xs[0], targets: t)
        }
        try checkGradients([randomTensor([2, 3], seed: 4, low: 0.05, high: 1)]) { xs in
            try Losses.categoricalCrossentropy(probabilities: xs[0], targets: t)
        }
    }

    func testBinaryCrossentropyGradients() throws {
        let y = try Tensor<Double>(shape: [4, 1], scalars: [1, 0, 1, 0])
        try checkGradients([randomTensor([4, 1], seed: 5, low: -3, high: 3)]) { xs in
            try Losses.binaryCrossentropy(logits: xs[0], targets: y)
        }
        try checkGradients([randomTensor([4, 1], seed: 6, low: 0.05, high: 0.95)]) { xs in
            try Losses.binaryCrossentropy(probabilities: xs[0], targets: y)
        }
    }

    func testMeanSquaredErrorGradients() throws {
        let t = randomTensor([3, 2], seed: 8)
        try checkGradients([randomTensor([3, 2], seed: 7)]) { xs in
            try Losses.meanSquaredError(predictions: xs[0], targets: t)
        }
    }

    func testLossAfterSoftmaxActivationUsesLogits() throws {
        // Keras computes the loss from the logits cached by a softmax layer: no clipping, so a
        // very confident mistake costs more than −log(1e-7).
        let z = try Tensor<Double>(shape: [1, 2], scalars: [40, 0])
        let loss = try Loss.sparseCategoricalCrossentropy(fromLogits: false)(
            z, .classes(IntTensor([1])), outputActivation: .softmax)
        XCTAssertEqual(loss.scalar, 40, accuracy: 1e-9)
    }
}

final class LossFromOutputActivationTests: XCTestCase {
    func testBinaryLossAfterSigmoidActivationEqualsLogitsForm() throws {
        let z = try Tensor<Double>(shape: [3, 1], scalars: [2, -1, 30])
        let y = try Tensor<Double>(shape: [3, 1], scalars: [1, 0, 0])
        let viaModel = try Loss.binaryCrossentropy(fromLogits: false)(z, .values(y), outputActivation: .sigmoid)
        XCTAssertEqual(viaModel.scalar, try Losses.binaryCrossentropy(logits: z, targets: y).scalar)
        // Without the cached logits the probability form clips at 1 − 1e-7: the loss is capped.
        let clipped = try Loss.binaryCrossentropy(fromLogits: false)(z.sigmoid(), .values(y))
        XCTAssertLessThan(clipped.scalar, viaModel.scalar)
    }

    func testCategoricalLossAfterSoftmaxActivationEqualsLogitsForm() throws {
        let z = try Tensor<Double>(shape: [2, 3], scalars: [1, 2, 3, 1, 0, -1])
        let t = try Tensor<Double>(shape: [2, 3], scalars: [0, 0, 1, 1, 0, 0])
        let viaModel = try Loss.categoricalCrossentropy(fromLogits: false)(z, .values(t), outputActivation: .softmax)
        XCTAssertEqual(viaModel.scalar, 0.40760596444438013, accuracy: 1e-12)
    }

    func testMeanSquaredErrorAcceptsTargetsOfOneColumn() throws {
        let p = try Tensor<Double>(shape: [2, 1], scalars: [1, 3])
        XCTAssertEqual(try Loss.meanSquaredError(p, .values(Tensor([0, 1]))).scalar, 2.5)
    }
}
