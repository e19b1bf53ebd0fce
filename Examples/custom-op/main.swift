// Defining new differentiable operations with `Tensor.customOp` and checking their gradients
// against central finite differences in Double precision.
//
//     swift run -c release custom-op

import Foundation
import Heed

BLASKernelCheck.restartWithBetterKernelIfNeeded()

extension Tensor {
    /// softplus(x) = log(1 + eˣ), computed by a hand-written loop; its derivative is sigmoid(x).
    func softplus() throws -> Tensor {
        try Tensor.customOp(inputs: [self], label: "softplus") { xs in
            // Forward: any code, here a plain loop (log1p(eˣ) written stably for large x).
            let values = xs[0].scalars.map { x in x > 20 ? x : Scalar.log(1 + Scalar.exp(x)) }
            return try Tensor(shape: xs[0].shape, scalars: values)
        } pullback: { gradient, xs, _ in
            // dL/dx = dL/dy · sigmoid(x)
            [try gradient * xs[0].sigmoid()]
        }
    }

    /// log Σ exp(x) over the last axis, `[..., n]` → `[...]`; its gradient is the softmax.
    func logSumExp() throws -> Tensor {
        try Tensor.customOp(inputs: [self], label: "logsumexp") { xs in
            let m = try xs[0].max(alongAxis: -1, keepDims: true)
            return try ((xs[0] - m).exp().sum(alongAxis: -1, keepDims: true).log() + m).squeezingShape(at: -1)
        } pullback: { gradient, xs, _ in
            [try gradient.expandingShape(at: -1) * xs[0].softmax(alongAxis: -1)]
        }
    }

    /// The squared distance between the rows of `self` `[n, d]` and of `other` `[m, d]`:
    /// `[n, m]`, a two-input op.
    func squaredDistances(to other: Tensor) throws -> Tensor {
        try Tensor.customOp(inputs: [self, other], label: "squared_distances") { xs in
            let (a, b) = (xs[0], xs[1])
            let aa = try a.squared().sum(alongAxis: 1, keepDims: true)                 // [n, 1]
            let bb = try b.squared().sum(alongAxis: 1).reshaped([1, -1])             // [1, m]
            return try aa + bb - Tensor.matmul(a, b, transposeB: true) * 2
        } pullback: { g, xs, _ in
            // d/da_i = Σ_j 2 g_ij (a_i − b_j);  d/db_j = Σ_i 2 g_ij (b_j − a_i)
            let (a, b) = (xs[0], xs[1])
            let rowSums = try g.sum(alongAxis: 1, keepDims: true), columnSums = try g.sum(alongAxis: 0).reshaped([-1, 1])
            let da = try (a * rowSums - Tensor.matmul(g, b)) * 2
            let db = try (b * columnSums - Tensor.matmul(g, a, transposeA: true)) * 2
            return [da, db]
        }
    }
}

/// The largest |analytic − numeric| gradient difference of `L = Σ f(inputs) ⊙ R`, for a fixed
/// random cotangent `R`, over every element of every input.
func maxGradientError(_ inputs: [Tensor<Double>], _ f: ([Tensor<Double>]) throws -> Tensor<Double>) throws -> Double {
    let leaves = inputs.map { $0.requiringGrad() }
    let output = try f(leaves)
    var g = SeededGenerator(seed: 99)
    let r = Tensor<Double>.randomUniform(output.shape, low: -1, high: 1, generator: &g)
    try (output * r).sum().backward()
    let h = 1e-6
    var worst = 0.0
    for (i, input) in inputs.enumerated() {
        let analytic = leaves[i].grad?.scalars ?? Array(repeating: 0, count: input.count)
        for j in 0..<input.count {
            func loss(shift: Double) throws -> Double {
                var xs = inputs
                var scalars = input.scalars
                scalars[j] += shift
                xs[i] = try Tensor(shape: input.shape, scalars: scalars)
                return try withoutGrad { try (f(xs) * r).sum().scalar }
            }
            let numeric = (try loss(shift: h) - loss(shift: -h)) / (2 * h)
            worst = max(worst, abs(analytic[j] - numeric))
        }
    }
    return worst
}

do {
    var g = SeededGenerator(seed: 1)
    let x = Tensor<Double>.randomUniform([3, 5], low: -3, high: 3, generator: &g)
    let y = Tensor<Double>.randomUniform([4, 5], low: -1, high: 1, generator: &g)

    // Forward values agree with the same formula written with built-in ops.
    let reference = (x.exp() + 1).log()
    let valueError = zip(try x.softplus().scalars, reference.scalars).map { abs($0 - $1) }.max() ?? 0
    print("softplus          shape \(try x.softplus().shape)  max value error vs built-in ops \(valueError)")

    var allGood = true
    for (name, inputs, f) in [
        ("softplus", [x], { (xs: [Tensor<Double>]) in try xs[0].softplus() }),
        ("logsumexp", [x], { (xs: [Tensor<Double>]) in try xs[0].logSumExp() }),
        ("squared_distances", [x, y], { (xs: [Tensor<Double>]) in try xs[0].squaredDistances(to: xs[1]) }),
    ] as [(String, [Tensor<Double>], ([Tensor<Double>]) throws -> Tensor<Double>)] {
        let error = try maxGradientError(inputs, f)
        let ok = error < 1e-6
        allGood = allGood && ok
        print("\(name.padding(toLength: 18, withPad: " ", startingAt: 0))gradient check: max |analytic − numeric| = \(String(format: "%.2e", error)) \(ok ? "ok" : "TOO LARGE")")
    }

    // A custom op takes part in training like any other: gradient descent on Σ (softplus(w) − 0.5)².
    var w = Tensor<Double>.randomUniform([5], low: -1, high: 1, generator: &g).requiringGrad(label: "w")
    for _ in 0..<50 {
        let loss = try (w.softplus() - 0.5).squared().sum()
        loss.backward()
        guard let grad = w.grad else { break }
        w = try (w.detached - grad * 0.5).requiringGrad(label: "w")
    }
    print("fitting softplus(w) = 0.5: w ≈ \(w.scalars.map { ($0 * 1e4).rounded() / 1e4 }) (log(e^0.5 − 1) = \(((Foundation.log(Foundation.exp(0.5) - 1)) * 1e4).rounded() / 1e4))")
    if !allGood { exit(1) }
} catch {
    print("custom-op failed: \(error)")
    exit(1)
}
