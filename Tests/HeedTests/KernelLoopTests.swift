import CHeedSupport
import XCTest
@testable import Heed

/// The parallel loop that runs kernel items: every item once, denormals flushed inside, the
/// caller's floating-point mode and OpenBLAS thread count left as they were.
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

    func testRestoresCallerFloatModeAndBlasThreads() {
        let threads = Heed.threads
        let before = heed_ftz_enabled()
        KernelLoop.run(items: 5) { _ in }
        KernelLoop.run(items: 1) { _ in }
        XCTAssertEqual(heed_ftz_enabled(), before)
        XCTAssertEqual(Heed.threads, threads)
    }
}
