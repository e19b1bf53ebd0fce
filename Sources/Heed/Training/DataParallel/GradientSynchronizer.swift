/// The collective operations that data-parallel training needs between processes that each
/// hold a full copy of the model (an MPI communicator, for instance).
///
/// Set one as ``Model/synchronizer`` and `fit` and `evaluate` run across all processes:
/// - at the start of `fit` every process checks that the others train the same thing (example
///   count, batch size, epochs, weight count) and takes process 0's weights (one
///   ``broadcast(_:fromRank:)``);
/// - each step's examples are `batchSize × processCount` consecutive entries of the epoch's
///   permutation, which is the same on every process (it depends on `seed` and the epoch alone);
///   process `rank` takes the `rank`-th run of `batchSize` of them;
/// - after `backward()` and before clipping and the optimizer step, the gradients of all
///   trainable weights, their presence flags and the batch loss go through ONE all-reduce
///   (``startAllReduceSum(_:)``, then waiting for it) of a flat buffer. Each process weights its
///   gradient by its share of the step's examples, so the sum is the gradient of the mean loss
///   over the whole step, exactly as one process would compute it with the whole batch; the
///   optimizer then makes the same update everywhere. With ``gradientExchange`` `.overlapped`,
///   the same values go through one all-reduce per bucket of weights instead, each started
///   during `backward()` as soon as its gradients are final;
/// - the loss and metrics in the logs are over the examples of all processes (metrics merge all
///   processes' predictions with ``allGather(_:)`` at the end of each epoch), and `evaluate` splits
///   the data into one contiguous shard per process and merges the same way;
/// - only process 0 writes progress, messages and checkpoints through the training context.
///   Callbacks run on every process (so that early stopping decides the same everywhere);
///   callbacks that write files themselves (``CSVLogger``) belong on process 0 only.
///
/// Every method is collective: all processes must call it in the same order, or they wait for
/// each other forever (an implementation should time out and throw instead). So is `fit` and
/// `evaluate` of a model with a synchronizer: to evaluate on one process alone, set
/// ``Model/synchronizer`` to `nil` first. During an epoch the progress bar shows the running
/// loss of all processes but the running metrics of process 0's examples; the epoch's logs
/// are over all processes. Layers that draw random numbers (dropout) draw the same sequence on
/// every process unless seeded per rank.
public protocol GradientSynchronizer: AnyObject {
    /// This process's index in `0..<processCount`; process 0 reports and writes checkpoints.
    var rank: Int { get }
    /// The number of processes training together.
    var processCount: Int { get }

    /// Replaces `buffer` on every process by its contents on process `root`.
    ///
    /// Shapes: `buffer` has the same length on every process.
    /// - Throws: an implementation's error when communication fails or times out.
    func broadcast<S: TensorScalar>(_ buffer: inout [S], fromRank root: Int) throws

    /// Replaces `buffer` on every process by the elementwise sum of all processes' buffers.
    ///
    /// Shapes: `buffer` has the same length on every process.
    /// - Throws: an implementation's error when communication fails or times out.
    func allReduceSum<S: TensorScalar>(_ buffer: inout [S]) throws

    /// Every process's `values` (lengths may differ), indexed by rank.
    ///
    /// - Throws: an implementation's error when communication fails or times out.
    func allGather(_ values: [Double]) throws -> [[Double]]

    /// When `fit` sums the gradients: after `backward()` in one fused all-reduce (the default),
    /// or bucket by bucket while `backward()` runs.
    var gradientExchange: GradientExchange { get }

    /// Starts replacing `buffer` on every process by the elementwise sum of all processes'
    /// buffers and returns without waiting for it, when the implementation can; the sum is
    /// there once the returned operation has finished. The default runs
    /// ``allReduceSum(_:)`` to the end before returning.
    ///
    /// Non-blocking all-reduces must be started in the same order on every process, as every
    /// collective; several may be in flight at once.
    ///
    /// Shapes: `buffer` has the same length on every process.
    /// - Throws: an implementation's error when communication fails.
    func startAllReduceSum<S: TensorScalar>(_ buffer: ReductionBuffer<S>) throws -> any PendingAllReduce
}

/// An error of data-parallel training that is not the communication's own.
public enum DataParallelError: Error, Equatable, CustomStringConvertible, Sendable {
    /// A process was asked to train something other than what process 0 trains.
    case processesDisagree(rank: Int, setting: String, local: Double, rankZero: Double)

    /// A message saying what differs and where.
    public var description: String {
        switch self {
        case let .processesDisagree(rank, setting, local, rankZero):
            return "data-parallel fit: process \(rank) has \(setting) = \(Self.format(local)) but process 0 has "
                + "\(Self.format(rankZero)); every process must call fit with the same data size, batch size, "
                + "epochs and model"
        }
    }

    private static func format(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(value)
    }
}

extension GradientSynchronizer {
    /// One fused all-reduce after `backward()`.
    public var gradientExchange: GradientExchange { .afterBackward }

    /// ``allReduceSum(_:)`` of a copy of `buffer`, to the end.
    public func startAllReduceSum<S: TensorScalar>(_ buffer: ReductionBuffer<S>) throws -> any PendingAllReduce {
        var copy = Array(buffer.scalars)
        try allReduceSum(&copy)
        _ = buffer.scalars.update(fromContentsOf: copy)
        return FinishedAllReduce()
    }
}

extension GradientSynchronizer {
    /// Checks that every process has the same `settings` as process 0; throws on every process
    /// when one differs (so that none is left waiting).
    func checkAgreement(_ settings: [(name: String, value: Double)]) throws {
        var rankZero = settings.map(\.value)
        try broadcast(&rankZero, fromRank: 0)
        let firstDifference = settings.indices.first { settings[$0].value != rankZero[$0] }
        var failures: [Double] = Array(repeating: 0, count: processCount)
        if firstDifference != nil { failures[rank] = 1 }
        try allReduceSum(&failures)
        if let firstDifference {
            let s = settings[firstDifference]
            throw DataParallelError.processesDisagree(rank: rank, setting: s.name, local: s.value,
                                                      rankZero: rankZero[firstDifference])
        }
        if let other = failures.firstIndex(where: { $0 != 0 }) {
            throw DataParallelError.processesDisagree(rank: other, setting: "a setting (see process \(other)'s error)",
                                                      local: 0, rankZero: 0)
        }
    }

    /// Sets every weight to process 0's value, in one broadcast.
    func broadcastWeights<S>(_ parameters: [(name: String, parameter: Parameter<S>)]) throws {
        var flat: [S] = []
        flat.reserveCapacity(parameters.reduce(0) { $0 + $1.parameter.value.count })
        for (_, p) in parameters { flat.append(contentsOf: p.value.scalars) }
        try broadcast(&flat, fromRank: 0)
        var offset = 0
        for (_, p) in parameters {
            let count = p.value.count
            p.update { $0 = Array(flat[offset..<(offset + count)]) }
            offset += count
        }
    }

    /// An accumulator with the examples of every process, in rank order.
    func merged(_ accumulator: MetricAccumulator) throws -> MetricAccumulator {
        MetricAccumulator.merging(try allGather(accumulator.flattened()), metrics: accumulator.metrics)
    }

    /// The contiguous shard `[lower, upper)` of `count` examples that this process evaluates.
    func shard(of count: Int) -> Range<Int> {
        (rank * count / processCount)..<((rank + 1) * count / processCount)
    }
}
