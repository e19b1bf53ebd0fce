import Foundation
import XCTest

/// Losing a rank mid-training ends the whole job in bounded time with a message naming the
/// lost rank, and leaves rank 0's last checkpoint loadable, and resumable on two ranks.
final class LostRankTests: XCTestCase {
    func lose(how: String, exchange: String = "fused") throws -> (job: MPIJob, checkpoint: MPIJob, resumed: MPIJob) {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("heed-lost-rank-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("checkpoint.safetensors").path
        let job = try MPIJob.run(processes: 2, ["fault", "--checkpoint", folder.path, "--how", how,
                                                "--lose-rank", "1", "--at-epoch", "2", "--timeout", "5",
                                                "--exchange", exchange], limit: 90)
        let checkpoint = try MPIJob.run(processes: nil, ["verify-checkpoint", "--checkpoint", file])
        let resumed = try MPIJob.run(processes: 2, ["resume", "--checkpoint", file, "--epochs", "4"])
        return (job, checkpoint, resumed)
    }

    func testKilledRankEndsTheJobNamingItAndCheckpointStaysResumable() throws {
        let (job, checkpoint, resumed) = try lose(how: "kill")
        XCTAssertFalse(job.timedOut, "the job hung after rank 1 was killed")
        XCTAssertNotEqual(job.status, 0)
        XCTAssertTrue(job.errorOutput.contains("rank 1"), job.errorOutput)
        XCTAssertEqual(checkpoint.status, 0, checkpoint.errorOutput)
        XCTAssertEqual(checkpoint.results["checkpoint_epoch"], "2")
        XCTAssertEqual(resumed.status, 0, resumed.errorOutput)
        XCTAssertEqual(resumed.results["resumed_epochs"], "2,3", "two ranks continue from the checkpoint")
    }

    func testStoppedRankMakesTheOthersTimeOutNamingItAndCheckpointStaysResumable() throws {
        let (job, checkpoint, resumed) = try lose(how: "stop")
        XCTAssertFalse(job.timedOut, "the job hung after rank 1 stopped answering")
        XCTAssertNotEqual(job.status, 0)
        XCTAssertTrue(job.errorOutput.contains("without an answer from rank 1"), job.errorOutput)
        XCTAssertLessThan(job.seconds, 60)
        XCTAssertEqual(checkpoint.status, 0, checkpoint.errorOutput)
        XCTAssertEqual(checkpoint.results["checkpoint_epoch"], "2")
        XCTAssertEqual(resumed.status, 0, resumed.errorOutput)
        XCTAssertEqual(resumed.results["resumed_epochs"], "2,3", "two ranks continue from the checkpoint")
    }

    func testStoppedRankDuringOverlappedExchangeMakesTheOthersTimeOutNamingIt() throws {
        let (job, checkpoint, _) = try lose(how: "stop", exchange: "overlapped")
        XCTAssertFalse(job.timedOut, "the job hung after rank 1 stopped answering")
        XCTAssertNotEqual(job.status, 0)
        XCTAssertTrue(job.errorOutput.contains("without an answer from rank 1"), job.errorOutput)
        XCTAssertTrue(job.errorOutput.contains("in allreduce of"), job.errorOutput)
        XCTAssertLessThan(job.seconds, 60)
        XCTAssertEqual(checkpoint.status, 0, checkpoint.errorOutput)
        XCTAssertEqual(checkpoint.results["checkpoint_epoch"], "2")
    }
}
