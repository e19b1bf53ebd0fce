import XCTest
@testable import Heed

/// Finite-difference checks of `Dense` in Double, with respect to the input, kernel and bias.
final class DenseGradientTests: XCTestCase {
    /// Checks every activation, with and without bias, on an input of `shape`.
    func checkEveryActivation(inputShape shape: [Int], file: StaticString = #filePath, line: UInt = #line) throws {
        for activation in Activation.allCases {
            for useBias in [true, false] {
                let layer = Dense<Double>(units: 3, activation: activation, useBias: useBias)
                var inputs = [randomTensor(shape, seed: 31), randomTensor([shape[shape.count - 1], 3], seed: 32)]
                if useBias { inputs.append(randomTensor([3], seed: 33)) }
                let before = testRun?.failureCount ?? 0
                try checkGradients(inputs, file: file, line: line) { xs in
                    try layer.apply(xs[0], kernel: xs[1], bias: useBias ? xs[2] : nil)
                }
                if (testRun?.failureCount ?? 0) > before {
                    XCTFail("failing: activation \(activation), bias \(useBias)", file: file, line: line)
                }
            }
        }
    }

    func testDenseGradientsOnRank2Input() throws {
        try checkEveryActivation(inputShape: [3, 4])
    }

    func testDenseGradientsOnRank3Input() throws {
        try checkEveryActivation(inputShape: [2, 3, 4])
    }

    func testDenseGradientsOnRank1Input() throws {
        let layer = Dense<Double>(units: 2, activation: .tanh)
        try checkGradients([randomTensor([4], seed: 34), randomTensor([4, 2], seed: 35), randomTensor([2], seed: 36)]) { xs in
            try layer.apply(xs[0], kernel: xs[1], bias: xs[2])
        }
    }

    func testDenseParameterGradientsReachTheLayersWeights() throws {
        // The same check through the layer's own parameters: compare with the functional form.
        let layer = Dense<Double>(units: 2, activation: .sigmoid)
        let x = randomTensor([2, 3, 4], seed: 37)
        try layer.build(inputShape: x.shape)
        let kernel = randomTensor([4, 2], seed: 38), bias = randomTensor([2], seed: 39)
        try layer.kernel?.assign(kernel)
        try layer.bias?.assign(bias)
        let r = randomTensor([2, 3, 2], seed: 40)
        try (layer(x) * r).sum().backward()
        let k = kernel.requiringGrad(), b = bias.requiringGrad()
        try (layer.apply(x, kernel: k, bias: b) * r).sum().backward()
        assertClose(layer.kernel?.grad?.scalars ?? [], k.grad?.scalars ?? [1], rtol: 1e-12, atol: 1e-12)
        assertClose(layer.bias?.grad?.scalars ?? [], b.grad?.scalars ?? [1], rtol: 1e-12, atol: 1e-12)
    }
}
