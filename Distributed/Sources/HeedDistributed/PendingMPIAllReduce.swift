import CMPI
import Heed

extension DistributedContext {
    /// Starts `MPI_Iallreduce` (sum, in place) of `buffer` and returns at once; the sum is in
    /// `buffer` when the returned operation has finished. The context keeps `buffer` alive
    /// until then.
    ///
    /// Shapes: the same length on every process; start them in the same order everywhere.
    /// - Throws: ``DistributedError`` when MPI fails, or after an earlier timeout.
    public func startAllReduceSum<S: TensorScalar>(_ buffer: ReductionBuffer<S>) throws -> any PendingAllReduce {
        guard !isFinalized else { throw DistributedError.finalized }
        if let pendingFailure { throw pendingFailure }
        let type = try Self.datatype(S.self)
        let count = try Self.count(buffer.count, "allreduce")
        let operation = "allreduce of \(count) \(S.dtypeName)"
        let began = ContinuousClock.now
        defer {
            communicationSeconds += Self.seconds(ContinuousClock.now - began)
            collectiveCount += 1
        }
        var request: MPI_Request? = heed_mpi_request_null()
        try Self.check(MPI_Iallreduce(heed_mpi_in_place(), buffer.scalars.baseAddress, count, type, heed_mpi_sum(),
                                      world, &request), operation)
        let pending = PendingMPIAllReduce(context: self, request: request, buffer: buffer, operation: operation)
        inFlight.append(pending)
        return pending
    }
}

/// An `MPI_Iallreduce` in flight. Time spent in ``test()`` and ``wait()`` counts as
/// communication; what passes between them does not.
final class PendingMPIAllReduce<S: TensorScalar>: PendingAllReduce {
    private let context: DistributedContext
    private var request: MPI_Request?
    /// Held until MPI has finished writing into it.
    private let buffer: ReductionBuffer<S>
    private let operation: String
    private var isFinished = false

    init(context: DistributedContext, request: MPI_Request?, buffer: ReductionBuffer<S>, operation: String) {
        self.context = context
        self.request = request
        self.buffer = buffer
        self.operation = operation
    }

    func test() throws -> Bool {
        guard !isFinished else { return true }
        let began = ContinuousClock.now
        defer { context.communicationSeconds += DistributedContext.seconds(ContinuousClock.now - began) }
        var done: Int32 = 0
        try DistributedContext.check(MPI_Test(&request, &done, heed_mpi_status_ignore()), "MPI_Test (\(operation))")
        if done != 0 { finish() }
        return isFinished
    }

    /// Waits at most the context's timeout from now.
    func wait() throws {
        guard !isFinished else { return }
        let began = ContinuousClock.now
        defer { context.communicationSeconds += DistributedContext.seconds(ContinuousClock.now - began) }
        if let failure = context.pendingFailure { throw failure }
        try context.complete(&request, operation, deadline: began + context.timeout)
        finish()
    }

    private func finish() {
        isFinished = true
        context.inFlight.removeAll { $0 === self }
    }
}
