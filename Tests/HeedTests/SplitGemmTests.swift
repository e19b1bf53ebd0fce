import XCTest
@testable import Heed

/// Matrix products split over Heed's threads (by rows of C, or by columns when C is wider than
/// tall) against a plain loop in Double: every orientation, alpha and beta, leading dimensions
/// wider than the matrices, sizes that leave a partial last block, with 1, 2 and 3 threads.
final class SplitGemmTests: XCTestCase {
    struct Case {
        let m: Int, n: Int, k: Int
    }

    /// Tall (split by rows), wide (split by columns), and one below the splitting bar.
    let cases = [Case(m: 203, n: 70, k: 97), Case(m: 45, n: 301, k: 130), Case(m: 9, n: 11, k: 13)]

    func check(_ c: Case, transposeA: Bool, transposeB: Bool, threads: Int, seed: UInt64) {
        var g = SeededGenerator(seed: seed)
        let (m, n, k) = (c.m, c.n, c.k)
        let lda = (transposeA ? m : k) + 3, ldb = (transposeB ? k : n) + 2, ldc = n + 5
        let a = (0..<((transposeA ? k : m) * lda)).map { _ in Float(g.nextUnit() * 2 - 1) }
        let b = (0..<((transposeB ? n : k) * ldb)).map { _ in Float(g.nextUnit() * 2 - 1) }
        var out = (0..<(m * ldc)).map { _ in Float(g.nextUnit() * 2 - 1) }
        var expected = out
        let alpha: Float = 0.5, beta: Float = 0.25
        for i in 0..<m {
            for j in 0..<n {
                var sum = 0.0
                for p in 0..<k {
                    sum += Double(transposeA ? a[p * lda + i] : a[i * lda + p]) * Double(transposeB ? b[j * ldb + p] : b[p * ldb + j])
                }
                expected[i * ldc + j] = Float(Double(alpha) * sum + Double(beta) * Double(out[i * ldc + j]))
            }
        }
        withHeedThreads(threads) {
            Float.gemm(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: alpha,
                       a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: &out, ldc: ldc)
        }
        // Elements past column n of each row (the padding of ldc) must be untouched too.
        assertClose(out, expected, rtol: 1e-5, atol: 1e-5,
                    "m\(m) n\(n) k\(k) transposeA \(transposeA) transposeB \(transposeB) threads \(threads)")
    }

    func testSplitProductsMatchAPlainLoop() {
        var seed: UInt64 = 1
        for c in cases {
            for threads in [1, 2, 3] {
                for transposeA in [false, true] {
                    for transposeB in [false, true] {
                        check(c, transposeA: transposeA, transposeB: transposeB, threads: threads, seed: seed)
                        seed += 1
                    }
                }
            }
        }
    }

    /// The split is as many blocks as threads for large products, one below the bar or inside a
    /// loop's worker, and blocks are whole multiples of the alignment but the last.
    func testSplitPlan() {
        withHeedThreads(3) {
            XCTAssertEqual(GemmSplit.parts(m: 203, n: 70, k: 97, along: 203), 3)
            XCTAssertEqual(GemmSplit.parts(m: 9, n: 11, k: 13, along: 11), 1)
            XCTAssertEqual(GemmSplit.parts(m: 4096, n: 16, k: 4096, along: 4096), 3)
            XCTAssertEqual(GemmSplit.parts(m: 40, n: 20, k: 4096, along: 40), 2, "one block per 16 rows at most")
            XCTAssertEqual(GemmSplit.chunk(203, parts: 3), 80)
            KernelLoop.run(items: 2) { _ in
                XCTAssertEqual(GemmSplit.parts(m: 4096, n: 4096, k: 64, along: 4096), 1)
            }
        }
    }
}
