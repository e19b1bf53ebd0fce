/// The kernels that run one dot-product attention call, chosen in this one place.
///
/// - ``tiled(level:)``: Heed's tiled kernels (`heed_flash*.c`), for `Float` on a CPU with AVX2 +
///   FMA or AVX-512F (``Heed/attentionKernel``), when the weights are not returned: online
///   softmax, memory O(T·D), dropout inside.
/// - ``blas``: the OpenBLAS kernels (``AttentionKernel``), for `Double`, for calls that return
///   the weights, and on CPUs without AVX2: the weights `[B, Tq, Tv]` are formed block by block
///   or kept for the backward pass; no dropout.
///
/// Within the tiled kernels, ``FlashAttention/forPass(needsGradient:)`` decides per call
/// whether a training pass keeps the weights of short sequences (a memory budget of
/// ``FlashAttention/keptWeightsMaxBytes``) and the kernels' block sizes are theirs.
enum AttentionPlan: Equatable, Sendable {
    case blas
    case tiled(level: Int)

    /// The kernels for a call on `Scalar` tensors that does or does not return its weights.
    static func choose<Scalar: TensorScalar>(_ scalar: Scalar.Type, returnsWeights: Bool) -> AttentionPlan {
        let level = FlashAttention.level
        guard scalar.runsTiledAttention, !returnsWeights, level > 0 else { return .blas }
        return .tiled(level: level)
    }

    /// Whether these kernels apply attention dropout themselves.
    var runsDropout: Bool { self != .blas }
}
