import XCTest
@testable import Heed

/// One finite-difference gradient check per differentiable op, in Double.
final class GradientCheckTests: XCTestCase {
    let a = randomTensor([2, 3, 4], seed: 1)
    let b = randomTensor([2, 3, 4], seed: 2)
    let rowB = randomTensor([4], seed: 3)          // broadcast along the leading axes
    let colB = randomTensor([2, 1, 4], seed: 4)    // broadcast along the middle axis
    let positive = randomTensor([2, 3, 4], seed: 5, low: 0.5, high: 2)

    func testGradAdd() throws {
        try checkGradients([a, b]) { try $0[0] + $0[1] }
        try checkGradients([a, rowB]) { try $0[0] + $0[1] }
        try checkGradients([colB, a]) { try $0[0] + $0[1] }
    }
    func testGradSubtract() throws {
        try checkGradients([a, colB]) { try $0[0] - $0[1] }
        try checkGradients([rowB, a]) { try $0[0] - $0[1] }
    }
    func testGradMultiply() throws {
        try checkGradients([a, b]) { try $0[0] * $0[1] }
        try checkGradients([a, colB]) { try $0[0] * $0[1] }
    }
    func testGradDivide() throws {
        try checkGradients([a, positive]) { try $0[0] / $0[1] }
        try checkGradients([a, randomTensor([3, 1], seed: 6, low: 0.5, high: 2)]) { try $0[0] / $0[1] }
    }
    func testGradScalarArithmetic() throws {
        try checkGradients([a]) { ($0[0] * 3 + 2 - 1) / 4 }
        try checkGradients([a]) { 1.5 - $0[0] }
    }
    func testGradNegate() throws { try checkGradients([a]) { -$0[0] } }
    func testGradExp() throws { try checkGradients([a]) { $0[0].exp() } }
    func testGradLog() throws { try checkGradients([positive]) { $0[0].log() } }
    func testGradSqrt() throws { try checkGradients([positive]) { $0[0].sqrt() } }
    func testGradSquare() throws { try checkGradients([a]) { $0[0].squared() } }
    func testGradPowScalar() throws { try checkGradients([positive]) { $0[0].pow(2.5) } }
    func testGradPowTensor() throws {
        try checkGradients([positive, randomTensor([4], seed: 8, low: 0.5, high: 2)]) { try Tensor.pow($0[0], $0[1]) }
    }
    func testGradAbs() throws { try checkGradients([a]) { $0[0].abs() } }
    func testGradTanh() throws { try checkGradients([a]) { $0[0].tanh() } }
    func testGradSigmoid() throws { try checkGradients([a * 4]) { $0[0].sigmoid() } }
    func testGradClipped() throws {
        // Below, inside and above [-0.5, 0.5], none within the step h of an edge.
        let x = try Tensor<Double>(shape: [2, 4], scalars: [-1.3, -0.8, -0.45, -0.1, 0.2, 0.45, 0.7, 1.6])
        try checkGradients([x]) { $0[0].clipped(lower: -0.5, upper: 0.5) }
    }
    func testGradRelu() throws { try checkGradients([a]) { $0[0].relu() } }
    func testGradGelu() throws {
        try checkGradients([a * 3]) { $0[0].gelu() }
        try checkGradients([a * 3]) { $0[0].gelu(approximate: true) }
    }
    func testGradMaximum() throws { try checkGradients([a, colB]) { try Tensor.maximum($0[0], $0[1]) } }
    func testGradMinimum() throws { try checkGradients([a, rowB]) { try Tensor.minimum($0[0], $0[1]) } }
    func testGradWhere() throws {
        let mask = try a.greater(Tensor(0.1))
        try checkGradients([b, rowB]) { try Tensor.where(mask, $0[0], $0[1]) }
    }
    func testGradSum() throws {
        try checkGradients([a]) { $0[0].sum() }
        try checkGradients([a]) { try $0[0].sum(alongAxes: [0, 2]) }
        try checkGradients([a]) { try $0[0].sum(alongAxis: 1, keepDims: true) }
    }
    func testGradMean() throws {
        try checkGradients([a]) { try $0[0].mean(alongAxis: -1) }
        try checkGradients([a]) { try $0[0].mean(alongAxes: [0, 1], keepDims: true) }
    }
    func testGradMax() throws {
        try checkGradients([a]) { try $0[0].max(alongAxis: 1) }
        try checkGradients([a]) { try $0[0].max(alongAxis: -1, keepDims: true) }
    }
    func testGradSoftmax() throws {
        try checkGradients([a * 3]) { try $0[0].softmax() }
        try checkGradients([a * 3]) { try $0[0].softmax(alongAxis: 1) }
    }
    func testGradLogSoftmax() throws {
        try checkGradients([a * 3]) { try $0[0].logSoftmax() }
        try checkGradients([a * 3]) { try $0[0].logSoftmax(alongAxis: 0) }
    }
    func testGradReshape() throws { try checkGradients([a]) { try $0[0].reshaped([4, -1]).squared() } }
    func testGradPermute() throws { try checkGradients([a]) { try $0[0].permuted([2, 0, 1]) } }
    func testGradTranspose() throws { try checkGradients([a]) { try $0[0].transposed() } }
    func testGradExpandSqueeze() throws {
        try checkGradients([a]) { try $0[0].expandingShape(at: 1).squeezingShape(at: 1).exp() }
    }
    func testGradSlice() throws { try checkGradients([a]) { try $0[0].slice(alongAxis: 2, 1..<3) } }
    func testGradPad() throws { try checkGradients([a]) { try $0[0].padded(alongAxis: 1, before: 2, after: 1) } }
    func testGradConcatenate() throws {
        try checkGradients([a, randomTensor([2, 5, 4], seed: 9)]) { try Tensor.concatenate($0, alongAxis: 1) }
        try checkGradients([a, b]) { try Tensor.concatenate($0, alongAxis: -1) }
    }
    func testGradStack() throws { try checkGradients([a, b]) { try Tensor.stack($0, alongAxis: 1) } }
    func testGradGatherRows() throws {
        let ids = try IntTensor(shape: [2, 3], scalars: [0, 2, 2, 4, 0, 1])
        try checkGradients([randomTensor([5, 3], seed: 10)]) { try $0[0].gatheringRows(ids) }
    }
    func testGradMatmul() throws {
        try checkGradients([randomTensor([3, 4], seed: 11), randomTensor([4, 5], seed: 12)]) { try Tensor.matmul($0[0], $0[1]) }
    }
    func testGradMatmulTransposed() throws {
        for (ta, tb) in [(true, false), (false, true), (true, true)] {
            let x = randomTensor(ta ? [4, 3] : [3, 4], seed: 13)
            let y = randomTensor(tb ? [5, 4] : [4, 5], seed: 14)
            try checkGradients([x, y]) { try Tensor.matmul($0[0], $0[1], transposeA: ta, transposeB: tb) }
        }
    }
    func testGradMatmulBatchedBroadcast() throws {
        try checkGradients([randomTensor([2, 3, 4], seed: 15), randomTensor([4, 5], seed: 16)]) { try Tensor.matmul($0[0], $0[1]) }
        try checkGradients([randomTensor([2, 3, 4], seed: 15), randomTensor([5, 4], seed: 16)]) { try Tensor.matmul($0[0], $0[1], transposeB: true) }
        try checkGradients([randomTensor([3, 4], seed: 17), randomTensor([2, 4, 5], seed: 18)]) { try Tensor.matmul($0[0], $0[1]) }
        try checkGradients([randomTensor([2, 1, 4, 3], seed: 19), randomTensor([3, 4, 5], seed: 20)]) {
            try Tensor.matmul($0[0], $0[1], transposeA: true)
        }
    }
    func testGradLinear() throws {
        // Leading axes fold into rows; with and without a bias; a single vector.
        try checkGradients([randomTensor([2, 3, 4], seed: 21), randomTensor([4, 5], seed: 22), randomTensor([5], seed: 23)]) {
            try Tensor.linear($0[0], kernel: $0[1], bias: $0[2])
        }
        try checkGradients([randomTensor([3, 4], seed: 24), randomTensor([4, 2], seed: 25)]) {
            try Tensor.linear($0[0], kernel: $0[1])
        }
        try checkGradients([randomTensor([4], seed: 26), randomTensor([4, 3], seed: 27), randomTensor([3], seed: 28)]) {
            try Tensor.linear($0[0], kernel: $0[1], bias: $0[2])
        }
    }
    /// The fused op equals matmul + broadcast add, in values and gradients (Float).
    func testLinearMatchesMatmulPlusBias() throws {
        let x = randomTensor([3, 7, 6], seed: 29).converted(to: Float.self)
        let w = randomTensor([6, 5], seed: 30).converted(to: Float.self)
        let b = randomTensor([5], seed: 31).converted(to: Float.self)
        let r = randomTensor([3, 7, 5], seed: 32).converted(to: Float.self)
        let fused = [x, w, b].map { $0.requiringGrad() }, plain = [x, w, b].map { $0.requiringGrad() }
        let y = try Tensor.linear(fused[0], kernel: fused[1], bias: fused[2])
        try (y * r).sum().backward()
        let z = try Tensor.matmul(plain[0], plain[1]) + plain[2]
        try (z * r).sum().backward()
        XCTAssertEqual(y.shape, [3, 7, 5])
        assertClose(y.scalars, z.scalars, rtol: 1e-6, atol: 1e-6, "output")
        for (name, (a, c)) in zip(["dx", "dkernel", "dbias"], zip(fused, plain)) {
            assertClose(a.grad?.scalars ?? [], c.grad?.scalars ?? [], rtol: 1e-5, atol: 1e-6, name)
        }
        XCTAssertThrowsError(try Tensor.linear(x, kernel: randomTensor([5, 5], seed: 33).converted(to: Float.self)))
        XCTAssertThrowsError(try Tensor.linear(x, kernel: w, bias: Tensor<Float>(filled: 0, shape: [6])))
    }
    func testGradTensorUsedTwiceAccumulates() throws {
        try checkGradients([a]) { try $0[0] * $0[0] + $0[0].exp() }
    }
}

final class DropoutOpTests: XCTestCase {
    func testGradDropout() throws {
        var g = SeededGenerator(seed: 3)
        let keep = Tensor<Double>.dropoutKeepMask(shape: [2, 3, 4], rate: 0.4, generator: &g)
        try checkGradients([randomTensor([2, 3, 4], seed: 1)]) { try $0[0].applyingDropout(keepMask: keep, rate: 0.4) }
    }

    func testDropoutScalesKeptAndZeroesDropped() throws {
        let keep = try Mask(shape: [4], values: [true, false, true, false])
        let y = try Tensor<Float>([1, 2, 3, 4]).applyingDropout(keepMask: keep, rate: 0.5)
        XCTAssertEqual(y.scalars, [2, 0, 6, 0])
    }

    func testKeepMaskFractionIsAboutOneMinusRate() {
        var g = SeededGenerator(seed: 9)
        let keep = Tensor<Float>.dropoutKeepMask(shape: [10000], rate: 0.25, generator: &g)
        let kept = Double(keep.values.filter { $0 }.count) / 10000
        XCTAssertEqual(kept, 0.75, accuracy: 0.02)
    }
}
