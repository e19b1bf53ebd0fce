import Foundation
import Heed
import HeedDistributed

/// Trains on every rank with batch B per rank, then (on rank 0) one process alone with batch
/// `B × ranks` over the same examples, and prints how far the weights are apart:
///
///     RESULT ranks_identical=1
///     RESULT max_relative_difference=3.1e-08      (max |a − b| / max |b| per weight)
///     RESULT max_elementwise_relative_difference=…  (max |a − b| / |b| over elements)
///     RESULT distributed_loss=… single_loss=… distributed_val_accuracy=… single_val_accuracy=…
///
/// With `--exchange overlapped` the distributed run overlaps the gradient exchange with
/// backward, in buckets of `--bucket-bytes` (64: about one weight each), and every rank also
/// trains with the fused exchange, from the same start, for a bitwise comparison:
///
///     RESULT fused_identical=1              (overlapped weights == fused weights, bit for bit, every rank)
///     RESULT buckets=3
///
/// The example count leaves the last step of each epoch three examples short, so the
/// weighting of unequal shares is checked too. Rank 1 starts from other weights than rank 0,
/// so the check also covers the broadcast of the initial weights.
struct EquivalenceCheck {
    let optimizer: String
    let batch: Int
    let stepsPerEpoch: Int
    let exchange: GradientExchange
    let epochs = 2

    init(_ arguments: Arguments) throws {
        optimizer = arguments.string("optimizer", default: "sgd")
        batch = try arguments.int("batch", default: 8)
        stepsPerEpoch = try arguments.int("steps", default: 3)
        guard ["sgd", "adam"].contains(optimizer) else { throw UsageError(message: "--optimizer is sgd or adam") }
        switch arguments.string("exchange", default: "fused") {
        case "fused": exchange = .afterBackward
        case "overlapped": exchange = .overlapped(bucketBytes: try arguments.int("bucket-bytes", default: 64))
        default: throw UsageError(message: "--exchange is fused or overlapped")
        }
    }

    func makeOptimizer() -> Optimizer<Float> {
        optimizer == "adam" ? Adam(learningRate: 0.01) : SGD(learningRate: 0.1, momentum: 0.9)
    }

    func run() throws {
        Heed.threads = 1
        let world = try DistributedContext(timeout: .seconds(60))
        let globalBatch = batch * world.processCount
        let count = stepsPerEpoch * globalBatch - 3
        let train = try syntheticFeatures(count: count, seed: 11)
        let validation = try syntheticFeatures(count: 37, seed: 12)

        func trainDistributed(_ exchange: GradientExchange) throws -> (Model<Float, Tensor<Float>>, History) {
            let model = try makeMLP(seed: world.rank == 0 ? 5 : 6)
            model.compile(loss: .sparseCategoricalCrossentropy(fromLogits: false), optimizer: makeOptimizer(),
                          metrics: [.accuracy])
            world.gradientExchange = exchange
            model.synchronizer = world
            let history = try model.fit(x: train.x, y: train.y, batchSize: batch, epochs: epochs,
                                        validationData: (validation.x, validation.y), seed: 7, verbose: .silent)
            return (model, history)
        }
        let (model, history) = try trainDistributed(exchange)
        let weights = try flatWeights(model)
        var fusedDiffering: [Double] = [0]
        if exchange != .afterBackward {
            let (fused, fusedHistory) = try trainDistributed(.afterBackward)
            let same = try flatWeights(fused).flatMap(\.values) == weights.flatMap(\.values)
                && fusedHistory["loss"] == history["loss"] && fusedHistory["val_loss"] == history["val_loss"]
            fusedDiffering[0] = same ? 0 : 1
            try world.allReduceSum(&fusedDiffering)
        }

        // Every rank must hold rank 0's weights bit for bit.
        var rankZero = weights.flatMap(\.values)
        try world.broadcast(&rankZero, fromRank: 0)
        var differing: [Double] = [rankZero == weights.flatMap(\.values) ? 0 : 1]
        try world.allReduceSum(&differing)

        if world.isRoot {
            let single = try makeMLP(seed: 5)
            single.compile(loss: .sparseCategoricalCrossentropy(fromLogits: false), optimizer: makeOptimizer(),
                           metrics: [.accuracy])
            let alone = try single.fit(x: train.x, y: train.y, batchSize: globalBatch, epochs: epochs,
                                       validationData: (validation.x, validation.y), seed: 7, verbose: .silent)
            var worst = 0.0, worstElement = 0.0
            for ((name, a), (_, b)) in zip(weights, try flatWeights(single)) {
                let scale = Double(b.map { abs($0) }.max() ?? 0)
                let difference = Double(zip(a, b).map { abs($0 - $1) }.max() ?? 0)
                let relative = scale > 0 ? difference / scale : difference
                let elementwise = zip(a, b).map { Double(abs($0 - $1)) / max(Double(abs($1)), 1e-6) }.max() ?? 0
                print("RESULT weight=\(name) relative_difference=\(relative) elementwise=\(elementwise)")
                worst = max(worst, relative)
                worstElement = max(worstElement, elementwise)
            }
            print("RESULT ranks_identical=\(differing[0] == 0 ? 1 : 0)")
            if case let .overlapped(bucketBytes) = exchange {
                let counts = try model.namedParameters().map(\.parameter.value.count)
                print("RESULT fused_identical=\(fusedDiffering[0] == 0 ? 1 : 0)")
                print("RESULT buckets=\(GradientExchange.buckets(counts: counts, scalarBytes: 4, bucketBytes: bucketBytes).count)")
            }
            print("RESULT max_relative_difference=\(worst)")
            print("RESULT max_elementwise_relative_difference=\(worstElement)")
            print("RESULT steps=\(single.configuration?.optimizer.iterations ?? -1) distributed_steps=\(model.configuration?.optimizer.iterations ?? -1)")
            print("RESULT distributed_loss=\(history["loss"]?.last ?? .nan) single_loss=\(alone["loss"]?.last ?? .nan)")
            print("RESULT distributed_val_accuracy=\(history["val_accuracy"]?.last ?? .nan) single_val_accuracy=\(alone["val_accuracy"]?.last ?? .nan)")
            print("RESULT distributed_val_loss=\(history["val_loss"]?.last ?? .nan) single_val_loss=\(alone["val_loss"]?.last ?? .nan)")
        }
        world.finalize()
    }
}
