import CMPI
import Foundation
import Heed

/// This process's place among the processes that `mpirun` started: its rank and the number of
/// processes, over MPI's world communicator. It is the ``GradientSynchronizer`` that makes
/// `fit` data-parallel:
///
/// ```swift
/// let world = try DistributedContext()
/// model.synchronizer = world
/// try model.fit(x: x, y: y, batchSize: 32, epochs: 3)   // 32 examples per process and step
/// world.finalize()
/// ```
///
/// Every collective operation waits at most ``timeout`` for the other processes, then throws
/// ``DistributedError/timedOut(operation:seconds:rank:processCount:)``; the context is then
/// unusable, and a program should call ``abort(code:)`` so that `mpirun` ends the whole job.
/// (When a process dies, Open MPI's `mpirun` usually ends the job itself first and names the
/// rank that died.)
///
/// MPI can be initialised once per process: make one context, use it from the thread that made
/// it, and call ``finalize()`` before the program ends. Non-blocking operations (the buckets of
/// ``GradientExchange/overlapped(bucketBytes:)``) advance only inside MPI calls on that thread;
/// `fit` makes them when backward finishes a weight, so no progress thread (and no
/// `MPI_THREAD_MULTIPLE`) is needed.
public final class DistributedContext: GradientSynchronizer {
    /// This process's rank, `0..<processCount`.
    public let rank: Int
    /// The number of processes in the job.
    public let processCount: Int
    /// How long a collective operation waits for the other processes before throwing; it must
    /// exceed the longest time one process works alone between two collectives (loading data
    /// before `fit`, rank 0 writing a checkpoint).
    public var timeout: Duration
    /// Seconds spent inside collective operations since the context was made (or last reset).
    public var communicationSeconds = 0.0
    /// The number of collective operations since the context was made (or last reset).
    public var collectiveCount = 0
    /// When data-parallel `fit` sums the gradients: after backward in one fused all-reduce
    /// (the default), or ``GradientExchange/overlapped(bucketBytes:)`` with backward, bucket by
    /// bucket (`MPI_Iallreduce`). The weights come out the same.
    public var gradientExchange: GradientExchange = .afterBackward

    let world: MPI_Comm
    private(set) var isFinalized = false
    /// The timeout that ended the last collective: MPI may still write into that operation's
    /// buffer, so the context refuses further collectives (rethrowing it) until ``abort(code:)``.
    var pendingFailure: DistributedError?
    /// Non-blocking operations not known to have finished; they keep their buffers alive while
    /// MPI may still write into them (for ever after a timeout).
    var inFlight: [AnyObject] = []

    /// Initialises MPI (once per process) and reads this process's rank.
    ///
    /// - Parameters:
    ///   - timeout: how long each collective waits for the others.
    ///   - allowSingleProcess: accept a start without `mpirun`, as a job of one process.
    /// - Throws: ``DistributedError/notLaunchedByMPI(program:)`` when no MPI launcher started
    ///   this process and `allowSingleProcess` is false; ``DistributedError/mpiCall(function:code:message:)``
    ///   when MPI cannot start.
    public init(timeout: Duration = .seconds(300), allowSingleProcess: Bool = false) throws {
        let environment = ProcessInfo.processInfo.environment
        if !allowSingleProcess && !Self.isLaunchedByMPI(environment: environment) {
            throw DistributedError.notLaunchedByMPI(program: CommandLine.arguments.first.map {
                URL(fileURLWithPath: $0).lastPathComponent
            } ?? "the program")
        }
        var initialized: Int32 = 0
        try Self.check(MPI_Initialized(&initialized), "MPI_Initialized")
        if initialized == 0 {
            var provided: Int32 = 0
            try Self.check(MPI_Init_thread(nil, nil, heed_mpi_thread_funneled(), &provided), "MPI_Init_thread")
        }
        world = heed_mpi_comm_world()
        // Errors come back as codes (thrown) rather than aborting inside MPI.
        try Self.check(MPI_Comm_set_errhandler(world, heed_mpi_errors_return()), "MPI_Comm_set_errhandler")
        var r: Int32 = 0, s: Int32 = 0
        try Self.check(MPI_Comm_rank(world, &r), "MPI_Comm_rank")
        try Self.check(MPI_Comm_size(world, &s), "MPI_Comm_size")
        rank = Int(r)
        processCount = Int(s)
        self.timeout = timeout
    }

    /// Whether `environment` has the variables that MPI launchers set (Open MPI's `mpirun`,
    /// PMIx, MPICH's Hydra, Slurm's PMI).
    public static func isLaunchedByMPI(environment: [String: String]) -> Bool {
        ["OMPI_COMM_WORLD_SIZE", "OMPI_COMM_WORLD_RANK", "PMIX_RANK", "PMI_RANK", "PMI_SIZE"]
            .contains { environment[$0] != nil }
    }

    /// Whether this is rank 0, the process that reports and writes checkpoints.
    public var isRoot: Bool { rank == 0 }

    /// Waits until every process has arrived.
    ///
    /// - Throws: ``DistributedError`` when MPI fails or the others do not arrive in time.
    public func barrier() throws {
        try collective("barrier") { request in MPI_Ibarrier(world, &request) }
    }

    /// Shuts MPI down; call once, on every process, after the last collective operation.
    public func finalize() {
        guard !isFinalized else { return }
        isFinalized = true
        var finalized: Int32 = 0
        MPI_Finalized(&finalized)
        if finalized == 0 { MPI_Finalize() }
    }

    /// Ends every process of the job with `code` (after an error that the others cannot know of).
    public func abort(code: Int32 = 1) -> Never {
        MPI_Abort(world, code)
        exit(code)
    }

    /// Runs a non-blocking MPI operation started by `start` and polls it until it completes or
    /// ``timeout`` passes.
    func collective(_ operation: String, _ start: (inout MPI_Request?) -> Int32) throws {
        guard !isFinalized else { throw DistributedError.finalized }
        if let pendingFailure { throw pendingFailure }
        let began = ContinuousClock.now
        defer {
            communicationSeconds += Self.seconds(ContinuousClock.now - began)
            collectiveCount += 1
        }
        var request: MPI_Request? = heed_mpi_request_null()
        try Self.check(start(&request), operation)
        try complete(&request, operation, deadline: began + timeout)
    }

    /// Polls `request` until it completes, or throws when `deadline` passes first.
    func complete(_ request: inout MPI_Request?, _ operation: String, deadline: ContinuousClock.Instant) throws {
        var done: Int32 = 0
        var polls = 0
        while true {
            try Self.check(MPI_Test(&request, &done, heed_mpi_status_ignore()), "MPI_Test (\(operation))")
            if done != 0 { return }
            polls += 1
            // Spin briefly for low latency, then give the core back between polls.
            if polls > 2_000 {
                if ContinuousClock.now > deadline {
                    let failure = DistributedError.timedOut(operation: operation, seconds: Self.seconds(timeout),
                                                            rank: rank, processCount: processCount)
                    pendingFailure = failure
                    throw failure
                }
                usleep(50)
            }
        }
    }

    static func check(_ code: Int32, _ function: String) throws {
        guard code != heed_mpi_success() else { return }
        var text = [CChar](repeating: 0, count: Int(heed_mpi_max_error_string()) + 1)
        var length: Int32 = 0
        MPI_Error_string(code, &text, &length)
        let message = String(decoding: text.prefix(Int(length)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        throw DistributedError.mpiCall(function: function, code: code, message: message)
    }

    static func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
    }
}
