import XCTest
@testable import Heed

/// Gives a parameter the gradient `g` through a backward pass of `Σ w·g`.
func setGradient<S: TensorScalar>(_ p: Parameter<S>, _ g: [S]) throws {
    p.zeroGrad()
    try (p.value * Tensor(shape: p.shape, scalars: g)).sum().backward()
}

final class OptimizerTests: XCTestCase {
    func makeParameter(_ values: [Double], trainable: Bool = true) -> Parameter<Double> {
        Parameter(path: "w", value: Tensor(values), trainable: trainable)
    }

    func step(_ opt: Optimizer<Double>, _ p: Parameter<Double>, gradient: [Double]) throws {
        try setGradient(p, gradient)
        opt.apply(to: [("layer/w", p)])
    }

    func testSGDWithoutMomentumStepsDownTheGradient() throws {
        let p = makeParameter([1, -2])
        let opt = SGD<Double>(learningRate: 0.1)
        try step(opt, p, gradient: [0.5, -1])
        assertClose(p.value.scalars, [0.95, -1.9], rtol: 0, atol: 1e-15)
        try step(opt, p, gradient: [0.5, -1])
        assertClose(p.value.scalars, [0.9, -1.8], rtol: 0, atol: 1e-15)
    }

    func testSGDMomentumAccumulatesVelocity() throws {
        // m1 = −0.05, w = 0.95; m2 = −0.05 − 0.045 = −0.095, w = 0.855; m3 = −0.1355, w = 0.7195.
        let p = makeParameter([1])
        let opt = SGD<Double>(learningRate: 0.1, momentum: 0.9)
        let expected = [0.95, 0.855, 0.7195]
        for e in expected {
            try step(opt, p, gradient: [0.5])
            XCTAssertEqual(p.value.scalars[0], e, accuracy: 1e-12)
        }
    }

    func testSGDNesterovLooksAheadWithTheNewVelocity() throws {
        // w1 = 1 + (−0.05 + 0.9·−0.05) = 0.905; m2 = −0.095, w2 = 0.905 + (−0.05 − 0.0855) = 0.7695.
        let p = makeParameter([1])
        let opt = SGD<Double>(learningRate: 0.1, momentum: 0.9, nesterov: true)
        try step(opt, p, gradient: [0.5])
        XCTAssertEqual(p.value.scalars[0], 0.905, accuracy: 1e-12)
        try step(opt, p, gradient: [0.5])
        XCTAssertEqual(p.value.scalars[0], 0.7695, accuracy: 1e-12)
    }

    func testAdamThreeStepsMatchTheKerasFormula() throws {
        let p = makeParameter([1])
        let opt = Adam<Double>(learningRate: 0.1)
        // Step 1, g = 0.5: m = 0.05, v = 0.00025, α = 0.1·sqrt(0.001)/0.1.
        var m = 0.05, v = 0.00025
        var w = 1 - (0.1 * (0.001).squareRoot() / 0.1) * m / (v.squareRoot() + 1e-7)
        try step(opt, p, gradient: [0.5])
        XCTAssertEqual(p.value.scalars[0], w, accuracy: 1e-12)
        // Step 2, g = −0.25: m = 0.9·0.05 − 0.025 = 0.02, v = 0.999·0.00025 + 0.001·0.0625.
        m = 0.02
        v = 0.00024975 + 0.0000625
        w -= (0.1 * (1 - 0.998001).squareRoot() / (1 - 0.81)) * m / (v.squareRoot() + 1e-7)
        try step(opt, p, gradient: [-0.25])
        XCTAssertEqual(p.value.scalars[0], w, accuracy: 1e-12)
        // Step 3, g = 1: m = 0.018 + 0.1, v = 0.999·v + 0.001.
        m = 0.118
        v = 0.999 * v + 0.001
        w -= (0.1 * (1 - 0.997002999).squareRoot() / (1 - 0.729)) * m / (v.squareRoot() + 1e-7)
        try step(opt, p, gradient: [1])
        XCTAssertEqual(p.value.scalars[0], w, accuracy: 1e-12)
    }

    func testAdamAddsEpsilonToUncorrectedSquareRoot() throws {
        // With a large ε the "epsilon hat" form and the paper's form differ clearly.
        let p = makeParameter([0])
        let opt = Adam<Double>(learningRate: 0.1, epsilon: 0.1)
        try step(opt, p, gradient: [0.5])
        let hatForm = -(0.1 * (0.001).squareRoot() / 0.1) * 0.05 / ((0.00025).squareRoot() + 0.1)
        let paperForm = -0.1 * 0.5 / (0.5 + 0.1)
        XCTAssertEqual(p.value.scalars[0], hatForm, accuracy: 1e-12)
        XCTAssertGreaterThan(abs(p.value.scalars[0] - paperForm), 1e-3)
    }

    func testAdamAMSGradUsesRunningMaximumOfV() throws {
        // Step 1 g = 1: v = 0.001. Step 2 g = 0: v = 0.000999 < v̂ = 0.001, m = 0.09.
        let p = makeParameter([0])
        let opt = Adam<Double>(learningRate: 0.1, amsgrad: true)
        try step(opt, p, gradient: [1])
        var w = -(0.1 * (0.001).squareRoot() / 0.1) * 0.1 / ((0.001).squareRoot() + 1e-7)
        XCTAssertEqual(p.value.scalars[0], w, accuracy: 1e-12)
        try step(opt, p, gradient: [0])
        w -= (0.1 * (1 - 0.998001).squareRoot() / (1 - 0.81)) * 0.09 / ((0.001).squareRoot() + 1e-7)
        XCTAssertEqual(p.value.scalars[0], w, accuracy: 1e-12)
    }

    func testAdamWDecaysWeightsBeforeTheAdamStep() throws {
        // w ← 1 − 1·0.5·0.1 = 0.95, then the Adam step of g = 0.5.
        let p = makeParameter([1])
        let opt = AdamW<Double>(learningRate: 0.1, weightDecay: 0.5)
        try step(opt, p, gradient: [0.5])
        let expected = 0.95 - (0.1 * (0.001).squareRoot() / 0.1) * 0.05 / ((0.00025).squareRoot() + 1e-7)
        XCTAssertEqual(p.value.scalars[0], expected, accuracy: 1e-12)
        // Step 2, g = 0.5: decay by 0.95·0.05, then m = 0.095, v = 0.00049975.
        let w1 = expected * (1 - 0.05)
        let expected2 = w1 - (0.1 * (1 - 0.998001).squareRoot() / (1 - 0.81)) * 0.095 / ((0.00049975).squareRoot() + 1e-7)
        try step(opt, p, gradient: [0.5])
        XCTAssertEqual(p.value.scalars[0], expected2, accuracy: 1e-12)
    }

    func testRMSpropDefaultsTwoSteps() throws {
        // vel1 = 0.1·0.25 = 0.025; vel2 = 0.9·0.025 + 0.025 = 0.0475.
        let p = makeParameter([1])
        let opt = RMSprop<Double>(learningRate: 0.1)
        try step(opt, p, gradient: [0.5])
        let w1 = 1 - 0.5 * 0.1 / (0.025 + 1e-7).squareRoot()
        XCTAssertEqual(p.value.scalars[0], w1, accuracy: 1e-12)
        try step(opt, p, gradient: [0.5])
        XCTAssertEqual(p.value.scalars[0], w1 - 0.5 * 0.1 / (0.0475 + 1e-7).squareRoot(), accuracy: 1e-12)
    }

    func testRMSpropCenteredWithMomentumTwoSteps() throws {
        // Step 1 g = 1: vel = 0.1, avg = 0.1, den = 0.1 − 0.01 + ε, inc = 0.1/sqrt(den), mom = inc.
        // Step 2 g = −1: vel = 0.19, avg = 0.09 − 0.1 = −0.01, den = 0.19 − 0.0001 + ε.
        let p = makeParameter([0])
        let opt = RMSprop<Double>(learningRate: 0.1, momentum: 0.5, centered: true)
        try step(opt, p, gradient: [1])
        let inc1 = 0.1 / (0.09 + 1e-7).squareRoot()
        XCTAssertEqual(p.value.scalars[0], -inc1, accuracy: 1e-12)
        try step(opt, p, gradient: [-1])
        let inc2 = -0.1 / (0.1899 + 1e-7).squareRoot()
        let mom2 = 0.5 * inc1 + inc2
        XCTAssertEqual(p.value.scalars[0], -inc1 - mom2, accuracy: 1e-12)
    }

    func testNonTrainableParametersAreNotUpdated() throws {
        let p = makeParameter([1, 2], trainable: false)
        let opt = SGD<Double>(learningRate: 0.1)
        try step(opt, p, gradient: [1, 1])
        XCTAssertEqual(p.value.scalars, [1, 2])
    }

    func testClippingByValue() throws {
        let p = makeParameter([0, 0, 0])
        let opt = SGD<Double>(learningRate: 1, clipping: .byValue(0.5))
        try step(opt, p, gradient: [2, -0.25, -3])
        XCTAssertEqual(p.value.scalars, [-0.5, 0.25, 0.5])
    }

    func testClippingByNormIsPerTensor() throws {
        // |[3, 4]| = 5 → scaled to norm 1; |[0.3, 0.4]| = 0.5 stays.
        let a = makeParameter([0, 0]), b = Parameter<Double>(path: "b", value: Tensor([0, 0]))
        try setGradient(a, [3, 4])
        try setGradient(b, [0.3, 0.4])
        SGD<Double>(learningRate: 1, clipping: .byNorm(1)).apply(to: [("l/w", a), ("l/b", b)])
        assertClose(a.value.scalars, [-0.6, -0.8], rtol: 0, atol: 1e-15)
        assertClose(b.value.scalars, [-0.3, -0.4], rtol: 0, atol: 1e-15)
    }

    func testClippingByGlobalNormScalesAllTogether() throws {
        // Joint norm sqrt(9 + 16 + 0.09 + 0.16) = sqrt(25.25); scale 1/sqrt(25.25).
        let a = makeParameter([0, 0]), b = Parameter<Double>(path: "b", value: Tensor([0, 0]))
        try setGradient(a, [3, 4])
        try setGradient(b, [0.3, 0.4])
        SGD<Double>(learningRate: 1, clipping: .byGlobalNorm(1)).apply(to: [("l/w", a), ("l/b", b)])
        let s = 1 / (25.25).squareRoot()
        assertClose(a.value.scalars, [-3 * s, -4 * s], rtol: 0, atol: 1e-15)
        assertClose(b.value.scalars, [-0.3 * s, -0.4 * s], rtol: 0, atol: 1e-15)
    }

    func testExponentialDecaySchedule() {
        let smooth = LearningRateSchedule.exponentialDecay(initial: 0.1, decaySteps: 10, decayRate: 0.5)
        XCTAssertEqual(smooth.learningRate(atStep: 0), 0.1, accuracy: 1e-15)
        XCTAssertEqual(smooth.learningRate(atStep: 5), 0.1 * (0.5).squareRoot(), accuracy: 1e-15)
        XCTAssertEqual(smooth.learningRate(atStep: 20), 0.025, accuracy: 1e-15)
        let stairs = LearningRateSchedule.exponentialDecay(initial: 0.1, decaySteps: 10, decayRate: 0.5, staircase: true)
        XCTAssertEqual(stairs.learningRate(atStep: 9), 0.1, accuracy: 1e-15)
        XCTAssertEqual(stairs.learningRate(atStep: 15), 0.05, accuracy: 1e-15)
    }

    func testCosineDecayWithLinearWarmup() {
        let s = LearningRateSchedule.cosineDecay(initial: 0, decaySteps: 10, alpha: 0.1, warmupTarget: 1, warmupSteps: 4)
        XCTAssertEqual(s.learningRate(atStep: 0), 0, accuracy: 1e-15)
        XCTAssertEqual(s.learningRate(atStep: 2), 0.5, accuracy: 1e-15)
        XCTAssertEqual(s.learningRate(atStep: 4), 1, accuracy: 1e-15)
        // Halfway through the decay: cosine part 0.5 → 0.9·0.5 + 0.1.
        XCTAssertEqual(s.learningRate(atStep: 9), 0.55, accuracy: 1e-15)
        XCTAssertEqual(s.learningRate(atStep: 14), 0.1, accuracy: 1e-15)
        XCTAssertEqual(s.learningRate(atStep: 100), 0.1, accuracy: 1e-15)
    }

    func testScheduleIsEvaluatedAtTheStepCounterBeforeTheUpdate() throws {
        let p = makeParameter([0])
        let opt = SGD<Double>(schedule: .exponentialDecay(initial: 1, decaySteps: 1, decayRate: 0.5))
        try step(opt, p, gradient: [1])
        try step(opt, p, gradient: [1])
        XCTAssertEqual(p.value.scalars[0], -1.5, accuracy: 1e-15)
    }

    func testStateExportImportContinuesIdentically() throws {
        let a = makeParameter([1, 2]), b = makeParameter([1, 2])
        let optA = Adam<Double>(learningRate: 0.1), optB = Adam<Double>(learningRate: 0.1)
        try step(optA, a, gradient: [0.5, -1])
        try b.assign(a.value)
        try optB.importState(optA.exportState(parameters: [("layer/w", a)]), parameters: [("layer/w", b)])
        XCTAssertEqual(optB.iterations, 1)
        try step(optA, a, gradient: [0.3, 0.2])
        try step(optB, b, gradient: [0.3, 0.2])
        XCTAssertEqual(a.value.scalars, b.value.scalars)
    }

    func testStateImportRefusesMisshapedAndUnknownSlots() throws {
        let p = makeParameter([1, 2])
        let opt = Adam<Double>()
        let bad = OptimizerState<Double>(iterations: 1, slots: ["layer/w/m": Tensor([0, 0, 0]), "layer/w/v": Tensor([0, 0])])
        XCTAssertThrowsError(try opt.importState(bad, parameters: [("layer/w", p)])) { error in
            XCTAssertEqual(error as? OptimizerStateError, .slotShapeMismatch(name: "layer/w/m", expected: [2], got: [3]))
        }
        let extra = OptimizerState<Double>(iterations: 1, slots: ["other/w/m": Tensor([0, 0])])
        XCTAssertThrowsError(try opt.importState(extra, parameters: [("layer/w", p)])) { error in
            XCTAssertEqual(error as? OptimizerStateError, .unexpectedSlot("other/w/m"))
        }
        let partial = OptimizerState<Double>(iterations: 1, slots: ["layer/w/m": Tensor([0, 0])])
        XCTAssertThrowsError(try opt.importState(partial, parameters: [("layer/w", p)])) { error in
            XCTAssertEqual(error as? OptimizerStateError, .missingSlot("layer/w/v"))
        }
    }
}
