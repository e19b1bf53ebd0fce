import XCTest
@testable import Heed

final class MetricTests: XCTestCase {
    /// Counts positive/negative pairs directly: 1 when the positive scores higher, ½ on a tie.
    func bruteForceAUC(_ scores: [Double], _ labels: [Bool]) -> Double {
        var wins = 0.0, pairs = 0.0
        for i in scores.indices where labels[i] {
            for j in scores.indices where !labels[j] {
                pairs += 1
                if scores[i] > scores[j] { wins += 1 } else if scores[i] == scores[j] { wins += 0.5 }
            }
        }
        return wins / pairs
    }

    func testAUCHandWorked() throws {
        // Pairs (pos, neg): 0.35 > 0.1, 0.35 < 0.4, 0.8 > both → 3/4.
        XCTAssertEqual(try XCTUnwrap(ROCAUC.compute(scores: [0.1, 0.4, 0.35, 0.8], labels: [false, false, true, true])), 0.75)
        XCTAssertEqual(try XCTUnwrap(ROCAUC.compute(scores: [0.5, 0.5], labels: [false, true])), 0.5)
    }

    func testAUCEqualsBruteForcePairCountWithManyTies() throws {
        var g = SeededGenerator(seed: 11)
        for trial in 0..<5 {
            let n = 200 + 37 * trial
            let scores = (0..<n).map { _ in Double(g.nextInt(below: 7)) / 6 }
            let labels = (0..<n).map { _ in g.nextInt(below: 3) == 0 }
            let fast = try XCTUnwrap(ROCAUC.compute(scores: scores, labels: labels))
            XCTAssertEqual(fast, bruteForceAUC(scores, labels), accuracy: 1e-12, "trial \(trial)")
        }
    }

    func testAUCIsUndefinedWithOneClass() {
        XCTAssertNil(ROCAUC.compute(scores: [0.1, 0.9], labels: [true, true]))
    }

    func testConfusionMatrixPrecisionRecallF1HandWorked() throws {
        let m = try ConfusionMatrix(classCount: 3, actual: [0, 0, 1, 1, 2, 2, 2], predicted: [0, 1, 1, 1, 2, 0, 2])
        XCTAssertEqual(m.counts, [[1, 1, 0], [0, 2, 0], [1, 0, 2]])
        XCTAssertEqual(m.accuracy, 5.0 / 7, accuracy: 1e-15)
        XCTAssertEqual(m.precision(ofClass: 0), 0.5, accuracy: 1e-15)
        XCTAssertEqual(m.recall(ofClass: 0), 0.5, accuracy: 1e-15)
        XCTAssertEqual(m.precision(ofClass: 1), 2.0 / 3, accuracy: 1e-15)
        XCTAssertEqual(m.recall(ofClass: 1), 1, accuracy: 1e-15)
        XCTAssertEqual(m.f1(ofClass: 1), 0.8, accuracy: 1e-15)
        XCTAssertEqual(m.precision(ofClass: 2), 1, accuracy: 1e-15)
        XCTAssertEqual(m.recall(ofClass: 2), 2.0 / 3, accuracy: 1e-15)
        XCTAssertEqual(m.f1(ofClass: 2), 0.8, accuracy: 1e-15)
        XCTAssertEqual(m.macroF1, 0.7, accuracy: 1e-15)
    }

    func testConfusionMatrixRejectsUnknownClass() {
        XCTAssertThrowsError(try ConfusionMatrix(classCount: 2, actual: [0, 2], predicted: [0, 1]))
    }

    func testAccumulatorComputesOverAllBatchesNotBatchAverages() throws {
        // Batch 1: 1 of 1 right; batch 2: 1 of 3 right. Whole set 2/4 (the batch mean would be 2/3).
        var acc = MetricAccumulator(metrics: [.accuracy])
        try acc.add(predictions: Tensor<Float>(shape: [1, 2], scalars: [0.9, 0.1]), targets: .classes(IntTensor([0])))
        try acc.add(predictions: Tensor<Float>(shape: [3, 2], scalars: [0.9, 0.1, 0.2, 0.8, 0.7, 0.3]),
                    targets: .classes(IntTensor([1, 1, 1])))
        XCTAssertEqual(acc.results()["accuracy"], 0.5)
    }

    func testAccumulatorBinaryAccuracyAndAUC() throws {
        var acc = MetricAccumulator(metrics: [.binaryAccuracy(), .auc])
        let p = try Tensor<Float>(shape: [4, 1], scalars: [0.1, 0.4, 0.35, 0.8])
        try acc.add(predictions: p, targets: .values(Tensor<Float>(shape: [4, 1], scalars: [0, 0, 1, 1])))
        let r = acc.results()
        XCTAssertEqual(r["accuracy"], 0.75)
        XCTAssertEqual(r["auc"], 0.75)
    }
}
