/// The gradient exchange of one data-parallel `fit`, as PyTorch DDP's reducer: the trainable
/// weights in buckets, each bucket summed over the processes by one all-reduce.
///
/// With ``GradientExchange/afterBackward`` there is one bucket, started after `backward`.
/// With ``GradientExchange/overlapped(bucketBytes:)`` `backward` reports each weight whose
/// gradient is final (``gradientFinal(_:)``) and a bucket starts as soon as all its weights
/// are, while `backward` goes on. Either way a bucket's buffer holds, per weight,
/// `share × gradient` (`share`: this process's fraction of the step's examples), then one
/// presence flag per weight; the last bucket (the first weights registered) ends with
/// `share × loss`. The buffers are kept from step to step.
final class GradientBuckets<S: TensorScalar> {
    private struct Bucket {
        /// Indices into `parameters`, and each one's offset in `buffer`.
        var members: [(parameter: Int, offset: Int)]
        let buffer: ReductionBuffer<S>
        /// Where the presence flags start.
        let flagsOffset: Int
        var unfinished = 0
        var reduction: (any PendingAllReduce)?
    }

    private let synchronizer: any GradientSynchronizer
    /// The trainable weights, in registration order.
    let parameters: [Parameter<S>]
    private var buckets: [Bucket] = []
    /// For each weight, its bucket and its place among the bucket's members.
    private let bucketOf: [Int], placeInBucket: [Int]
    private var finished: [Bool]
    /// The next bucket to start: buckets start strictly in order, on every process alike.
    private var nextToStart = 0
    /// The oldest bucket whose sum may not have arrived.
    private var oldestInFlight = 0
    private var share = 1.0
    /// The first communication error during `backward` (which cannot throw); `finishStep` throws it.
    private var failure: (any Error)?

    /// Buckets over `parameters` (the trainable weights in registration order) as
    /// ``GradientExchange/buckets(counts:scalarBytes:bucketBytes:)`` makes them.
    init(parameters: [Parameter<S>], bucketBytes: Int, synchronizer: any GradientSynchronizer) {
        self.synchronizer = synchronizer
        self.parameters = parameters
        var groups = GradientExchange.buckets(counts: parameters.map(\.value.count),
                                              scalarBytes: MemoryLayout<S>.stride, bucketBytes: bucketBytes)
        // The last bucket carries the loss: keep one even without trainable weights.
        if groups.isEmpty { groups = [[]] }
        var bucketOf = [Int](repeating: 0, count: parameters.count), placeInBucket = bucketOf
        for (b, group) in groups.enumerated() {
            var members: [(parameter: Int, offset: Int)] = []
            var offset = 0
            for (k, i) in group.enumerated() {
                members.append((i, offset))
                offset += parameters[i].value.count
                bucketOf[i] = b
                placeInBucket[i] = k
            }
            let isLast = b == groups.count - 1
            buckets.append(Bucket(members: members, buffer: ReductionBuffer(count: offset + group.count + (isLast ? 1 : 0)),
                                  flagsOffset: offset))
        }
        self.bucketOf = bucketOf
        self.placeInBucket = placeInBucket
        finished = Array(repeating: false, count: parameters.count)
    }

    /// The weights of each bucket, as indices into `parameters`, in the order they start.
    var bucketMembers: [[Int]] { buckets.map { $0.members.map(\.parameter) } }

    /// Gets ready for a step whose examples are `share` of all processes' (0 for a process
    /// without examples in this step, which still takes part with zeros).
    func beginStep(share: Double) {
        self.share = share
        nextToStart = 0
        oldestInFlight = 0
        failure = nil
        for b in buckets.indices {
            buckets[b].unfinished = buckets[b].members.count
            buckets[b].reduction = nil
        }
        for i in finished.indices { finished[i] = false }
        setLoss(0)
    }

    /// Sets this process's loss for the step; call it before `backward`, which may start the
    /// last bucket.
    func setLoss(_ loss: Double) {
        let last = buckets[buckets.count - 1].buffer
        last.scalars[last.count - 1] = S(loss * share)
    }

    /// The hook of `backward(watching:onGradientFinal:)`: weight `index` has its final
    /// gradient. Packs it, starts every bucket that is complete and next in order, and lets
    /// the ones in flight advance.
    func gradientFinal(_ index: Int) {
        guard !finished[index] else { return }
        finished[index] = true
        pack(index)
        buckets[bucketOf[index]].unfinished -= 1
        startCompleteBuckets()
        advanceInFlight()
    }

    /// Packs what `backward` has not reported (all weights after a plain `backward`, or those
    /// it did not reach), starts the buckets left, waits for every sum, and sets the gradients
    /// to them. Returns the loss summed over the processes (`Σ share × loss`).
    ///
    /// - Throws: the synchronizer's error when communication failed, here or during `backward`.
    func finishStep() throws -> Double {
        for i in finished.indices where !finished[i] {
            if let failure { throw failure }
            gradientFinal(i)
        }
        if let failure { throw failure }
        if nextToStart < buckets.count { startCompleteBuckets() }
        if let failure { throw failure }
        for b in buckets.indices {
            try buckets[b].reduction?.wait()
            let bucket = buckets[b]
            let values = UnsafeBufferPointer(bucket.buffer.scalars)
            for (k, member) in bucket.members.enumerated() {
                parameters[member.parameter].unpackGradient(from: values, at: member.offset,
                                                            present: values[bucket.flagsOffset + k])
            }
        }
        let last = buckets[buckets.count - 1].buffer
        return Double(last.scalars[last.count - 1])
    }

    private func pack(_ index: Int) {
        let bucket = buckets[bucketOf[index]], k = placeInBucket[index]
        bucket.buffer.scalars[bucket.flagsOffset + k] = parameters[index].packWeightedGradient(
            share: share, into: bucket.buffer.scalars, at: bucket.members[k].offset)
    }

    private func startCompleteBuckets() {
        while failure == nil, nextToStart < buckets.count, buckets[nextToStart].unfinished == 0 {
            do {
                buckets[nextToStart].reduction = try synchronizer.startAllReduceSum(buckets[nextToStart].buffer)
                nextToStart += 1
            } catch {
                failure = error
            }
        }
    }

    /// Non-blocking collectives advance only inside MPI calls on this thread: test the oldest
    /// one in flight (the library advances all of them in that call).
    private func advanceInFlight() {
        while failure == nil, oldestInFlight < nextToStart {
            do {
                guard try buckets[oldestInFlight].reduction?.test() ?? true else { return }
                oldestInFlight += 1
            } catch {
                failure = error
            }
        }
    }
}

extension Parameter {
    /// Writes `share × grad` (zeros without a gradient) at `offset` of `buffer` and returns the
    /// presence flag, 1 or 0.
    func packWeightedGradient(share: Double, into buffer: UnsafeMutableBufferPointer<Scalar>,
                              at offset: Int) -> Scalar {
        let count = value.count
        guard let g = grad else {
            (buffer.baseAddress! + offset).update(repeating: 0, count: count)
            return 0
        }
        let weight = Scalar(share)
        g.scalars.withUnsafeBufferPointer { src in
            if weight == 1 {
                for j in 0..<count { buffer[offset + j] = src[j] }
            } else {
                for j in 0..<count { buffer[offset + j] = src[j] * weight }
            }
        }
        return 1
    }

    /// Sets the gradient to the summed values at `offset` of `buffer`, or to none when no
    /// process had one (`present` summed to 0), as `backward` would leave it.
    func unpackGradient(from buffer: UnsafeBufferPointer<Scalar>, at offset: Int, present: Scalar) {
        value.node?.grad = present > 0
            ? Tensor(uncheckedShape: shape, scalars: Array(buffer[offset..<(offset + value.count)]))
            : nil
    }
}
