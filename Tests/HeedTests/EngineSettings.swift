import XCTest
import Heed

/// Runs `body` with `Heed.threads` set to `threads`, then puts the previous count back, also when
/// `body` throws. Every test that changes the thread count goes through here, so no test leaves
/// its count to the tests after it.
func withHeedThreads<T>(_ threads: Int, _ body: () throws -> T) rethrows -> T {
    let saved = Heed.threads
    Heed.threads = threads
    defer { Heed.threads = saved }
    return try body()
}

/// A test case whose every test runs with `Heed.threads` at ``threads`` (restored afterwards):
/// for suites that compare weights bit for bit, which only one thread makes reproducible (the
/// tiled attention kernels add per-worker partial sums in the order the workers finish).
class SingleThreadedTestCase: XCTestCase {
    /// The thread count the tests of this case run with.
    var threads: Int { 1 }

    override func invokeTest() {
        withHeedThreads(threads) { super.invokeTest() }
    }
}
