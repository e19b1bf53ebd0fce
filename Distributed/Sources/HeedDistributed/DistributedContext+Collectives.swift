import CMPI
import Heed

extension DistributedContext {
    /// Replaces `buffer` on every process by its contents on `root` (`MPI_Ibcast`).
    ///
    /// Shapes: the same length on every process.
    /// - Throws: ``DistributedError`` when MPI fails or the others do not answer in time.
    public func broadcast<S: TensorScalar>(_ buffer: inout [S], fromRank root: Int) throws {
        let type = try Self.datatype(S.self)
        let count = try Self.count(buffer.count, "broadcast")
        try buffer.withUnsafeMutableBytes { bytes in
            try collective("broadcast of \(count) \(S.dtypeName)") { request in
                MPI_Ibcast(bytes.baseAddress, count, type, Int32(root), world, &request)
            }
        }
    }

    /// Replaces `buffer` on every process by the elementwise sum over all processes
    /// (`MPI_Iallreduce` in place).
    ///
    /// Shapes: the same length on every process.
    /// - Throws: ``DistributedError`` when MPI fails or the others do not answer in time.
    public func allReduceSum<S: TensorScalar>(_ buffer: inout [S]) throws {
        let type = try Self.datatype(S.self)
        let count = try Self.count(buffer.count, "allreduce")
        try buffer.withUnsafeMutableBytes { bytes in
            try collective("allreduce of \(count) \(S.dtypeName)") { request in
                MPI_Iallreduce(heed_mpi_in_place(), bytes.baseAddress, count, type, heed_mpi_sum(), world, &request)
            }
        }
    }

    /// Every process's `values`, indexed by rank; lengths may differ (`MPI_Iallgather` of the
    /// lengths, then `MPI_Iallgatherv`).
    ///
    /// - Throws: ``DistributedError`` when MPI fails or the others do not answer in time.
    public func allGather(_ values: [Double]) throws -> [[Double]] {
        var mine = [try Self.count(values.count, "allgather")]
        var counts = [Int32](repeating: 0, count: processCount)
        try mine.withUnsafeMutableBytes { m in
            try counts.withUnsafeMutableBytes { c in
                try collective("allgather of lengths") { request in
                    MPI_Iallgather(m.baseAddress, 1, heed_mpi_int(), c.baseAddress, 1, heed_mpi_int(), world, &request)
                }
            }
        }
        var displacements = [Int32](repeating: 0, count: processCount)
        var total = 0
        for i in 0..<processCount {
            displacements[i] = try Self.count(total, "allgather")
            total += Int(counts[i])
        }
        _ = try Self.count(total, "allgather")
        var all = [Double](repeating: 0, count: total)
        var send = values
        try send.withUnsafeMutableBytes { s in
            try all.withUnsafeMutableBytes { a in
                try counts.withUnsafeMutableBufferPointer { c in
                    try displacements.withUnsafeMutableBufferPointer { d in
                        try collective("allgather of \(total) float64") { request in
                            MPI_Iallgatherv(s.baseAddress, mine[0], heed_mpi_double(), a.baseAddress,
                                            c.baseAddress, d.baseAddress, heed_mpi_double(), world, &request)
                        }
                    }
                }
            }
        }
        return (0..<processCount).map { i in
            Array(all[Int(displacements[i])..<(Int(displacements[i]) + Int(counts[i]))])
        }
    }

    static func datatype<S: TensorScalar>(_: S.Type) throws -> MPI_Datatype? {
        if S.self == Float.self { return heed_mpi_float() }
        if S.self == Double.self { return heed_mpi_double() }
        throw DistributedError.unsupportedScalar(S.dtypeName)
    }

    static func count(_ n: Int, _ operation: String) throws -> Int32 {
        guard let c = Int32(exactly: n) else { throw DistributedError.bufferTooLarge(operation: operation, count: n) }
        return c
    }
}
