import XCTest
@testable import Heed

/// Checks reverse-mode gradients against central finite differences, in Double: fails the
/// calling test once for each problem ``gradientProblems(_:seed:h:_:)`` finds.
func checkGradients(
    _ inputs: [Tensor<Double>], seed: UInt64 = 7, h: Double = 1e-6,
    file: StaticString = #filePath, line: UInt = #line,
    _ f: ([Tensor<Double>]) throws -> Tensor<Double>
) throws {
    for problem in try gradientProblems(inputs, seed: seed, h: h, f) {
        XCTFail(problem, file: file, line: line)
    }
}

/// The elements whose reverse-mode gradient disagrees with central finite differences, one
/// message each (empty when they all agree).
///
/// The scalar differentiated is `L = Σ f(inputs) ⊙ R` with a fixed random cotangent `R`, so every
/// output element and every input element is exercised. An element agrees when
/// `|analytic − numeric| ≤ 1e-5 + 1e-3·|numeric|`.
func gradientProblems(
    _ inputs: [Tensor<Double>], seed: UInt64 = 7, h: Double = 1e-6,
    _ f: ([Tensor<Double>]) throws -> Tensor<Double>
) throws -> [String] {
    let leaves = inputs.map { $0.requiringGrad() }
    let out = try f(leaves)
    var gen = SeededGenerator(seed: seed)
    let r = Tensor<Double>.randomUniform(out.shape, low: -1, high: 1, generator: &gen)
    let loss = try (out * r).sum()
    loss.backward()

    func lossValue(_ xs: [Tensor<Double>]) throws -> Double {
        try withoutGrad { try (f(xs) * r).sum().scalar }
    }
    var problems: [String] = []
    for (i, input) in inputs.enumerated() {
        let analytic = leaves[i].grad?.scalars ?? [Double](repeating: 0, count: input.count)
        guard analytic.count == input.count else {
            problems.append("gradient of input \(i) has \(analytic.count) elements, the input \(input.count)")
            continue
        }
        for j in 0..<input.count {
            var plus = inputs, minus = inputs
            plus[i] = try Tensor(shape: input.shape, scalars: input.scalars.enumerated().map { $0.offset == j ? $0.element + h : $0.element })
            minus[i] = try Tensor(shape: input.shape, scalars: input.scalars.enumerated().map { $0.offset == j ? $0.element - h : $0.element })
            let numeric = (try lossValue(plus) - lossValue(minus)) / (2 * h)
            if !(abs(analytic[j] - numeric) <= 1e-5 + 1e-3 * abs(numeric)) {
                problems.append("input \(i) element \(j): analytic \(analytic[j]) vs numeric \(numeric)")
            }
        }
    }
    return problems
}

/// A reproducible random Double tensor in `[low, high)`.
func randomTensor(_ shape: [Int], seed: UInt64, low: Double = -1, high: Double = 1) -> Tensor<Double> {
    var gen = SeededGenerator(seed: seed)
    return Tensor<Double>.randomUniform(shape, low: low, high: high, generator: &gen)
}

/// Asserts two scalar arrays agree within `|a − b| ≤ atol + rtol·|b|`.
func assertClose<S: BinaryFloatingPoint>(
    _ a: [S], _ b: [S], rtol: S = 1e-6, atol: S = 1e-6, _ message: String = "",
    file: StaticString = #filePath, line: UInt = #line
) {
    XCTAssertEqual(a.count, b.count, "count \(a.count) vs \(b.count) \(message)", file: file, line: line)
    for (i, (x, y)) in zip(a, b).enumerated() where !(abs(x - y) <= atol + rtol * abs(y)) {
        XCTFail("element \(i): \(x) vs \(y) \(message)", file: file, line: line)
        return
    }
}
