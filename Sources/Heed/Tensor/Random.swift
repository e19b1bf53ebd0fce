#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Heed's seeded random number generator: xoshiro256** seeded through SplitMix64.
///
/// It gives the same stream for the same seed on every platform and run, which is what makes
/// initial weights, shuffles and dropout masks reproducible.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var s: (UInt64, UInt64, UInt64, UInt64)

    /// A generator whose stream is determined by `seed`.
    public init(seed: UInt64) {
        var x = seed
        func splitmix() -> UInt64 {
            x &+= 0x9E37_79B9_7F4A_7C15
            var z = x
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        s = (splitmix(), splitmix(), splitmix(), splitmix())
    }

    @inline(__always)
    private static func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        let result = Self.rotl(s.1 &* 5, 7) &* 9
        let t = s.1 << 17
        s.2 ^= s.0
        s.3 ^= s.1
        s.1 ^= s.2
        s.0 ^= s.3
        s.2 ^= t
        s.3 = Self.rotl(s.3, 45)
        return result
    }

    /// A uniform value in `[0, 1)` with 53 random bits.
    public mutating func nextUnit() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }

    /// A uniform value in `[low, high)`.
    public mutating func nextUniform(_ low: Double, _ high: Double) -> Double {
        low + (high - low) * nextUnit()
    }

    /// A standard normal value (Box–Muller; one of the pair is used).
    public mutating func nextNormal() -> Double {
        var u1 = nextUnit()
        while u1 <= 0 { u1 = nextUnit() }
        let u2 = nextUnit()
        return (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
    }

    /// A uniform integer in `0..<upperBound` without modulo bias.
    public mutating func nextInt(below upperBound: Int) -> Int {
        precondition(upperBound > 0, "nextInt(below:) needs a positive bound")
        return Int(next(upperBound: UInt64(upperBound)))
    }
}

extension Tensor {
    /// Values drawn uniformly from `[low, high)`.
    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public static func randomUniform(
        _ shape: [Int], low: Scalar = 0, high: Scalar = 1, generator: inout SeededGenerator
    ) -> Tensor {
        let lo = Double(low), hi = Double(high)
        var values = [Scalar]()
        values.reserveCapacity(Shape.count(shape))
        for _ in 0..<Shape.count(shape) { values.append(Scalar(generator.nextUniform(lo, hi))) }
        return Tensor(uncheckedShape: shape, scalars: values)
    }

    /// Values drawn from a normal distribution.
    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public static func randomNormal(
        _ shape: [Int], mean: Scalar = 0, standardDeviation: Scalar = 1,
        generator: inout SeededGenerator
    ) -> Tensor {
        let m = Double(mean), sd = Double(standardDeviation)
        var values = [Scalar]()
        values.reserveCapacity(Shape.count(shape))
        for _ in 0..<Shape.count(shape) { values.append(Scalar(m + sd * generator.nextNormal())) }
        return Tensor(uncheckedShape: shape, scalars: values)
    }
}
