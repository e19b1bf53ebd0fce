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

    /// The buckets that ``overlapped(bucketBytes:)`` makes of trainable weights of `counts`
    /// scalars each (in registration order), `scalarBytes` bytes per scalar: the weights'
    /// indices, bucket by bucket, in the order the buckets start. Weights join the current
    /// bucket from the last one registered backwards, and a bucket closes once it holds
    /// `bucketBytes` or more.
    public static func buckets(counts: [Int], scalarBytes: Int, bucketBytes: Int) -> [[Int]] {
        var groups: [[Int]] = []
        var current: [Int] = [], bytes = 0
        for i in counts.indices.reversed() {
            current.append(i)
            bytes += counts[i] * scalarBytes
            if bytes >= bucketBytes {
                groups.append(current)
                current = []
                bytes = 0
            }
        }
        if !current.isEmpty { groups.append(current) }
        return groups
    }
}
