/// When and how data-parallel `fit` sums the gradients of the processes (see
/// ``GradientSynchronizer/gradientExchange``).
///
/// Both give the same sums: every element is the sum of the same per-process values, so two
/// processes get bit-identical weights either way; with more processes an MPI library may add
/// the terms in another order for buffers of other sizes (differences of rounding only).
public enum GradientExchange: Equatable, Sendable {
    /// One fused all-reduce of every gradient after `backward()` has finished (the default).
    case afterBackward
    /// As PyTorch's DistributedDataParallel: the trainable weights, in reverse registration
    /// order (roughly the order backward finishes them), are grouped into buckets of at least
    /// `bucketBytes` (a larger weight fills a bucket alone). A non-blocking all-reduce of a
    /// bucket starts as soon as backward has finished all its gradients, while backward goes
    /// on with the layers below; buckets start in the same order on every process. After
    /// backward, `fit` starts what is left and waits for all.
    case overlapped(bucketBytes: Int = GradientExchange.defaultBucketBytes)

    /// 1 MiB: Heed's models are a few MB, so PyTorch's 25 MB would make one bucket of the
    /// whole model and nothing would overlap.
    public static let defaultBucketBytes = 1 << 20
}
