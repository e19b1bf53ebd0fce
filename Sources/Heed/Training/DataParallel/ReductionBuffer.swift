/// Scalars at a fixed address, for a non-blocking all-reduce that writes into them after the
/// call that started it has returned (a Swift array may move its storage).
public final class ReductionBuffer<Scalar: TensorScalar> {
    /// The scalars; valid as long as the buffer lives.
    public let scalars: UnsafeMutableBufferPointer<Scalar>

    /// `count` zeros.
    public init(count: Int) {
        scalars = .allocate(capacity: count)
        scalars.initialize(repeating: 0)
    }

    /// The number of scalars.
    public var count: Int { scalars.count }

    deinit { scalars.deallocate() }
}

/// An all-reduce that has started and may not have finished: its buffer holds the sum once
/// ``test()`` returns true or ``wait()`` returns.
public protocol PendingAllReduce: AnyObject {
    /// Lets the communication advance and tells whether it has finished, without blocking.
    ///
    /// - Throws: an implementation's error when communication fails.
    func test() throws -> Bool

    /// Blocks until the sum is in the buffer.
    ///
    /// - Throws: an implementation's error when communication fails or times out.
    func wait() throws
}

/// An all-reduce that finished before its start returned (synchronizers without non-blocking
/// operations).
final class FinishedAllReduce: PendingAllReduce {
    func test() throws -> Bool { true }
    func wait() throws {}
}
