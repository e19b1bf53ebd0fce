import Foundation
import XCTest
@testable import Heed

final class AutodiffTests: XCTestCase {
    func testBackwardFromScalarGivesHandWorkedGradient() throws {
        // L = Σ (x·y + x) → dL/dx = y + 1, dL/dy = x
        let x = Tensor<Double>([1, 2, 3]).requiringGrad()
        let y = Tensor<Double>([4, 5, 6]).requiringGrad()
        try (x * y + x).sum().backward()
        XCTAssertEqual(x.grad?.scalars, [5, 6, 7])
        XCTAssertEqual(y.grad?.scalars, [1, 2, 3])
    }

    func testBackwardWithExplicitCotangent() throws {
        let x = Tensor<Double>([1, 2, 3]).requiringGrad()
        let y = x * 2
        y.backward(seed: Tensor([1, 10, 100]))
        XCTAssertEqual(x.grad?.scalars, [2, 20, 200])
    }

    func testGradientsAccumulateWhenATensorIsUsedTwice() throws {
        // L = Σ x·x + 3x → 2x + 3
        let x = Tensor<Double>([1, -2]).requiringGrad()
        try (x * x + x * 3).sum().backward()
        XCTAssertEqual(x.grad?.scalars, [5, -1])
    }

    func testLeafGradientsAccumulateAcrossBackwardCallsUntilZeroed() throws {
        let x = Tensor<Double>([1, 2]).requiringGrad()
        (x * 3).sum().backward()
        (x * 3).sum().backward()
        XCTAssertEqual(x.grad?.scalars, [6, 6])
        x.zeroGrad()
        XCTAssertNil(x.grad)
    }

    func testBroadcastGradientIsReducedToInputShape() throws {
        let x = Tensor<Double>.ones([2, 3]).requiringGrad()
        let b = Tensor<Double>([1, 2, 3]).requiringGrad()
        try (x + b).sum().backward()
        XCTAssertEqual(b.grad?.shape, [3])
        XCTAssertEqual(b.grad?.scalars, [2, 2, 2])
    }

    func testNoGradScopeRecordsNothing() throws {
        let x = Tensor<Double>([1, 2]).requiringGrad()
        let y = try withoutGrad { try x * x + x }
        XCTAssertFalse(y.requiresGrad)
        XCTAssertNil(y.node)
        XCTAssertTrue(GradMode.isRecording)
    }

    func testTensorsWithoutGradRecordNoGraph() throws {
        let x = Tensor<Double>([1, 2])
        let y = try x * x
        XCTAssertNil(y.node)
    }

    func testGraphIsReleasedAfterBackward() throws {
        let x = Tensor<Double>([1, 2, 3]).requiringGrad()
        weak var inner1: GradNode<Double>?
        weak var inner2: GradNode<Double>?
        let loss: Tensor<Double> = try {
            let h1 = (x * 2).exp()
            let h2 = try h1 * x
            inner1 = h1.node
            inner2 = h2.node
            return h2.sum()
        }()
        XCTAssertNotNil(inner1, "the graph is alive before backward")
        XCTAssertNotNil(inner2)
        loss.backward()
        XCTAssertNil(inner1, "an inner node outlived backward")
        XCTAssertNil(inner2, "an inner node outlived backward")
        XCTAssertNotNil(x.grad, "the leaf keeps its gradient")
    }

    func testIdsGetNoGradientButTheTableDoes() throws {
        let table = Tensor<Double>.ones([4, 2]).requiringGrad()
        let ids = try IntTensor(shape: [3], scalars: [1, 1, 3])
        try table.gatheringRows(ids).sum().backward()
        XCTAssertEqual(table.grad?.scalars, [0, 0, 2, 2, 0, 0, 1, 1])
    }

    func testWatchedLeavesAreReportedOnceWhenTheirGradientIsFinal() throws {
        // L = Σ tanh(x·w1 + b1)·w2 + Σ w1: w1 is used by the first op and by the last (the sum
        // added at the end), so its gradient is final only after the first layer's pullback.
        let x = try Tensor<Double>(shape: [2, 2], scalars: [1, -2, 0.5, 3])
        let w1 = try Tensor<Double>(shape: [2, 2], scalars: [0.1, 0.2, -0.3, 0.4]).requiringGrad()
        let b1 = Tensor<Double>([0.5, -0.5]).requiringGrad()
        let w2 = try Tensor<Double>(shape: [2, 1], scalars: [2, -1]).requiringGrad()
        let unused = Tensor<Double>([7]).requiringGrad()
        let loss = try (Tensor.matmul((Tensor.matmul(x, w1) + b1).tanh(), w2).sum() + w1.sum())
        var reports: [(index: Int, grad: [Double]?)] = []
        loss.backward(watching: [w1, b1, w2, unused]) { i in
            reports.append((i, [w1, b1, w2, unused][i].grad?.scalars))
        }
        XCTAssertEqual(reports.map(\.index), [2, 1, 0], "w2, then b1, then w1 after the first product; unused never")
        for (i, grad) in reports {
            XCTAssertEqual(grad, [w1, b1, w2][i].grad?.scalars, "leaf \(i) changed after it was reported")
        }
        // The same gradients as an unwatched backward.
        let again = [w1, b1, w2].map(\.detached).map { $0.requiringGrad() }
        try (Tensor.matmul((Tensor.matmul(x, again[0]) + again[1]).tanh(), again[2]).sum() + again[0].sum()).backward()
        for i in 0..<3 { XCTAssertEqual(again[i].grad?.scalars, [w1, b1, w2][i].grad?.scalars) }
        XCTAssertNil(unused.grad)
    }

    func testWatchedRootLeafIsReportedWithTheSeed() {
        let x = Tensor<Double>([3]).requiringGrad()
        var reported: [Int] = []
        x.backward(watching: [x]) { reported.append($0) }
        XCTAssertEqual(reported, [0])
        XCTAssertEqual(x.grad?.scalars, [1])
    }

    /// `x²` recorded with a deliberately wrong pullback: `3x` instead of `2x`.
    func wrongSquare(_ x: Tensor<Double>) -> Tensor<Double> {
        x.unary(label: "wrong square", { $0 * $0 }, derivative: { x, _ in 3 * x })
    }

    /// `x²` recorded with its pullback, `2x`.
    func square(_ x: Tensor<Double>) -> Tensor<Double> {
        x.unary(label: "square", { $0 * $0 }, derivative: { x, _ in 2 * x })
    }

    func testGradientCheckHarnessCatchesAWrongPullback() throws {
        let x = randomTensor([5], seed: 3)
        let wrong = try gradientProblems([x]) { wrongSquare($0[0]) }
        XCTAssertEqual(wrong.count, 5, "every element of the wrong pullback is reported: \(wrong)")
        XCTAssertEqual(try gradientProblems([x]) { square($0[0]) }, [], "the right pullback passes")
    }
}

final class ReadmeExampleTests: XCTestCase {
    /// The README's first example, kept compiling and checked by hand: y = tanh(x·w),
    /// dL/dw[i][j] = x[i]·(1 − y[j]²).
    func testReadmeExample() throws {
        let x = Tensor<Double>([1, 2, 3]).requiringGrad()
        let w = try Tensor<Double>(shape: [3, 2], scalars: [1, 0, 0, 1, 1, 1]).requiringGrad()
        let y = try Tensor.matmul(x.reshaped([1, 3]), w).tanh()
        y.sum().backward()
        let y0 = Foundation.tanh(4.0), y1 = Foundation.tanh(5.0)
        assertClose(w.grad!.scalars, [1 * (1 - y0 * y0), 1 * (1 - y1 * y1),
                                      2 * (1 - y0 * y0), 2 * (1 - y1 * y1),
                                      3 * (1 - y0 * y0), 3 * (1 - y1 * y1)], rtol: 1e-12, atol: 1e-12)
    }
}
