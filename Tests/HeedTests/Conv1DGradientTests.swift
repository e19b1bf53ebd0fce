import XCTest
@testable import Heed

/// Finite-difference checks of Conv1D's gradients with respect to the input, the kernel and the
/// bias, over the padding, stride, dilation, group, layout and bias options.
final class Conv1DGradientTests: XCTestCase {
    private func check(
        padding: Padding, strides: Int = 1, dilation: Int = 1, groups: Int = 1, kernelSize: Int = 3,
        length: Int = 7, dataFormat: DataFormat = .channelsLast, useBias: Bool = true,
        activation: Activation = .linear, file: StaticString = #filePath, line: UInt = #line
    ) throws {
        let cin = 4, filters = 4
        let xShape = dataFormat == .channelsLast ? [2, length, cin] : [2, cin, length]
        var inputs = [randomTensor(xShape, seed: 1), randomTensor([kernelSize, cin / groups, filters], seed: 2)]
        if useBias { inputs.append(randomTensor([filters], seed: 3)) }
        try checkGradients(inputs, file: file, line: line) { xs in
            try Conv1D<Double>.apply(xs[0], kernel: xs[1], bias: useBias ? xs[2] : nil, strides: strides,
                                     padding: padding, dataFormat: dataFormat, dilationRate: dilation,
                                     groups: groups, activation: activation)
        }
    }

    private let strideDilation: [(Int, Int)] = [(1, 1), (2, 1), (1, 2)]

    func testValidPaddingGradients() throws {
        for (s, d) in strideDilation { try check(padding: .valid, strides: s, dilation: d) }
    }

    func testSamePaddingGradients() throws {
        for (s, d) in strideDilation { try check(padding: .same, strides: s, dilation: d) }
        try check(padding: .same, strides: 2, kernelSize: 4, length: 9)
    }

    func testCausalPaddingGradients() throws {
        for (s, d) in strideDilation { try check(padding: .causal, strides: s, dilation: d) }
    }

    func testGroupedGradients() throws {
        for padding in Padding.allCases { try check(padding: padding, groups: 2) }
        try check(padding: .causal, strides: 2, groups: 4, kernelSize: 2)
    }

    func testChannelsFirstGradients() throws {
        try check(padding: .same, dataFormat: .channelsFirst)
        try check(padding: .valid, strides: 2, groups: 2, dataFormat: .channelsFirst)
    }

    func testGradientsWithoutBias() throws {
        try check(padding: .valid, useBias: false)
        try check(padding: .causal, dilation: 2, groups: 2, useBias: false)
    }

    func testGradientsThroughActivation() throws {
        try check(padding: .same, activation: .tanh)
    }

    func testKernelSizeOneGradients() throws {
        try check(padding: .valid, strides: 2, kernelSize: 1)
    }
}
