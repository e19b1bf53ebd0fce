import HeedDistributed
import XCTest

final class DistributedContextTests: XCTestCase {
    func testLauncherVariablesAreRecognised() {
        XCTAssertTrue(DistributedContext.isLaunchedByMPI(environment: ["OMPI_COMM_WORLD_SIZE": "2"]))
        XCTAssertTrue(DistributedContext.isLaunchedByMPI(environment: ["PMI_RANK": "0"]))
        XCTAssertFalse(DistributedContext.isLaunchedByMPI(environment: ["PATH": "/usr/bin"]))
    }

    func testProgramStartedWithoutMpirunExplainsHowToStartIt() throws {
        let job = try MPIJob.run(processes: nil, ["equivalence"])
        XCTAssertEqual(job.status, 2)
        XCTAssertTrue(job.errorOutput.contains("was not started by an MPI launcher"), job.errorOutput)
        XCTAssertTrue(job.errorOutput.contains("mpirun -np 2"), job.errorOutput)
    }

    func testTimeoutMessageNamesTheSilentRank() {
        let error = DistributedError.timedOut(operation: "allreduce", seconds: 5, rank: 0, processCount: 2)
        XCTAssertTrue(error.description.contains("without an answer from rank 1"), error.description)
    }
}
