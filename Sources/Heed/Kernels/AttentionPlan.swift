/// The kernels that run one dot-product attention call, chosen in this one place.
///
/// - ``tiled(level:)``: Heed's tiled kernels (`heed_flash*.c`), for `Float` on a CPU with AVX2 +
///   FMA or AVX-512F (``Heed/attentionKernel``), when the weights are not returned: online
///   softmax, memory O(T·D), dropout inside.
/// - ``blas``: the OpenBLAS kernels (``AttentionKernel``), for `Double`, for calls that return
///   the weights or drop them by a given keep mask, and on CPUs without AVX2: the weights
///   `[B, Tq, Tv]` are formed block by block or kept for the backward pass.
///
/// Both apply dropout, with the same hashed keep mask for the same seed. Within the tiled
/// kernels, ``FlashAttention/forPass(needsGradient:)`` decides per call whether a training pass
/// keeps the weights of short sequences (a memory budget of ``FlashAttention/keptWeightsMaxBytes``)
/// and ``FlashAttention/queryBlock(causal:)`` the query block.
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
