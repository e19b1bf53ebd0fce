// Trains a small attention text classifier (Embedding → Attention([x, x]) →
// GlobalAveragePooling1D → Dense) on synthetic token ids for a few epochs and prints the
// resident memory after each epoch, the peak, and the growth from epoch 2 to the last one
// (read from /proc/self/status). Memory that keeps growing after the first epochs means
// something outlives its training step.
// Usage: bench-memory [--examples N] [--length T] [--epochs E] [--threads K]
import Foundation
import Heed

BLASKernelCheck.restartWithBetterKernelIfNeeded()
if !Heed.isOptimizedBuild {
    print("bench-memory: a debug build measures nothing useful; run swift run -c release bench-memory")
    exit(2)
}

var examples = 2048, length = 128, epochs = 5
var it = CommandLine.arguments.dropFirst().makeIterator()
while let arg = it.next() {
    switch arg {
    case "--examples": examples = Int(it.next() ?? "") ?? examples
    case "--length": length = Int(it.next() ?? "") ?? length
    case "--epochs": epochs = Int(it.next() ?? "") ?? epochs
    case "--threads": if let t = Int(it.next() ?? "") { Heed.threads = t }
    default:
        print("usage: bench-memory [--examples N] [--length T] [--epochs E] [--threads K]")
        exit(2)
    }
}

/// A value in kB from /proc/self/status (`VmRSS`, `VmHWM`).
func status(_ key: String) -> Int {
    guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return -1 }
    for line in text.split(separator: "\n") where line.hasPrefix(key + ":") {
        return Int(line.split(whereSeparator: { $0 == " " || $0 == "\t" }).dropFirst().first ?? "") ?? -1
    }
    return -1
}

func megabytes(_ kilobytes: Int) -> String { String(format: "%.1f MB", Double(kilobytes) / 1024) }

/// Embedding → Attention([x, x]) → GlobalAveragePooling1D → Dense(2).
final class TextClassifier: Model<Float, IntTensor> {
    let embedding: Embedding<Float>
    let attention = Attention<Float>(seed: 1)
    let pooling = GlobalAveragePooling1D<Float>()
    let dense = Dense<Float>(units: 2, seed: 1)

    init(vocabulary: Int, dimension: Int) {
        embedding = Embedding<Float>(inputDim: vocabulary, outputDim: dimension, seed: 1)
        super.init(name: "text_classifier", outputActivation: .softmax)
        add(embedding)
        add(attention)
        add(dense)
    }

    override func forward(_ input: IntTensor, training: Bool) throws -> Tensor<Float> {
        let x = try embedding(input)
        return try dense(pooling(attention(query: x, value: x, training: training)))
    }
}

/// Records the resident size at the end of each epoch.
final class MemoryProbe: Callback {
    var residentAfterEpoch: [Int] = []
    func onEpochEnd(_ epoch: Int, logs: [String: Double], context: TrainingContext) throws {
        residentAfterEpoch.append(status("VmRSS"))
        print("epoch \(epoch + 1): loss \(String(format: "%.4f", logs["loss"] ?? .nan)), "
              + "resident \(megabytes(residentAfterEpoch.last ?? -1))")
    }
}

// Class 1 texts use the upper half of the vocabulary more often, so there is something to learn.
let vocabulary = 2000
var generator = SeededGenerator(seed: 5)
var ids: [Int32] = [], labels: [Int32] = []
for _ in 0..<examples {
    let label = Int32(generator.nextInt(below: 2))
    labels.append(label)
    for _ in 0..<length {
        let upper = generator.nextUnit() < (label == 1 ? 0.7 : 0.3)
        ids.append(Int32(2 + generator.nextInt(below: (vocabulary - 2) / 2) + (upper ? (vocabulary - 2) / 2 : 0)))
    }
}

do {
    let x = try IntTensor(shape: [examples, length], scalars: ids)
    let y = IntTensor(labels)
    let model = TextClassifier(vocabulary: vocabulary, dimension: 32)
    _ = try model.forward(try IntTensor(shape: [1, length], scalars: Array(ids[0..<length])), training: false)
    model.compile(loss: .sparseCategoricalCrossentropy(fromLogits: false), optimizer: Adam(), metrics: [.accuracy])
    print("bench-memory: \(examples) texts of \(length) tokens, vocabulary \(vocabulary), dimension 32, "
          + "batch 32, \(epochs) epochs, BLAS kernel \(Heed.blasCoreName), \(Heed.threads) thread(s)")
    let before = status("VmRSS")
    print("resident before training: \(megabytes(before))")
    let probe = MemoryProbe()
    let start = ContinuousClock.now
    try model.fit(x: x, y: y, batchSize: 32, epochs: epochs, callbacks: [probe], verbose: .silent)
    let elapsed = ContinuousClock.now - start
    let peak = status("VmHWM")
    print("peak resident (VmHWM): \(megabytes(peak))")
    if probe.residentAfterEpoch.count >= 2, let last = probe.residentAfterEpoch.last {
        let second = probe.residentAfterEpoch[1]
        print("growth from epoch 2 to epoch \(probe.residentAfterEpoch.count): \(megabytes(last - second)) "
              + "(\(String(format: "%+.1f", Double(last - second) / Double(second) * 100))%)")
    }
    print("training time: \(elapsed)")
} catch {
    print("bench-memory: \(error)")
    exit(1)
}
