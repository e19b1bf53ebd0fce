/// What `fit` does differently as one of several data-parallel processes: the agreement check
/// and weight broadcast before the first step, each step's share of the examples, the gradient
/// exchange after (or during) backward, and the epoch's merged metrics. A process alone (no
/// synchronizer) takes every example of a step and exchanges nothing.
final class DataParallelSteps<Scalar: TensorScalar> {
    /// The ranks' coordinator, or `nil` for one process alone.
    let synchronizer: (any GradientSynchronizer)?
    /// This process's rank (0 alone).
    let rank: Int
    /// Examples per process per step.
    let batchSize: Int
    /// Examples per step over all processes.
    let stepSize: Int
    /// The gradient exchange, one bucket after backward or several during it.
    private let buckets: GradientBuckets<Scalar>?
    private let overlapsBackward: Bool

    /// Checks that every process agrees on `settings` and starts from rank 0's weights, then
    /// lays out the gradient buckets of the trainable `parameters`.
    ///
    /// - Throws: the synchronizer's errors when the processes disagree or a transfer fails.
    init(synchronizer: (any GradientSynchronizer)?, batchSize: Int,
         parameters: [(name: String, parameter: Parameter<Scalar>)],
         settings: [(name: String, value: Double)]) throws {
        self.synchronizer = synchronizer
        self.batchSize = batchSize
        rank = synchronizer?.rank ?? 0
        stepSize = batchSize * (synchronizer?.processCount ?? 1)
        guard let synchronizer else {
            buckets = nil
            overlapsBackward = false
            return
        }
        try synchronizer.checkAgreement(settings + [
            ("the number of weights", Double(parameters.count)),
            ("the number of weight scalars", Double(parameters.reduce(0) { $0 + $1.parameter.value.count })),
        ])
        try synchronizer.broadcastWeights(parameters)
        let trainable = parameters.map(\.parameter).filter(\.trainable)
        switch synchronizer.gradientExchange {
        case .afterBackward:
            buckets = GradientBuckets(parameters: trainable, bucketBytes: .max, synchronizer: synchronizer)
            overlapsBackward = false
        case let .overlapped(bucketBytes):
            buckets = GradientBuckets(parameters: trainable, bucketBytes: bucketBytes, synchronizer: synchronizer)
            overlapsBackward = true
        }
    }

    /// The number of steps in an epoch of `count` examples.
    func steps(examples count: Int) -> Int { (count + stepSize - 1) / stepSize }

    /// The examples `[start, end)` of step `step` over all processes, this process's indices
    /// among them (in `order`), and starts the step's exchange. With several processes the last
    /// step may leave this one without examples; it still takes part in the exchange.
    func beginStep(_ step: Int, order: [Int]) -> (indices: [Int], examples: Range<Int>) {
        let start = step * stepSize, end = Swift.min(order.count, start + stepSize)
        let lower = Swift.min(end, start + rank * batchSize)
        let indices = Array(order[lower..<Swift.min(end, lower + batchSize)])
        buckets?.beginStep(share: Double(indices.count) / Double(end - start))
        return (indices, start..<end)
    }

    /// Backward from this process's `loss`; overlapped with the exchange when it is bucketed,
    /// each bucket's all-reduce starting while backward goes on with the layers below.
    func backward(_ loss: Tensor<Scalar>, value: Double) {
        buckets?.setLoss(value)
        if let buckets, overlapsBackward {
            // The weights' values are listed for this call only: a copy kept across the
            // optimizer step would make every update copy the weights.
            loss.backward(watching: buckets.parameters.map(\.value), onGradientFinal: buckets.gradientFinal)
        } else {
            loss.backward()
        }
    }

    /// Ends the step's exchange: the gradients (and the returned loss) become the whole step's.
    /// Alone, returns `loss` as it is.
    func finishStep(loss: Double) throws -> Double {
        guard let buckets else { return loss }
        return try buckets.finishStep()
    }

    /// The epoch's metrics over every process's examples, or `nil` alone.
    func mergedMetrics(_ accumulator: MetricAccumulator) throws -> [String: Double]? {
        guard let synchronizer else { return nil }
        return try synchronizer.merged(accumulator).results()
    }
}
