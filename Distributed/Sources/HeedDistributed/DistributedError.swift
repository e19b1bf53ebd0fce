import Foundation

/// An error of running across processes with MPI.
public enum DistributedError: Error, Equatable, CustomStringConvertible, Sendable {
    /// The program was started directly rather than by `mpirun` (no MPI launcher variables).
    case notLaunchedByMPI(program: String)
    /// An MPI function returned an error code.
    case mpiCall(function: String, code: Int32, message: String)
    /// A collective operation got no answer from the other processes in time.
    case timedOut(operation: String, seconds: Double, rank: Int, processCount: Int)
    /// The scalar type has no MPI datatype here.
    case unsupportedScalar(String)
    /// A buffer is longer than MPI's `Int32` element count allows.
    case bufferTooLarge(operation: String, count: Int)
    /// The context was used after ``DistributedContext/finalize()``.
    case finalized

    /// A message saying what went wrong and what to do.
    public var description: String {
        switch self {
        case let .notLaunchedByMPI(program):
            return "distributed: \(program) was not started by an MPI launcher (no OMPI_COMM_WORLD_SIZE, "
                + "PMIX_RANK or PMI_RANK in the environment), so it would train alone as a single process. "
                + "Start it with `mpirun -np 2 \(program) …` (add --allow-run-as-root as root and "
                + "--oversubscribe for more processes than cores), or pass allowSingleProcess: true to "
                + "train in one process on purpose."
        case let .mpiCall(function, code, message):
            return "distributed: \(function) failed with MPI error \(code): \(message)"
        case let .timedOut(operation, seconds, rank, processCount):
            let others = (0..<processCount).filter { $0 != rank }
            let whom = others.count == 1 ? "rank \(others[0])" : "at least one of ranks \(others.map(String.init).joined(separator: ", "))"
            return "distributed: rank \(rank) of \(processCount) waited \(Self.format(seconds)) s in \(operation) "
                + "without an answer from \(whom): that process has died, hung or is stuck elsewhere. "
                + "Check its output; the last checkpoint written by rank 0 is intact."
        case let .unsupportedScalar(name):
            return "distributed: no MPI datatype for scalars of type \(name); use Float or Double"
        case let .bufferTooLarge(operation, count):
            return "distributed: \(operation) of \(count) elements exceeds MPI's limit of \(Int32.max) per call"
        case .finalized:
            return "distributed: the MPI context was used after finalize()"
        }
    }

    private static func format(_ seconds: Double) -> String {
        seconds == seconds.rounded() ? String(Int(seconds)) : String(format: "%.1f", seconds)
    }
}
