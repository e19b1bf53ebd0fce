import Foundation
import Heed
import HeedDistributed

/// Samples per second of data-parallel training of a text-classifier-shaped model —
/// Embedding(10,000 × 128) → Attention([x, x]) → GlobalAveragePooling1D → Dense(2), ids of
/// length 200, batch 32 per process — and the share of step time spent in communication.
struct ScalingBenchmark {
    let steps: Int
    let threads: Int
    let batch: Int
    let length = 200
    let vocabulary = 10_000

    init(_ arguments: Arguments) throws {
        steps = try arguments.int("steps", default: 20)
        threads = try arguments.int("threads", default: 1)
        batch = try arguments.int("batch", default: 32)
    }

    func run() throws {
        guard Heed.isOptimizedBuild else { throw UsageError(message: "bench: build with -c release") }
        Heed.threads = threads
        let world = try DistributedContext(timeout: .seconds(600))
        let globalBatch = batch * world.processCount
        let model = try makeTextClassifier()
        model.compile(loss: .sparseCategoricalCrossentropy(fromLogits: false), optimizer: Adam(learningRate: 0.001))
        model.synchronizer = world

        func data(_ examples: Int, seed: UInt64) throws -> (IntTensor, IntTensor) {
            var g = SeededGenerator(seed: seed)
            let ids = (0..<(examples * length)).map { _ in Int32(1 + g.nextInt(below: vocabulary - 1)) }
            let labels = (0..<examples).map { _ in Int32(g.nextInt(below: 2)) }
            return (try IntTensor(shape: [examples, length], scalars: ids), IntTensor(labels))
        }
        let warm = try data(2 * globalBatch, seed: 1)
        try model.fit(x: warm.0, y: warm.1, batchSize: batch, epochs: 1, verbose: .silent)

        let timed = try data(steps * globalBatch, seed: 2)
        try world.barrier()
        world.communicationSeconds = 0
        world.collectiveCount = 0
        let start = ContinuousClock.now
        try model.fit(x: timed.0, y: timed.1, batchSize: batch, epochs: 1, verbose: .silent)
        let elapsed = ContinuousClock.now - start
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        var perRank = [world.communicationSeconds, seconds]
        let collectives = world.collectiveCount
        try world.allReduceSum(&perRank)

        // The all-reduce alone, every rank arriving together: the transfer without the waiting.
        var gradients = [Float](repeating: 1, count: try model.parameterCount() + 4)
        var pure = 0.0
        for _ in 0..<5 {
            try world.barrier()
            let before = world.communicationSeconds
            try world.allReduceSum(&gradients)
            pure += world.communicationSeconds - before
        }
        if world.isRoot {
            let weights = try model.parameterCount()
            print("""
                RESULT ranks=\(world.processCount) threads_per_rank=\(threads) kernel=\(Heed.blasCoreName) \
                batch_per_rank=\(batch) steps=\(steps) weights=\(weights) \
                samples_per_second=\(String(format: "%.1f", Double(steps * globalBatch) / seconds)) \
                step_ms=\(String(format: "%.1f", seconds / Double(steps) * 1000)) \
                communication_fraction=\(String(format: "%.3f", perRank[0] / perRank[1])) \
                collectives=\(collectives) \
                allreduce_alone_ms=\(String(format: "%.1f", pure / 5 * 1000))
                """)
        }
        world.finalize()
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
}
