import Heed
import XCTest
@testable import HeedText

final class DatasetSplitTests: XCTestCase {
    func testRandomSplitIsReproducibleForASeed() throws {
        let a = try DatasetSplit.random(count: 100, testFraction: 0.2, seed: 42)
        let b = try DatasetSplit.random(count: 100, testFraction: 0.2, seed: 42)
        let c = try DatasetSplit.random(count: 100, testFraction: 0.2, seed: 7)
        XCTAssertEqual(a, b)
        XCTAssertNotEqual(a.test, c.test)
    }

    func testRandomSplitIsDisjointAndCoversEveryRow() throws {
        let split = try DatasetSplit.random(count: 101, testFraction: 0.3, seed: 42)
        XCTAssertTrue(Set(split.train).isDisjoint(with: split.test))
        XCTAssertEqual((split.train + split.test).sorted(), Array(0..<101))
        XCTAssertEqual(split.train, split.train.sorted())
        XCTAssertEqual(split.test, split.test.sorted())
    }

    func testRandomSplitHoldsOutTheFractionRoundedUp() throws {
        XCTAssertEqual(try DatasetSplit.random(count: 10).test.count, 2)
        XCTAssertEqual(try DatasetSplit.random(count: 11).test.count, 3)  // ⌈2.2⌉
        XCTAssertEqual(try DatasetSplit.random(count: 50_000).test.count, 10_000)
    }

    func testRandomSplitMatchesAHandShuffle() throws {
        // Fisher–Yates over 0..<5 with the same generator: i from 4 down to 1 swaps i with nextInt(below: i + 1).
        var generator = SeededGenerator(seed: 42)
        var order = [0, 1, 2, 3, 4]
        for i in stride(from: 4, through: 1, by: -1) { order.swapAt(i, generator.nextInt(below: i + 1)) }
        let split = try DatasetSplit.random(count: 5, testFraction: 0.2, seed: 42)
        XCTAssertEqual(split.test, [order[0]])
        XCTAssertEqual(split.train, order[1...].sorted())
    }

    func testRandomSplitRejectsAFractionOutsideZeroOne() {
        assertThrows(
            .invalidArgument(operation: "DatasetSplit.random", message: "testFraction 1.0 must be between 0 and 1"),
            message: "DatasetSplit.random: testFraction 1.0 must be between 0 and 1"
        ) { try DatasetSplit.random(count: 10, testFraction: 1) }
    }

    func testRandomSplitRejectsTooFewRows() {
        assertThrows(
            .invalidArgument(
                operation: "DatasetSplit.random",
                message: "1 rows cannot be split with testFraction 0.2 into two non-empty parts"),
            message: "DatasetSplit.random: 1 rows cannot be split with testFraction 0.2 into two non-empty parts"
        ) { try DatasetSplit.random(count: 1) }
    }

    // MARK: Padding

    func testShortSequencesArePaddedAtTheEnd() {
        XCTAssertEqual(SequencePadding.padded([5, 6], toLength: 4), [5, 6, 0, 0])
    }

    func testLongSequencesAreCutAtTheEnd() {
        XCTAssertEqual(SequencePadding.padded([1, 2, 3, 4, 5, 6], toLength: 4), [1, 2, 3, 4])
    }

    func testPaddedMatrixStacksRows() throws {
        let matrix = try SequencePadding.matrix([[7], [1, 2, 3, 4], []], maxLength: 3)
        XCTAssertEqual(matrix.shape, [3, 3])
        XCTAssertEqual(matrix.scalars, [7, 0, 0, 1, 2, 3, 0, 0, 0])
    }

    // MARK: Batches

    private func examples(_ count: Int) throws -> EncodedTexts {
        let ids = try IntTensor(shape: [count, 2], scalars: (0..<count).flatMap { [Int32($0 + 10), Int32($0 + 100)] })
        return try EncodedTexts(inputs: [ids], labels: IntTensor((0..<count).map { Int32($0 % 2) }))
    }

    func testBatchesKeepTheLastPartialBatch() throws {
        let batches = try examples(5).batches(size: 2)
        XCTAssertEqual(batches.map(\.ids.shape), [[2, 2], [2, 2], [1, 2]])
        XCTAssertEqual(batches.map(\.labels.shape), [[2], [2], [1]])
        XCTAssertEqual(batches[2].ids.scalars, [14, 104])
        XCTAssertEqual(batches[2].labels.scalars, [0])
    }

    func testShuffledBatchesAreASeededPermutation() throws {
        let data = try examples(7)
        let a = try data.batches(size: 3, seed: 5)
        let b = try data.batches(size: 3, seed: 5)
        XCTAssertEqual(a, b)
        let firstIDs = a.flatMap { batch in stride(from: 0, to: batch.ids.scalars.count, by: 2).map { batch.ids.scalars[$0] } }
        XCTAssertEqual(firstIDs.sorted(), Array(10...16))
        XCTAssertNotEqual(firstIDs, Array(10...16))
        // Each row keeps its own label and second id.
        for batch in a {
            for row in 0..<batch.count {
                let first = batch.ids.scalars[2 * row]
                XCTAssertEqual(batch.ids.scalars[2 * row + 1], first + 90)
                XCTAssertEqual(batch.labels.scalars[row], (first - 10) % 2)
            }
        }
    }

    func testBatchSizeBelowOneIsAnError() throws {
        let data = try examples(3)
        assertThrows(
            .invalidArgument(operation: "EncodedTexts.batches", message: "batch size 0 must be at least 1"),
            message: "EncodedTexts.batches: batch size 0 must be at least 1"
        ) { try data.batches(size: 0) }
    }
}
