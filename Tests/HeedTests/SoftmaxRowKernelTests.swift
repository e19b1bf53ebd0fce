import CHeedSupport
import XCTest
@testable import Heed

/// The vectorised float32 softmax rows of the attention kernel against a Double softmax.
final class SoftmaxRowKernelTests: XCTestCase {
    func row(_ n: Int, seed: UInt64, low: Double, high: Double) -> [Float] {
        var g = SeededGenerator(seed: seed)
        return (0..<n).map { _ in Float(low + (high - low) * g.nextUnit()) }
    }

    func testSoftmaxRowMatchesDoubleSoftmax() {
        // Lengths around the vector widths (8, 16) and their tails; spreads that push many
        // weights below the float range.
        for n in [1, 2, 7, 8, 9, 15, 16, 17, 33, 100] {
            for (low, high) in [(-1.0, 1.0), (-30.0, 30.0), (-200.0, 5.0)] {
                let x = row(n, seed: UInt64(n) * 31 + UInt64(high), low: low, high: high)
                var w = x
                w.withUnsafeMutableBufferPointer { heed_softmax_row_f32($0.baseAddress, n) }
                // The shift x − max is a float subtraction in the kernel (as in Keras); the
                // reference exponentiates that same float difference in Double.
                let m = x.max() ?? 0
                let e = x.map { Foundation.exp(Double($0 - m)) }
                let s = e.reduce(0, +)
                for j in 0..<n {
                    let expected = e[j] / s
                    // A few float ulps; weights below the normal float range may be flushed to 0.
                    XCTAssertEqual(Double(w[j]), expected, accuracy: 4e-7 * expected + 1.2e-38, "n \(n) j \(j) x \(x[j])")
                }
            }
        }
    }

    func testSoftmaxRowOfEqualScoresIsExactlyUniform() {
        var w = [Float](repeating: -1e9, count: 11)
        w.withUnsafeMutableBufferPointer { heed_softmax_row_f32($0.baseAddress, 11) }
        XCTAssertEqual(w, [Float](repeating: 1 / 11, count: 11))
    }

    func testSoftmaxBackwardRowMatchesFormula() {
        for n in [1, 8, 13, 40] {
            let w = row(n, seed: UInt64(n), low: 0, high: 0.2), g = row(n, seed: UInt64(n) + 99, low: -1, high: 1)
            var out = g
            out.withUnsafeMutableBufferPointer { o in
                w.withUnsafeBufferPointer { heed_softmax_backward_row_f32(o.baseAddress, $0.baseAddress, n) }
            }
            let dot = zip(g, w).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
            for j in 0..<n {
                XCTAssertEqual(Double(out[j]), Double(w[j]) * (Double(g[j]) - dot), accuracy: 1e-6, "n \(n) j \(j)")
            }
        }
    }
}
