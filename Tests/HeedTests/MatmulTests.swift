import XCTest
@testable import Heed

/// `matmul` against a naive triple loop.
final class MatmulTests: XCTestCase {
    /// Reference product of one pair of matrices given with explicit transposes.
    func naive(_ a: [Double], _ b: [Double], m: Int, n: Int, k: Int, ta: Bool, tb: Bool) -> [Double] {
        var c = [Double](repeating: 0, count: m * n)
        for i in 0..<m {
            for j in 0..<n {
                var s = 0.0
                for p in 0..<k {
                    let av = ta ? a[p * m + i] : a[i * k + p]
                    let bv = tb ? b[j * k + p] : b[p * n + j]
                    s += av * bv
                }
                c[i * n + j] = s
            }
        }
        return c
    }

    func check(m: Int, n: Int, k: Int, ta: Bool = false, tb: Bool = false, seed: UInt64) throws {
        let a = randomTensor(ta ? [k, m] : [m, k], seed: seed)
        let b = randomTensor(tb ? [n, k] : [k, n], seed: seed + 1)
        let c = try Tensor.matmul(a, b, transposeA: ta, transposeB: tb)
        XCTAssertEqual(c.shape, [m, n])
        assertClose(c.scalars, naive(a.scalars, b.scalars, m: m, n: n, k: k, ta: ta, tb: tb), rtol: 1e-12, atol: 1e-12)
        // Float agrees with Double on the same inputs.
        let cf = try Tensor.matmul(a.converted(to: Float.self), b.converted(to: Float.self), transposeA: ta, transposeB: tb)
        assertClose(cf.scalars, c.scalars.map { Float($0) }, rtol: 1e-5, atol: 1e-5)
    }

    func testSquare() throws { try check(m: 7, n: 7, k: 7, seed: 1) }
    func testRectangular() throws {
        try check(m: 3, n: 5, k: 4, seed: 2)
        try check(m: 1, n: 9, k: 2, seed: 3)
    }
    func testTransposed() throws {
        try check(m: 3, n: 5, k: 4, ta: true, seed: 4)
        try check(m: 3, n: 5, k: 4, tb: true, seed: 5)
        try check(m: 3, n: 5, k: 4, ta: true, tb: true, seed: 6)
    }

    func testBatchedWithBroadcasting() throws {
        let a = randomTensor([2, 1, 3, 4], seed: 7)
        let b = randomTensor([3, 4, 5], seed: 8)
        let c = try Tensor.matmul(a, b)
        XCTAssertEqual(c.shape, [2, 3, 3, 5])
        for i in 0..<2 {
            for j in 0..<3 {
                let am = Array(a.scalars[(i * 12)..<(i * 12 + 12)])
                let bm = Array(b.scalars[(j * 20)..<(j * 20 + 20)])
                let got = Array(c.scalars[((i * 3 + j) * 15)..<((i * 3 + j) * 15 + 15)])
                assertClose(got, naive(am, bm, m: 3, n: 5, k: 4, ta: false, tb: false), rtol: 1e-12, atol: 1e-12)
            }
        }
    }

    func testBatchedTimesMatrixFoldsIntoOneProduct() throws {
        let a = randomTensor([2, 3, 4], seed: 9)
        let b = randomTensor([5, 4], seed: 10)
        let c = try Tensor.matmul(a, b, transposeB: true)
        XCTAssertEqual(c.shape, [2, 3, 5])
        assertClose(c.scalars, naive(a.scalars, b.scalars, m: 6, n: 5, k: 4, ta: false, tb: true), rtol: 1e-12, atol: 1e-12)
    }

    func testEmptyInnerDimensionGivesZeros() throws {
        let c = try Tensor.matmul(Tensor<Float>.zeros([2, 0]), Tensor<Float>.zeros([0, 3]))
        XCTAssertEqual(c.scalars, [0, 0, 0, 0, 0, 0])
    }
}

/// Float and Double results agree on the same inputs for the element-wise ops and reductions.
final class FloatDoubleAgreementTests: XCTestCase {
    func testOpsAgree() throws {
        let d = randomTensor([3, 4], seed: 21)
        let f = d.converted(to: Float.self)
        func agree(_ name: String, _ fd: (Tensor<Double>) throws -> Tensor<Double>, _ ff: (Tensor<Float>) throws -> Tensor<Float>) throws {
            assertClose(try ff(f).scalars, try fd(d).scalars.map { Float($0) }, rtol: 1e-5, atol: 1e-6, name)
        }
        try agree("exp", { $0.exp() }, { $0.exp() })
        try agree("tanh", { $0.tanh() }, { $0.tanh() })
        try agree("sigmoid", { $0.sigmoid() }, { $0.sigmoid() })
        try agree("gelu", { $0.gelu() }, { $0.gelu() })
        try agree("softmax", { try $0.softmax() }, { try $0.softmax() })
        try agree("logSoftmax", { try $0.logSoftmax(alongAxis: 0) }, { try $0.logSoftmax(alongAxis: 0) })
        try agree("sum", { try $0.sum(alongAxis: 1) }, { try $0.sum(alongAxis: 1) })
        try agree("mean", { try $0.mean(alongAxis: 0) }, { try $0.mean(alongAxis: 0) })
        try agree("log", { $0.abs().log() }, { $0.abs().log() })
    }
}
