import Foundation
import Heed
import HeedDistributed

/// Samples per second of data-parallel training, with the gradients exchanged after backward
/// (one fused all-reduce) and overlapped with backward (buckets), alternated in one run, and
/// the share of step time spent inside MPI calls.
///
/// Models (`--model`), batch 32 per process:
/// - `text`: Embedding(10,000 × 128) → Attention([x, x]) → GlobalAveragePooling1D → Dense(2),
///   ids of length 200 (the text classifier's shape; the embedding table, 99.9% of the
///   gradients, is the first layer and so finished last);
/// - `mlp`: 512 features → 5 × Dense(512, relu) → Dense(2): gradients spread evenly over
///   the layers, little arithmetic per byte exchanged.
struct ScalingBenchmark {
    let steps: Int
    let rounds: Int
    let threads: Int
    let batch: Int
    let model: String
    let exchanges: [String]
    let bucketBytes: Int
    let length = 200
    let vocabulary = 10_000
    let features = 512

    init(_ arguments: Arguments) throws {
        steps = try arguments.int("steps", default: 20)
        rounds = try arguments.int("rounds", default: 5)
        threads = try arguments.int("threads", default: 1)
        batch = try arguments.int("batch", default: 32)
        model = arguments.string("model", default: "text")
        let exchange = arguments.string("exchange", default: "both")
        bucketBytes = try arguments.int("bucket-kb", default: GradientExchange.defaultBucketBytes / 1024) * 1024
        guard ["text", "mlp"].contains(model) else { throw UsageError(message: "--model is text or mlp") }
        guard ["fused", "overlapped", "both"].contains(exchange) else {
            throw UsageError(message: "--exchange is fused, overlapped or both")
        }
        exchanges = exchange == "both" ? ["fused", "overlapped"] : [exchange]
    }

    func run() throws {
        guard Heed.isOptimizedBuild else { throw UsageError(message: "bench: build with -c release") }
        Heed.threads = threads
        let world = try DistributedContext(timeout: .seconds(600))
        switch model {
        case "mlp":
            let data = try features(steps * batch * world.processCount, seed: 2)
            try measure(world, try makeMLP(), warm: try features(2 * batch * world.processCount, seed: 1), timed: data)
        default:
            let data = try ids(steps * batch * world.processCount, seed: 2)
            try measure(world, try makeTextClassifier(), warm: try ids(2 * batch * world.processCount, seed: 1), timed: data)
        }
        world.finalize()
    }

    /// Trains one warm-up epoch, then `rounds` timed epochs of `steps` steps per exchange,
    /// alternating them (ABBA…) so that a change of load on the machine hits both alike.
    func measure<Input: ExampleSource & Batchable>(_ world: DistributedContext, _ model: Model<Float, Input>,
                                   warm: (Input, IntTensor), timed: (Input, IntTensor)) throws where Input.Batch == Input {
        model.compile(loss: .sparseCategoricalCrossentropy(fromLogits: false), optimizer: Adam(learningRate: 0.001))
        model.synchronizer = world
        func exchange(_ name: String) -> GradientExchange {
            name == "fused" ? .afterBackward : .overlapped(bucketBytes: bucketBytes)
        }
        for name in exchanges {
            world.gradientExchange = exchange(name)
            try model.fit(x: warm.0, y: warm.1, batchSize: batch, epochs: 1, verbose: .silent)
        }
        var seconds: [String: [Double]] = [:], communication: [String: [Double]] = [:]
        for round in 0..<rounds {
            for name in round % 2 == 0 ? exchanges : exchanges.reversed() {
                world.gradientExchange = exchange(name)
                try world.barrier()
                world.communicationSeconds = 0
                let start = ContinuousClock.now
                try model.fit(x: timed.0, y: timed.1, batchSize: batch, epochs: 1, verbose: .silent)
                let elapsed = ContinuousClock.now - start
                // Every rank's time inside MPI calls over every rank's time: the mean share.
                var perRank = [world.communicationSeconds, Self.seconds(elapsed)]
                try world.allReduceSum(&perRank)
                seconds[name, default: []].append(Self.seconds(elapsed))
                communication[name, default: []].append(perRank[0] / perRank[1])
            }
        }

        // The all-reduce alone, every rank arriving together: the transfer without the waiting.
        var gradients = [Float](repeating: 1, count: try model.parameterCount() + 4)
        var pure = 0.0
        for _ in 0..<5 {
            try world.barrier()
            let before = world.communicationSeconds
            try world.allReduceSum(&gradients)
            pure += world.communicationSeconds - before
        }
        guard world.isRoot else { return }
        let samples = Double(steps * batch * world.processCount)
        let buckets = GradientExchange.buckets(
            counts: try model.namedParameters().filter(\.parameter.trainable).map(\.parameter.value.count),
            scalarBytes: MemoryLayout<Float>.stride, bucketBytes: bucketBytes).count
        var medians: [String: Double] = [:]
        for name in exchanges {
            let rates = seconds[name, default: []].map { samples / $0 }.sorted()
            let median = rates[rates.count / 2]
            medians[name] = median
            print("""
                RESULT model=\(self.model) exchange=\(name) ranks=\(world.processCount) threads_per_rank=\(threads) \
                kernel=\(Heed.blasCoreName) batch_per_rank=\(batch) steps=\(steps) rounds=\(rounds) \
                weights=\(try model.parameterCount()) \
                buckets=\(name == "fused" ? 1 : buckets) \
                samples_per_second_median=\(Self.format(median)) \
                samples_per_second_best=\(Self.format(rates.last ?? .nan)) \
                samples_per_second_all=\(rates.map(Self.format).joined(separator: ",")) \
                step_ms_median=\(Self.format(samples / median / Double(steps) * 1000)) \
                communication_fraction_median=\(String(format: "%.3f", communication[name, default: []].sorted()[rounds / 2])) \
                allreduce_alone_ms=\(Self.format(pure / 5 * 1000))
                """)
        }
        if let fused = medians["fused"], let overlapped = medians["overlapped"] {
            print("RESULT model=\(self.model) ranks=\(world.processCount) overlapped_over_fused=\(String(format: "%.3f", overlapped / fused))")
        }
    }

    static func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
    }

    static func format(_ x: Double) -> String { String(format: "%.1f", x) }

    func ids(_ examples: Int, seed: UInt64) throws -> (IntTensor, IntTensor) {
        var g = SeededGenerator(seed: seed)
        let ids = (0..<(examples * length)).map { _ in Int32(1 + g.nextInt(below: vocabulary - 1)) }
        let labels = (0..<examples).map { _ in Int32(g.nextInt(below: 2)) }
        return (try IntTensor(shape: [examples, length], scalars: ids), IntTensor(labels))
    }

    func features(_ examples: Int, seed: UInt64) throws -> (Tensor<Float>, IntTensor) {
        var g = SeededGenerator(seed: seed)
        let x = (0..<(examples * features)).map { _ in Float(g.nextUniform(-1, 1)) }
        let labels = (0..<examples).map { _ in Int32(g.nextInt(below: 2)) }
        return (try Tensor(shape: [examples, features], scalars: x), IntTensor(labels))
    }

    func makeTextClassifier() throws -> Model<Float, IntTensor> {
        let embedding = Embedding<Float>(inputDim: vocabulary, outputDim: 128, name: "embedding", seed: 1)
        let attention = Attention<Float>(name: "attention", seed: 1)
        let pooling = GlobalAveragePooling1D<Float>(name: "gap")
        let dense = Dense<Float>(units: 2, name: "dense", seed: 1)
        embedding.build()
        attention.build()
        try dense.build(inputShape: [1, 128])
        let model = Model<Float, IntTensor>(name: "text_classifier", outputActivation: .softmax) { ids, training in
            let x = try embedding(ids)
            return try dense(pooling(attention(query: x, value: x, training: training)))
        }
        model.add(embedding)
        model.add(attention)
        model.add(dense)
        return model
    }

    func makeMLP() throws -> Model<Float, Tensor<Float>> {
        let hidden = (0..<5).map { Dense<Float>(units: features, activation: .relu, name: "hidden_\($0)", seed: 1) }
        let output = Dense<Float>(units: 2, name: "output", seed: 1)
        for layer in hidden { try layer.build(inputShape: [1, features]) }
        try output.build(inputShape: [1, features])
        let model = Model<Float, Tensor<Float>>(name: "mlp", outputActivation: .softmax) { x, _ in
            try output(hidden.reduce(x) { try $1($0) })
        }
        for layer in hidden { model.add(layer) }
        model.add(output)
        return model
    }
}
