import CBLAS
import CHeedSupport
import XCTest
@testable import Heed

/// The parallel loop that runs kernel items: every item once, every worker given work, nested
/// work kept on the worker's thread, denormals flushed inside, and the caller's floating-point
/// mode and every thread count left as they were.
final class KernelLoopTests: XCTestCase {
    func testRunsEveryItemOnce() {
        let counts = UnsafeMutablePointer<Int>.allocate(capacity: 37)
        counts.initialize(repeating: 0, count: 37)
        defer { counts.deallocate() }
        KernelLoop.run(items: 37) { counts[$0] += 1 }
        XCTAssertEqual((0..<37).map { counts[$0] }, [Int](repeating: 1, count: 37))
    }

    func testItemsRunWithDenormalsFlushedToZero() {
        let flushed = UnsafeMutablePointer<Bool>.allocate(capacity: 8)
        let products = UnsafeMutablePointer<Float>.allocate(capacity: 8)
        defer { flushed.deallocate(); products.deallocate() }
        // Half the smallest normal float: a denormal unless flushed.
        let tiny = Float.leastNormalMagnitude
        KernelLoop.run(items: 8) { item in
            flushed[item] = heed_ftz_enabled() != 0
            products[item] = tiny * Float(0.5 + Double(item) * 1e-9)
        }
        #if arch(x86_64)
        XCTAssertEqual((0..<8).map { flushed[$0] }, [Bool](repeating: true, count: 8))
        XCTAssertEqual((0..<8).map { products[$0] }, [Float](repeating: 0, count: 8))
        #endif
    }

    func testRestoresCallerFloatModeAndThreadCounts() {
        let threads = Heed.threads
        let before = heed_ftz_enabled()
        KernelLoop.run(items: 5) { _ in }
        KernelLoop.run(items: 1) { _ in }
        XCTAssertEqual(heed_ftz_enabled(), before)
        XCTAssertEqual(Heed.threads, threads)
        XCTAssertEqual(openblas_get_num_threads(), 1, "OpenBLAS stays single-threaded")
        XCTAssertFalse(KernelLoop.inWorker)
    }

    /// With 2 and 3 threads, each worker index runs at least one item (worker `w` starts with
    /// item `w`), and every item runs once, on a worker in range.
    func testEveryWorkerRunsItemsWithTwoAndThreeThreads() {
        for threads in [2, 3] {
            withHeedThreads(threads) {
                let items = 50
                let workers = KernelLoop.workers(items: items)
                XCTAssertEqual(workers, threads)
                let ranBy = UnsafeMutablePointer<Int>.allocate(capacity: items)
                ranBy.initialize(repeating: -1, count: items)
                defer { ranBy.deallocate() }
                KernelLoop.run(items: items, workers: workers) { worker, item in
                    XCTAssertTrue(KernelLoop.inWorker)
                    ranBy[item] = worker
                }
                let owners = (0..<items).map { ranBy[$0] }
                XCTAssertTrue(owners.allSatisfy { (0..<workers).contains($0) }, "\(threads) threads: \(owners)")
                XCTAssertEqual(Set(owners), Set(0..<workers), "\(threads) threads: a worker ran nothing")
                XCTAssertEqual(KernelLoop.workers(items: 2), 2)
                XCTAssertEqual(KernelLoop.workers(items: 1), 1)
            }
        }
    }

    /// A loop started inside a worker runs on that worker's thread, as one worker.
    func testNestedLoopStaysOnTheWorkersThread() {
        withHeedThreads(2) {
            let inner = UnsafeMutablePointer<Int>.allocate(capacity: 4)
            inner.initialize(repeating: 0, count: 4)
            defer { inner.deallocate() }
            KernelLoop.run(items: 4) { item in
                inner[item] = KernelLoop.workers(items: 100)
                KernelLoop.run(items: 3) { _ in }
                XCTAssertTrue(KernelLoop.inWorker, "still a worker after a nested loop")
            }
            XCTAssertEqual((0..<4).map { inner[$0] }, [1, 1, 1, 1])
        }
    }
}
