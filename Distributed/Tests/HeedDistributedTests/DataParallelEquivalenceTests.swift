import XCTest

/// Two ranks with batch B each must reach the weights of one process with batch 2B over the
/// same examples (the last step of each epoch is three examples short on rank 1, and rank 1
/// starts from other weights, which the first broadcast replaces).
final class DataParallelEquivalenceTests: XCTestCase {
    @discardableResult
    func check(optimizer: String, exchange: String = "fused") throws -> [String: String] {
        let job = try MPIJob.run(processes: 2, ["equivalence", "--optimizer", optimizer, "--batch", "8", "--steps", "3",
                                                "--exchange", exchange])
        XCTAssertEqual(job.status, 0, job.errorOutput)
        let results = job.results
        XCTAssertEqual(results["ranks_identical"], "1", "ranks hold different weights after training")
        XCTAssertEqual(results["steps"], "6")
        XCTAssertEqual(results["distributed_steps"], "6")
        let difference = try XCTUnwrap(results["max_relative_difference"].flatMap(Double.init), job.output + job.errorOutput)
        XCTAssertLessThanOrEqual(difference, 1e-5, "max |a − b| / max |b| of a weight")
        let elementwise = try XCTUnwrap(results["max_elementwise_relative_difference"].flatMap(Double.init))
        XCTAssertLessThanOrEqual(elementwise, 1e-5, "max |a − b| / |b| over all weight elements")
        XCTAssertEqual(results["distributed_val_accuracy"], results["single_val_accuracy"])
        let loss = try XCTUnwrap(results["distributed_loss"].flatMap(Double.init))
        let singleLoss = try XCTUnwrap(results["single_loss"].flatMap(Double.init))
        XCTAssertEqual(loss, singleLoss, accuracy: 1e-5 * abs(singleLoss))
        let valLoss = try XCTUnwrap(results["distributed_val_loss"].flatMap(Double.init))
        let singleValLoss = try XCTUnwrap(results["single_val_loss"].flatMap(Double.init))
        XCTAssertEqual(valLoss, singleValLoss, accuracy: 1e-5 * abs(singleValLoss))
        return results
    }

    func testTwoRanksWithBatchBMatchOneProcessWithBatch2BUnderSGD() throws {
        try check(optimizer: "sgd")
    }

    func testTwoRanksWithBatchBMatchOneProcessWithBatch2BUnderAdam() throws {
        try check(optimizer: "adam")
    }

    /// Buckets of 64 bytes (3 for the MLP's 4 weights), each all-reduced during backward: the
    /// same weights, losses and validation as the fused exchange, bit for bit.
    func checkOverlapped(optimizer: String) throws {
        let results = try check(optimizer: optimizer, exchange: "overlapped")
        XCTAssertEqual(results["buckets"], "3")
        XCTAssertEqual(results["fused_identical"], "1", "the overlapped exchange changed the weights or losses")
    }

    func testOverlappedExchangeMatchesOneProcessAndTheFusedExchangeBitForBitUnderSGD() throws {
        try checkOverlapped(optimizer: "sgd")
    }

    func testOverlappedExchangeMatchesOneProcessAndTheFusedExchangeBitForBitUnderAdam() throws {
        try checkOverlapped(optimizer: "adam")
    }
}
