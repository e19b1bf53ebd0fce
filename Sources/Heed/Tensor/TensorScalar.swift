import CBLAS
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A floating-point element type that `Tensor` can hold: `Float` (for speed) or `Double`
/// (for gradient checks).
///
/// The requirements are the scalar math functions and the BLAS matrix product for the type,
/// so that generic tensor code reaches the right C routine without runtime type tests.
public protocol TensorScalar: BinaryFloatingPoint, Sendable, Codable
where RawSignificand: FixedWidthInteger {
    /// The name of the type in checkpoints and messages: `"float32"` or `"float64"`.
    static var dtypeName: String { get }
    /// `eˣ` (the C library's `exp`/`expf`).
    static func exp(_ x: Self) -> Self
    /// The natural logarithm of `x`.
    static func log(_ x: Self) -> Self
    /// The hyperbolic tangent of `x`.
    static func tanh(_ x: Self) -> Self
    /// The error function of `x` (for the exact GELU).
    static func erf(_ x: Self) -> Self
    /// `x` raised to the power `y`.
    static func pow(_ x: Self, _ y: Self) -> Self
    /// `C ← alpha · op(A) · op(B) + beta · C` for row-major matrices, as one BLAS `?gemm` call
    /// on the calling thread (OpenBLAS runs single-threaded; ``Heed/threads``). Kernels call
    /// ``gemm(transposeA:transposeB:m:n:k:alpha:a:lda:b:ldb:beta:c:ldc:)``, which splits large
    /// products over Heed's threads.
    static func blasGemm(
        transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Self,
        a: UnsafePointer<Self>, lda: Int, b: UnsafePointer<Self>, ldb: Int,
        beta: Self, c: UnsafeMutablePointer<Self>, ldc: Int)
    /// Whether Heed's tiled attention kernels (float32 only) can run this type.
    static var runsTiledAttention: Bool { get }
    /// The scalars as the tiled attention kernels read them: `Float`'s own array; the default
    /// converts each element.
    static func tiledAttentionInput(_ x: [Self]) -> [Float]
    /// The tiled attention kernels' results as this type: `Float`'s own array; the default
    /// converts each element.
    static func tiledAttentionOutput(_ x: [Float]) -> [Self]
    /// The softmax of one row of `count` scores, in place (the row maximum subtracted first).
    /// `Float` runs a vector kernel; the default is a plain loop.
    static func softmaxRow(_ row: UnsafeMutablePointer<Self>, count: Int)
    /// `g ← w ⊙ (g − Σ g ⊙ w)` over one row of `count`: the softmax backward, in place.
    static func softmaxBackwardRow(_ g: UnsafeMutablePointer<Self>, weights w: UnsafePointer<Self>, count: Int)
    /// One Adam step over `count` weights, in tf-keras' order and rounding:
    /// `m ← m + (g − m)·c1`, `v ← v + (g·g − v)·c2`, `w ← w − (m·alpha) / (√v + epsilon)`.
    /// `Float` runs a vector kernel that rounds every operation on its own, as the loop does.
    static func adamStep(weights w: UnsafeMutablePointer<Self>, m: UnsafeMutablePointer<Self>, v: UnsafeMutablePointer<Self>,
                         gradient g: UnsafePointer<Self>, count: Int, alpha: Self, c1: Self, c2: Self, epsilon: Self)
    /// The lower triangle (diagonal included) of `C ← alpha · A·Aᵀ` for a row-major `n × k`
    /// matrix `A` (BLAS `?syrk`), on the calling thread; the strict upper triangle of `C` is not
    /// written.
    static func syrkLower(n: Int, k: Int, alpha: Self, a: UnsafePointer<Self>, lda: Int,
                          c: UnsafeMutablePointer<Self>, ldc: Int)
}

@inline(__always)
private func blasTranspose(_ t: Bool) -> CBLAS_TRANSPOSE { t ? CblasTrans : CblasNoTrans }

/// `Float` tensors, through the C math library and BLAS `sgemm`.
extension Float: TensorScalar {
    /// `"float32"`.
    public static var dtypeName: String { "float32" }
    /// `eˣ`.
    @inline(__always) public static func exp(_ x: Float) -> Float { expf(x) }
    /// The natural logarithm.
    @inline(__always) public static func log(_ x: Float) -> Float { logf(x) }
    /// The hyperbolic tangent.
    @inline(__always) public static func tanh(_ x: Float) -> Float { tanhf(x) }
    /// The error function.
    @inline(__always) public static func erf(_ x: Float) -> Float { erff(x) }
    /// `x` to the power `y`.
    @inline(__always) public static func pow(_ x: Float, _ y: Float) -> Float { powf(x, y) }
    public static func blasGemm(
        transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Float,
        a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
        beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        Engine.start()
        cblas_sgemm(CblasRowMajor, blasTranspose(transposeA), blasTranspose(transposeB),
                    Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb),
                    beta, c, Int32(ldc))
    }
    /// The lower triangle of `alpha · A·Aᵀ` (`ssyrk`).
    public static func syrkLower(n: Int, k: Int, alpha: Float, a: UnsafePointer<Float>, lda: Int,
                                 c: UnsafeMutablePointer<Float>, ldc: Int) {
        Engine.start()
        cblas_ssyrk(CblasRowMajor, CblasLower, CblasNoTrans, Int32(n), Int32(k), alpha, a, Int32(lda),
                    0, c, Int32(ldc))
    }
}

// File-scope wrappers, so that the C functions are not shadowed by the static members below.
@inline(__always) private func cExp(_ x: Double) -> Double { exp(x) }
@inline(__always) private func cLog(_ x: Double) -> Double { log(x) }
@inline(__always) private func cTanh(_ x: Double) -> Double { tanh(x) }
@inline(__always) private func cErf(_ x: Double) -> Double { erf(x) }
@inline(__always) private func cPow(_ x: Double, _ y: Double) -> Double { pow(x, y) }

/// `Double` tensors, through the C math library and BLAS `dgemm`.
extension Double: TensorScalar {
    /// `"float64"`.
    public static var dtypeName: String { "float64" }
    /// `eˣ`.
    @inline(__always) public static func exp(_ x: Double) -> Double { cExp(x) }
    /// The natural logarithm.
    @inline(__always) public static func log(_ x: Double) -> Double { cLog(x) }
    /// The hyperbolic tangent.
    @inline(__always) public static func tanh(_ x: Double) -> Double { cTanh(x) }
    /// The error function.
    @inline(__always) public static func erf(_ x: Double) -> Double { cErf(x) }
    /// `x` to the power `y`.
    @inline(__always) public static func pow(_ x: Double, _ y: Double) -> Double { cPow(x, y) }
    public static func blasGemm(
        transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Double,
        a: UnsafePointer<Double>, lda: Int, b: UnsafePointer<Double>, ldb: Int,
        beta: Double, c: UnsafeMutablePointer<Double>, ldc: Int
    ) {
        Engine.start()
        cblas_dgemm(CblasRowMajor, blasTranspose(transposeA), blasTranspose(transposeB),
                    Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb),
                    beta, c, Int32(ldc))
    }
    /// The lower triangle of `alpha · A·Aᵀ` (`dsyrk`).
    public static func syrkLower(n: Int, k: Int, alpha: Double, a: UnsafePointer<Double>, lda: Int,
                                 c: UnsafeMutablePointer<Double>, ldc: Int) {
        Engine.start()
        cblas_dsyrk(CblasRowMajor, CblasLower, CblasNoTrans, Int32(n), Int32(k), alpha, a, Int32(lda),
                    0, c, Int32(ldc))
    }
}
