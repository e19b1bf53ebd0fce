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

    func testGradientCheckHarnessCatchesAWrongPullback() throws {
        // A deliberately wrong op: forward x², pullback claims 3x.
        func wrongSquare(_ x: Tensor<Double>) -> Tensor<Double> {
            x.unary(label: "wrong", { $0 * $0 }, derivative: { x, _ in 3 * x })
        }
        let x = randomTensor([5], seed: 3).requiringGrad()
        let r = randomTensor([5], seed: 4)
        try (wrongSquare(x) * r).sum().backward()
        let analytic = x.grad!.scalars
        let numeric = zip(x.scalars, r.scalars).map { 2 * $0 * $1 }
        let mismatches = zip(analytic, numeric).filter { abs($0 - $1) > 1e-5 + 1e-3 * abs($1) }
        XCTAssertFalse(mismatches.isEmpty, "the tolerance used by checkGradients must reject a wrong derivative")
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
