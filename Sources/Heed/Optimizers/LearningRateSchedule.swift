#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A learning rate as a function of the optimizer's step counter (Keras' `iterations`, 0 for
/// the first update), with Keras' schedule formulas.
public enum LearningRateSchedule: Sendable, Equatable {
    /// The same rate at every step.
    case constant(Double)
    /// `initial · rate^(step / decaySteps)`; with `staircase` the exponent is floored
    /// (Keras `ExponentialDecay`).
    case exponentialDecay(initial: Double, decaySteps: Int, decayRate: Double, staircase: Bool = false)
    /// Linear warm-up from `initial` to `warmupTarget` over `warmupSteps`, then cosine decay of
    /// the peak to `alpha ·` peak over `decaySteps` (Keras `CosineDecay`; without a warm-up
    /// target the peak is `initial` and there is no warm-up).
    case cosineDecay(initial: Double, decaySteps: Int, alpha: Double = 0, warmupTarget: Double? = nil,
                     warmupSteps: Int = 0)

    /// The learning rate for the update made at `step` (0-based).
    public func learningRate(atStep step: Int) -> Double {
        switch self {
        case let .constant(rate):
            return rate
        case let .exponentialDecay(initial, decaySteps, decayRate, staircase):
            var p = Double(step) / Double(decaySteps)
            if staircase { p = p.rounded(.down) }
            return initial * Foundation_pow(decayRate, p)
        case let .cosineDecay(initial, decaySteps, alpha, warmupTarget, warmupSteps):
            func decay(_ s: Double, from peak: Double) -> Double {
                let cosine = 0.5 * (1 + cos(Double.pi * s / Double(decaySteps)))
                return peak * ((1 - alpha) * cosine + alpha)
            }
            guard let target = warmupTarget else {
                return decay(min(Double(step), Double(decaySteps)), from: initial)
            }
            let s = min(Double(step), Double(decaySteps + warmupSteps))
            if s < Double(warmupSteps) {
                return (target - initial) * (s / Double(warmupSteps)) + initial
            }
            return decay(s - Double(warmupSteps), from: target)
        }
    }
}

@inline(__always) private func Foundation_pow(_ x: Double, _ y: Double) -> Double { pow(x, y) }
