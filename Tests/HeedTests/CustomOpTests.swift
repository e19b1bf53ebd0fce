import XCTest
@testable import Heed

/// `Tensor.customOp`: user-defined differentiable operations, checked against finite differences.
final class CustomOpTests: XCTestCase {
    /// softplus(x) = log(1 + eˣ), whose derivative is sigmoid(x).
    private func softplus(_ x: Tensor<Double>) throws -> Tensor<Double> {
        try Tensor.customOp(inputs: [x], label: "softplus") { xs in
            (xs[0].exp() + 1).log()
        } pullback: { gradient, xs, _ in
            [try gradient * xs[0].sigmoid()]
        }
    }

    func testCustomOpGradientMatchesFiniteDifferences() throws {
        try checkGradients([randomTensor([2, 3, 4], seed: 11, low: -3, high: 3)]) { try softplus($0[0]) }
    }

    func testCustomOpPullbackMayUseTheResult() throws {
        // exp with the derivative read from the result.
        try checkGradients([randomTensor([3, 2], seed: 12)]) { xs in
            try Tensor.customOp(inputs: [xs[0]], label: "my_exp") { $0[0].exp() } pullback: { g, _, y in
                [try g * y]
            }
        }
    }

    func testCustomOpSumsABroadcastGradientBackToTheInputShape() throws {
        // a * b with b [4] broadcast over a [2, 3, 4]; b's gradient is returned at [2, 3, 4].
        try checkGradients([randomTensor([2, 3, 4], seed: 13), randomTensor([4], seed: 14)]) { xs in
            try Tensor.customOp(inputs: xs, label: "scale_rows") { try $0[0] * $0[1] } pullback: { g, inputs, _ in
                [try g * inputs[1], try g * inputs[0]]
            }
        }
    }

    func testCustomOpValueEqualsTheForwardComputation() throws {
        let x = try Tensor<Double>(shape: [3], scalars: [-1, 0, 2])
        let y = try softplus(x)
        assertClose(y.scalars, [Foundation.log(1 + Foundation.exp(-1.0)), Foundation.log(2.0), Foundation.log(1 + Foundation.exp(2.0))],
                    rtol: 1e-12, atol: 1e-12)
    }

    func testCustomOpRecordsNothingWithoutGrad() throws {
        let x = randomTensor([2], seed: 15).requiringGrad()
        let y = try withoutGrad { try softplus(x) }
        XCTAssertFalse(y.requiresGrad)
    }

    func testCustomOpNilGradientGivesTheInputNoGradient() throws {
        let a = randomTensor([2], seed: 16).requiringGrad(), b = randomTensor([2], seed: 17).requiringGrad()
        let y = try Tensor.customOp(inputs: [a, b], label: "first") { $0[0] } pullback: { g, _, _ in [g, nil] }
        y.sum().backward()
        XCTAssertEqual(a.grad?.scalars, [1, 1])
        XCTAssertNil(b.grad)
    }
}
