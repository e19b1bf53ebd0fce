/// The kernels that run one dot-product attention call, chosen in this one place: Heed's tiled
/// kernels (``FlashAttention``) for `Float` on a CPU with AVX2 + FMA or AVX-512F
/// (``Heed/attentionKernel``), else the OpenBLAS kernels (``AttentionKernel``): for `Double`,
/// for calls that return the weights or drop them by a given keep mask, and on other CPUs.
/// Both draw the same hashed dropout keep mask for the same seed.
enum AttentionPlan: Equatable, Sendable {
    case blas
    case tiled(level: Int)

    /// The kernels for a call on `Scalar` tensors that does or does not return its weights and
    /// does or does not drop them by a given keep mask.
    static func choose<Scalar: TensorScalar>(_ scalar: Scalar.Type, returnsWeights: Bool, keepMask: Bool = false) -> AttentionPlan {
        let level = FlashAttention.level
        guard scalar.runsTiledAttention, !returnsWeights, !keepMask, level > 0 else { return .blas }
        return .tiled(level: level)
    }
}
