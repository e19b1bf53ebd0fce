// Times one training step (Keras `train_on_batch`) of two text classifiers built from Heed's
// layers, Float, on synthetic token ids:
// - attention: Embedding 10,000 × 128 → Attention([x, x]) → GlobalAveragePooling1D →
//   Dense(2) softmax, sparse categorical cross-entropy, Adam;
// - transformer: Embedding 10,000 × 64 + PositionalEncoding → MultiHeadAttention(2 heads,
//   key_dim 32) + residual → LayerNormalization → Dense(128, relu) → Dense(64) + residual →
//   LayerNormalization → GlobalAveragePooling1D → Dense(2) softmax, same loss and optimizer.
// Batch 32, length 200, Keras default initialisation. The models alternate step by step.
import Dispatch
import Foundation
import Heed
import HeedModels

if !Heed.isOptimizedBuild {
    print("bench-train: a debug build times nothing useful; run swift run -c release bench-train")
    exit(2)
}
BLASKernelCheck.restartWithBetterKernelIfNeeded()
Heed.retainFreedMemory()

struct Options {
    var steps = 60
    var warmup = 5
    var json = false
    var batch = 32
    var length = 200
    var vocabulary = 10_000
    var models: [String] = ["attention", "transformer"]
    var micro = false
    var fitSteps = 0
}

let usage = """
    usage: bench-train [--threads N] [--steps N] [--warmup N] [--model attention|transformer]... [--json]
      --threads N   threads for OpenBLAS and Heed's kernels (default: OpenBLAS's choice)
      --steps N     timed steps per model (default 60)
      --warmup N    untimed steps per model first (default 5)
      --model NAME  time only this model (repeatable; default both)
      --json        print one JSON array, one object per model
      --micro       also time two single ops called from this module: a * b on [32, 200, 128]
                    and softmax forward + backward on [32, 4, 128, 128]
      --fit N       instead, time Model.fit against a loop of trainOnBatch over the same N
                    batches, on the text classifier heed train builds (embedding 64, accuracy and
                    AUC metrics, padded texts), alternating five rounds; prints ms per step
    """

func parseOptions() -> Options {
    var o = Options()
    var models: [String] = []
    var it = CommandLine.arguments.dropFirst().makeIterator()
    func fail(_ message: String) -> Never {
        FileHandle.standardError.write(Data("bench-train: \(message)\n\(usage)\n".utf8))
        exit(2)
    }
    while let arg = it.next() {
        switch arg {
        case "--threads":
            guard let t = Int(it.next() ?? ""), t >= 1 else { fail("--threads takes a positive integer") }
            Heed.threads = t
        case "--steps":
            guard let n = Int(it.next() ?? ""), n >= 1 else { fail("--steps takes a positive integer") }
            o.steps = n
        case "--warmup":
            guard let n = Int(it.next() ?? ""), n >= 0 else { fail("--warmup takes a non-negative integer") }
            o.warmup = n
        case "--model":
            let name = it.next() ?? ""
            guard ["attention", "transformer"].contains(name) else { fail("--model takes attention or transformer") }
            models.append(name)
        case "--json": o.json = true
        case "--micro": o.micro = true
        case "--fit":
            guard let n = Int(it.next() ?? ""), n >= 1 else { fail("--fit takes a positive number of steps") }
            o.fitSteps = n
        case "--help", "-h": print(usage); exit(0)
        default: fail("unknown argument \(arg)")
        }
    }
    if !models.isEmpty { o.models = models }
    return o
}

/// tf.keras' `AttentionModel`: Embedding → Attention([x, x]) → GlobalAveragePooling1D → Dense.
final class AttentionClassifier: Model<Float, IntTensor> {
    let embedding: Embedding<Float>
    let attention = Attention<Float>()
    let pooling = GlobalAveragePooling1D<Float>()
    let dense = Dense<Float>(units: 2, seed: 2)

    init(vocabulary: Int, width: Int) {
        embedding = Embedding(inputDim: vocabulary, outputDim: width, seed: 1)
        super.init(name: "attention_classifier", outputActivation: .softmax)
        add(embedding)
        add(attention)
        add(dense)
    }

    override func forward(_ ids: IntTensor, training: Bool) throws -> Tensor<Float> {
        let x = try embedding(ids)
        let attended = try attention(query: x, value: x, training: training)
        return try dense(pooling(attended))
    }
}

/// One Transformer encoder block over token embeddings, then mean over time and Dense(2).
final class TransformerClassifier: Model<Float, IntTensor> {
    let embedding: Embedding<Float>
    let positions = PositionalEncoding<Float>()
    let attention: MultiHeadAttention<Float>
    let norm1: LayerNormalization<Float>
    let hidden = Dense<Float>(units: 128, activation: .relu, name: "ffn_dense", seed: 4)
    let projection = Dense<Float>(units: 64, name: "ffn_projection", seed: 5)
    let norm2: LayerNormalization<Float>
    let pooling = GlobalAveragePooling1D<Float>()
    let dense = Dense<Float>(units: 2, seed: 6)

    init(vocabulary: Int) throws {
        embedding = Embedding(inputDim: vocabulary, outputDim: 64, seed: 1)
        attention = try MultiHeadAttention(numHeads: 2, keyDim: 32, seed: 3)
        norm1 = try LayerNormalization(name: "layer_normalization")
        norm2 = try LayerNormalization(name: "layer_normalization_1")
        super.init(name: "transformer_classifier", outputActivation: .softmax)
        add(embedding)
        add(attention)
        add(norm1)
        add(hidden)
        add(projection)
        add(norm2)
        add(dense)
    }

    override func forward(_ ids: IntTensor, training: Bool) throws -> Tensor<Float> {
        let x = try positions(embedding(ids))
        let attended = try attention(query: x, value: x, training: training).output
        let y = try norm1(x + attended)
        let z = try norm2(y + projection(hidden(y)))
        return try dense(pooling(z))
    }
}

struct ModelResult: Encodable {
    let model: String
    let batch: Int, length: Int, vocabulary: Int
    let parameters: Int
    let steps: Int
    let medianMs: Double, p10Ms: Double, p90Ms: Double
    let stepsPerSecond: Double
    let firstLoss: Double, lastLoss: Double
    let timesMs: [Double]

    enum CodingKeys: String, CodingKey {
        case model, batch, length, vocabulary, parameters, steps
        case medianMs = "median_ms", p10Ms = "p10_ms", p90Ms = "p90_ms"
        case stepsPerSecond = "steps_per_second"
        case firstLoss = "first_loss", lastLoss = "last_loss"
        case timesMs = "times_ms"
    }
}

/// The `p`-quantile (0...1) of the samples, by the nearest rank.
func quantile(_ xs: [Double], _ p: Double) -> Double {
    let s = xs.sorted()
    return s[min(s.count - 1, max(0, Int((p * Double(s.count - 1)).rounded())))]
}

/// A model with its data and its timings.
final class Runner {
    let name: String
    let model: Model<Float, IntTensor>
    let batches: [(ids: IntTensor, labels: IntTensor)]
    var times: [Double] = []
    var losses: [Double] = []
    var next = 0

    init(name: String, model: Model<Float, IntTensor>, options: Options, seed: UInt64) throws {
        self.name = name
        self.model = model
        model.compile(loss: .sparseCategoricalCrossentropy(fromLogits: false), optimizer: Adam())
        var g = SeededGenerator(seed: seed)
        batches = try (0..<8).map { _ in
            let ids = (0..<options.batch * options.length).map { _ in Int32(g.nextInt(below: options.vocabulary)) }
            let labels = (0..<options.batch).map { _ in Int32(g.nextInt(below: 2)) }
            return (try IntTensor(shape: [options.batch, options.length], scalars: ids),
                    try IntTensor(shape: [options.batch], scalars: labels))
        }
    }

    /// One step on the next batch; returns its wall-clock seconds.
    func step() throws -> Double {
        let (ids, labels) = batches[next % batches.count]
        next += 1
        let start = DispatchTime.now().uptimeNanoseconds
        let loss = try model.trainOnBatch(x: ids, y: labels)
        let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        losses.append(loss)
        return elapsed
    }
}

/// Median milliseconds of `body` over `count` runs after one warm-up run.
func medianMilliseconds(count: Int, _ body: () throws -> Void) rethrows -> Double {
    try body()
    var times: [Double] = []
    for _ in 0..<count {
        let start = DispatchTime.now().uptimeNanoseconds
        try body()
        times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
    }
    return quantile(times, 0.5)
}

/// Single ops called across the module boundary, as a model's code calls them.
func timeSingleOps() throws {
    var g = SeededGenerator(seed: 5)
    let a = Tensor<Float>.randomNormal([32, 200, 128], generator: &g)
    let b = Tensor<Float>.randomNormal([32, 200, 128], generator: &g)
    var sink: Float = 0
    let multiply = try medianMilliseconds(count: 20) { sink += try (a * b).scalars[0] }
    let scores = Tensor<Float>.randomNormal([32, 4, 128, 128], generator: &g)
    let seed = Tensor<Float>.randomNormal([32, 4, 128, 128], generator: &g)
    let softmax = try medianMilliseconds(count: 10) {
        let x = scores.requiringGrad()
        try x.softmax(alongAxis: -1).backward(seed: seed)
        sink += x.grad?.scalars[0] ?? 0
    }
    print(String(format: "a * b [32, 200, 128]: %.3f ms; softmax forward + backward [32, 4, 128, 128]: %.3f ms",
                 multiply, softmax))
    if sink.isNaN { print("") }
}

/// `--fit`: milliseconds per step of `Model.fit` (one epoch, silent, accuracy and AUC as
/// `heed train` logs them) and of a plain loop calling `trainOnBatch` on the same batches, for
/// the text classifier `heed train` builds, in alternating rounds.
func timeFitAgainstSteps(_ options: Options) throws {
    let n = options.fitSteps * options.batch
    var g = SeededGenerator(seed: 23)
    var ids = [Int32](repeating: 0, count: n * options.length)
    for row in 0..<n {
        // Texts of a quarter to the whole length, padded with 0 at the end, as encoded reviews are.
        let length = options.length / 4 + g.nextInt(below: options.length - options.length / 4 + 1)
        for j in 0..<length { ids[row * options.length + j] = Int32(2 + g.nextInt(below: options.vocabulary - 2)) }
    }
    let x = try IntTensor(shape: [n, options.length], scalars: ids)
    let y = try IntTensor(shape: [n], scalars: (0..<n).map { _ in Int32(g.nextInt(below: 2)) })
    let batches = stride(from: 0, to: n, by: options.batch).map { start -> (IntTensor, IntTensor) in
        let indices = Array(start..<min(n, start + options.batch))
        return (x.selectingExamples(indices), y.selectingExamples(indices))
    }
    func classifier() throws -> TextClassifier<Float> {
        try TextClassifier<Float>(vocabSize: options.vocabulary, embedDim: 64, numClasses: 2)
    }
    let fitted = try classifier(), stepped = try classifier()
    fitted.compile(loss: .sparseCategoricalCrossentropy(fromLogits: false), optimizer: Adam(), metrics: [.accuracy, .auc])
    stepped.compile(loss: .sparseCategoricalCrossentropy(fromLogits: false), optimizer: Adam())
    /// Wall-clock and process CPU milliseconds of `body` (CPU time is steadier on a shared machine).
    func milliseconds(_ body: () throws -> Void) rethrows -> (wall: Double, cpu: Double) {
        func cpuNow() -> Double {
            var t = timespec()
            clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t)
            return Double(t.tv_sec) * 1e3 + Double(t.tv_nsec) / 1e6
        }
        let start = DispatchTime.now().uptimeNanoseconds, cpuStart = cpuNow()
        try body()
        return (Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6, cpuNow() - cpuStart)
    }
    print("fit against trainOnBatch: text classifier (embedding 64), \(options.fitSteps) steps of \(options.batch) per round;"
          + " milliseconds per step, wall clock and process CPU time")
    print("round  fit wall  steps wall  ratio   fit cpu  steps cpu  ratio")
    var fitWall: [Double] = [], stepWall: [Double] = [], fitCPU: [Double] = [], stepCPU: [Double] = []
    let perStep = Double(options.fitSteps)
    for round in 0..<6 {
        let fit = try milliseconds {
            try fitted.fit(x: x, y: y, batchSize: options.batch, epochs: 1, seed: UInt64(round), verbose: .silent)
        }
        let step = try milliseconds {
            for (bx, by) in batches { try stepped.trainOnBatch(x: bx, y: by) }
        }
        // Round 0 warms both up.
        if round > 0 {
            fitWall.append(fit.wall / perStep)
            stepWall.append(step.wall / perStep)
            fitCPU.append(fit.cpu / perStep)
            stepCPU.append(step.cpu / perStep)
        }
        print(String(format: "%5@  %8.2f  %10.2f  %5.3f  %8.2f  %9.2f  %5.3f", round == 0 ? "warm" : "\(round)" as NSString,
                     fit.wall / perStep, step.wall / perStep, fit.wall / step.wall,
                     fit.cpu / perStep, step.cpu / perStep, fit.cpu / step.cpu))
    }
    let (fw, sw, fc, sc) = (quantile(fitWall, 0.5), quantile(stepWall, 0.5), quantile(fitCPU, 0.5), quantile(stepCPU, 0.5))
    print(String(format: "median %8.2f  %10.2f  %5.3f  %8.2f  %9.2f  %5.3f", fw, sw, fw / sw, fc, sc, fc / sc))
}

let options = parseOptions()
let environment = ProcessInfo.processInfo.environment
if !options.json {
    print("OpenBLAS kernel: \(Heed.blasCoreName) (OPENBLAS_CORETYPE=\(environment["OPENBLAS_CORETYPE"] ?? "(unset)")),"
          + " threads: \(Heed.threads), OPENBLAS_THREAD_TIMEOUT=\(environment["OPENBLAS_THREAD_TIMEOUT"] ?? "(unset)")")
    print("Float; batch \(options.batch), length \(options.length), vocabulary \(options.vocabulary);"
          + " one step = forward + sparse CE + backward + Adam + zeroing the gradients")
}
do {
    if options.fitSteps > 0 {
        try timeFitAgainstSteps(options)
        exit(0)
    }
    if options.micro { try timeSingleOps() }
    var runners: [Runner] = []
    for (i, name) in options.models.enumerated() {
        let model: Model<Float, IntTensor> = name == "attention"
            ? AttentionClassifier(vocabulary: options.vocabulary, width: 128)
            : try TransformerClassifier(vocabulary: options.vocabulary)
        runners.append(try Runner(name: name, model: model, options: options, seed: UInt64(17 + i)))
    }
    for runner in runners {
        for _ in 0..<options.warmup { _ = try runner.step() }
    }
    // Alternate the models step by step so that machine noise hits them alike.
    for _ in 0..<options.steps {
        for runner in runners { runner.times.append(try runner.step()) }
    }
    var results: [ModelResult] = []
    for runner in runners {
        let median = quantile(runner.times, 0.5)
        results.append(ModelResult(
            model: runner.name, batch: options.batch, length: options.length, vocabulary: options.vocabulary,
            parameters: try runner.model.parameterCount(), steps: runner.times.count,
            medianMs: median * 1e3, p10Ms: quantile(runner.times, 0.1) * 1e3,
            p90Ms: quantile(runner.times, 0.9) * 1e3, stepsPerSecond: 1 / median,
            firstLoss: runner.losses.first ?? .nan, lastLoss: runner.losses.last ?? .nan,
            timesMs: runner.times.map { $0 * 1e3 }))
    }
    if options.json {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        print(String(decoding: try encoder.encode(results), as: UTF8.self))
    } else {
        print("model        weights    median ms  p10 ms   p90 ms   steps/s  steps  loss first → last")
        for r in results {
            print(String(format: "%-12@ %9d  %8.2f  %7.2f  %7.2f  %7.1f  %5d  %.4f → %.4f",
                         r.model as NSString, r.parameters, r.medianMs, r.p10Ms, r.p90Ms, r.stepsPerSecond,
                         r.steps, r.firstLoss, r.lastLoss))
        }
    }
} catch {
    FileHandle.standardError.write(Data("bench-train failed: \(error)\n".utf8))
    exit(1)
}
