import XCTest
@testable import Heed

/// Direct-convolution reference (the SPEC formula as plain loops), channels last:
/// `y[b,t,f] = bias[f] + Σ_j Σ_c xp[b, t·s + j·d, g·Cg + c] · kernel[j, c, f]`.
private func referenceConv1D(
    _ x: Tensor<Double>, kernel: Tensor<Double>, bias: Tensor<Double>?, stride s: Int, dilation d: Int,
    padLeft: Int, padRight: Int, groups: Int
) -> Tensor<Double> {
    let (batch, length, cin) = (x.shape[0], x.shape[1], x.shape[2])
    let (k, cg, filters) = (kernel.shape[0], kernel.shape[1], kernel.shape[2])
    precondition(cg * groups == cin)
    let fg = filters / groups
    let outLength = (length + padLeft + padRight - (d * (k - 1) + 1)) / s + 1
    var out = [Double]()
    for b in 0..<batch {
        for t in 0..<outLength {
            for f in 0..<filters {
                let g = f / fg
                var sum = bias?[f] ?? 0
                for j in 0..<k {
                    let pos = t * s + j * d - padLeft
                    guard pos >= 0 && pos < length else { continue }
                    for c in 0..<cg { sum += x[b, pos, g * cg + c] * kernel[j, c, f] }
                }
                out.append(sum)
            }
        }
    }
    return try! Tensor(shape: [batch, outLength, filters], scalars: out)
}

/// TensorFlow's padding amounts, written out from the rule independently of `Padding`.
private func referencePadding(_ padding: Padding, length t: Int, k: Int, s: Int, d: Int) -> (Int, Int) {
    let e = d * (k - 1) + 1
    switch padding {
    case .valid: return (0, 0)
    case .causal: return (d * (k - 1), 0)
    case .same:
        let p = max((Int((Double(t) / Double(s)).rounded(.up)) - 1) * s + e - t, 0)
        return (p / 2, p - p / 2)
    }
}

final class Conv1DTests: XCTestCase {
    func testSamePaddingPutsOddZeroOnTheRight() {
        // SPEC §5 examples at stride 1.
        XCTAssertTrue(Padding.same.amounts(length: 10, kernelSize: 4, stride: 1, dilation: 1) == (1, 2))
        XCTAssertTrue(Padding.same.amounts(length: 10, kernelSize: 2, stride: 1, dilation: 1) == (0, 1))
        XCTAssertTrue(Padding.same.amounts(length: 10, kernelSize: 3, stride: 1, dilation: 1) == (1, 1))
        XCTAssertTrue(Padding.same.amounts(length: 10, kernelSize: 4, stride: 1, dilation: 3) == (4, 5))
    }

    func testSamePaddingWithStrideDependsOnLength() {
        XCTAssertTrue(Padding.same.amounts(length: 10, kernelSize: 3, stride: 2, dilation: 1) == (0, 1))
        XCTAssertTrue(Padding.same.amounts(length: 9, kernelSize: 3, stride: 2, dilation: 1) == (1, 1))
        XCTAssertTrue(Padding.same.amounts(length: 10, kernelSize: 4, stride: 2, dilation: 1) == (1, 1))
        XCTAssertTrue(Padding.same.amounts(length: 9, kernelSize: 4, stride: 2, dilation: 1) == (1, 2))
    }

    func testCausalPaddingIsDilatedKernelOnTheLeft() {
        XCTAssertTrue(Padding.causal.amounts(length: 10, kernelSize: 3, stride: 1, dilation: 2) == (4, 0))
        XCTAssertTrue(Padding.valid.amounts(length: 10, kernelSize: 3, stride: 1, dilation: 2) == (0, 0))
    }

    func testOutputLengthsFollowKerasRules() throws {
        let valid = try Conv1D<Float>(filters: 2, kernelSize: 4, strides: 3)
        XCTAssertEqual(try valid.outputLength(forInputLength: 10), 3)  // floor((10 − 4)/3) + 1
        let same = try Conv1D<Float>(filters: 2, kernelSize: 4, strides: 3, padding: .same)
        XCTAssertEqual(try same.outputLength(forInputLength: 10), 4)  // ceil(10/3)
        let causal = try Conv1D<Float>(filters: 2, kernelSize: 5, strides: 2, padding: .causal)
        XCTAssertEqual(try causal.outputLength(forInputLength: 9), 5)  // ceil(9/2)
    }

    func testGemmPathMatchesDirectConvolution() throws {
        let settings: [(stride: Int, dilation: Int)] = [(1, 1), (2, 1), (3, 1), (1, 2), (1, 3)]
        var seed: UInt64 = 100
        for padding in Padding.allCases {
            for (s, d) in settings {
                for groups in [1, 2] {
                    for k in [1, 2, 3, 4] {
                        for length in [7, 8] where length + (padding == .valid ? 0 : 1) >= d * (k - 1) + 1 {
                            seed += 1
                            let x = randomTensor([2, length, 4], seed: seed)
                            let kernel = randomTensor([k, 4 / groups, 6], seed: seed + 1000)
                            let bias = randomTensor([6], seed: seed + 2000)
                            let fast = try Conv1D<Double>.apply(x, kernel: kernel, bias: bias, strides: s, padding: padding,
                                                                dilationRate: d, groups: groups)
                            let (pl, pr) = referencePadding(padding, length: length, k: k, s: s, d: d)
                            let slow = referenceConv1D(x, kernel: kernel, bias: bias, stride: s, dilation: d,
                                                       padLeft: pl, padRight: pr, groups: groups)
                            XCTAssertEqual(fast.shape, slow.shape, "\(padding) s\(s) d\(d) g\(groups) k\(k) T\(length)")
                            assertClose(fast.scalars, slow.scalars, rtol: 1e-12, atol: 1e-12,
                                        "\(padding) s\(s) d\(d) g\(groups) k\(k) T\(length)")
                        }
                    }
                }
            }
        }
    }

    func testChannelsFirstMatchesTransposedChannelsLast() throws {
        let x = randomTensor([2, 7, 4], seed: 1)
        let kernel = randomTensor([3, 2, 4], seed: 2)
        let bias = randomTensor([4], seed: 3)
        let last = try Conv1D<Double>.apply(x, kernel: kernel, bias: bias, padding: .same, groups: 2)
        let first = try Conv1D<Double>.apply(x.transposed(1, 2), kernel: kernel, bias: bias, padding: .same,
                                             dataFormat: .channelsFirst, groups: 2)
        XCTAssertEqual(first.shape, [2, 4, 7])
        assertClose(try first.transposed(1, 2).scalars, last.scalars, rtol: 1e-12, atol: 1e-12)
    }

    func testCausalOutputIgnoresFutureInputs() throws {
        let x = randomTensor([1, 8, 2], seed: 4)
        var changed = x.scalars
        for i in (5 * 2)..<(8 * 2) { changed[i] += 10 }  // steps 5... change
        let kernel = randomTensor([3, 2, 2], seed: 5)
        let a = try Conv1D<Double>.apply(x, kernel: kernel, bias: nil, padding: .causal, dilationRate: 2)
        let b = try Conv1D<Double>.apply(Tensor(shape: x.shape, scalars: changed), kernel: kernel, bias: nil,
                                         padding: .causal, dilationRate: 2)
        assertClose(Array(a.scalars[0..<(5 * 2)]), Array(b.scalars[0..<(5 * 2)]), rtol: 0, atol: 0)
        XCTAssertNotEqual(a.scalars[5 * 2], b.scalars[5 * 2])
    }

    func testWeightsAreCreatedLazilyWithKerasShapes() throws {
        let layer = try Conv1D<Float>(filters: 6, kernelSize: 3, groups: 2, seed: 9)
        XCTAssertTrue(layer.parameters.isEmpty)
        let y = try layer(Tensor<Float>.ones([2, 5, 4]))
        XCTAssertEqual(y.shape, [2, 3, 6])
        XCTAssertEqual(layer.namedParameters.map(\.name), ["conv1d/kernel", "conv1d/bias"])
        XCTAssertEqual(layer.parameters.map(\.shape), [[3, 2, 6], [6]])
        // glorot_uniform with tf-keras fans: fan_in = 3·2, fan_out = 3·6.
        let limit = Float((6.0 / Double(6 + 18)).squareRoot())
        XCTAssertTrue(layer.kernel?.value.scalars.allSatisfy { abs($0) <= limit } ?? false)
        XCTAssertEqual(layer.bias?.value.scalars, [0, 0, 0, 0, 0, 0])
    }

    func testNoBiasCreatesOnlyTheKernel() throws {
        let layer = try Conv1D<Float>(filters: 2, kernelSize: 3, useBias: false)
        try layer.build(inputShape: [1, 5, 3])
        XCTAssertEqual(layer.parameters.map(\.path), ["kernel"])
    }

    func testIncomingMaskIsDropped() throws {
        let layer = try Conv1D<Float>(filters: 2, kernelSize: 3, padding: .same)
        let masked = MaskedTensor(Tensor<Float>.ones([1, 4, 3]), mask: Mask(filled: true, shape: [1, 4]))
        let y = try layer(masked)
        XCTAssertNil(y.mask)
        XCTAssertEqual(y.tensor.shape, [1, 4, 2])
    }

    func testFiltersNotDivisibleByGroupsThrows() {
        XCTAssertThrowsError(try Conv1D<Float>(filters: 5, kernelSize: 3, groups: 2)) { error in
            XCTAssertTrue("\(error)".contains("filters (5) must be divisible by groups (2)"), "\(error)")
        }
    }

    func testInputChannelsNotDivisibleByGroupsThrows() throws {
        let layer = try Conv1D<Float>(filters: 4, kernelSize: 3, groups: 2)
        XCTAssertThrowsError(try layer(Tensor<Float>.ones([1, 6, 3]))) { error in
            XCTAssertTrue("\(error)".contains("input channels (3)"), "\(error)")
        }
    }

    func testStridesWithDilationThrows() {
        XCTAssertThrowsError(try Conv1D<Float>(filters: 2, kernelSize: 3, strides: 2, dilationRate: 2)) { error in
            XCTAssertTrue("\(error)".contains("cannot be combined"), "\(error)")
        }
    }

    func testValidInputShorterThanKernelThrows() throws {
        let layer = try Conv1D<Float>(filters: 2, kernelSize: 3, dilationRate: 2)
        XCTAssertThrowsError(try layer(Tensor<Float>.ones([1, 4, 3]))) { error in
            XCTAssertTrue("\(error)".contains("effective kernel length 5"), "\(error)")
        }
    }

    func testNonPositiveSizesThrow() {
        XCTAssertThrowsError(try Conv1D<Float>(filters: 0, kernelSize: 3))
        XCTAssertThrowsError(try Conv1D<Float>(filters: 2, kernelSize: 0))
    }

    func testWrongRankInputThrows() throws {
        let layer = try Conv1D<Float>(filters: 2, kernelSize: 3)
        XCTAssertThrowsError(try layer(Tensor<Float>.ones([4, 3])))
    }
}
