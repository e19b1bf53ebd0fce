// A one-block Transformer encoder written from tensor primitives — no layer classes: learnt
// Wq/Wk/Wv projections, scaled dot-product attention, multi-head attention, sinusoidal
// positional encoding, a feed-forward block, residual connections and layer normalisation —
// trained with a hand-written loop (forward, loss, backward, Adam step), ending with a loss
// curve chart.
//
// The toy task needs word order, so positions matter: each sequence holds token A (id 1) and
// token B (id 2) once among filler tokens; the class is 1 when A comes before B.
//
//     swift run -c release transformer-from-scratch [output folder]   (default ./out)

import Foundation
import Heed
import HeedModels

BLASKernelCheck.restartWithBetterKernelIfNeeded()

let vocabularySize = 16, length = 10, modelDim = 16, heads = 2, feedForwardDim = 32, classes = 2
let headDim = modelDim / heads

/// All weights, by name, so that one optimizer updates them.
final class Weights {
    private(set) var all: [(name: String, parameter: Parameter<Float>)] = []
    private var generator = SeededGenerator(seed: 7)

    /// A new weight of `shape`, Glorot-uniform (or zeros for biases and 1 for gains).
    func make(_ name: String, _ shape: [Int], _ initializer: Initializer = .glorotUniform) -> Parameter<Float> {
        let value: Tensor<Float> = initializer.make(shape, generator: &generator)
        let p = Parameter(path: name, value: value)
        all.append((name, p))
        return p
    }
}

let weights = Weights()
let embeddingTable = weights.make("embedding", [vocabularySize, modelDim], .uniform(low: -0.05, high: 0.05))
let wq = weights.make("wq", [modelDim, modelDim]), wk = weights.make("wk", [modelDim, modelDim])
let wv = weights.make("wv", [modelDim, modelDim]), wo = weights.make("wo", [modelDim, modelDim])
let gain1 = weights.make("ln1_gain", [modelDim], .ones), bias1 = weights.make("ln1_bias", [modelDim], .zeros)
let w1 = weights.make("ffn_w1", [modelDim, feedForwardDim]), b1 = weights.make("ffn_b1", [feedForwardDim], .zeros)
let w2 = weights.make("ffn_w2", [feedForwardDim, modelDim]), b2 = weights.make("ffn_b2", [modelDim], .zeros)
let gain2 = weights.make("ln2_gain", [modelDim], .ones), bias2 = weights.make("ln2_bias", [modelDim], .zeros)
let wOut = weights.make("out_w", [modelDim, classes]), bOut = weights.make("out_b", [classes], .zeros)

/// sin/cos positional encoding `[length, d]`: PE[p, 2i] = sin(p / 10000^(2i/d)), PE[p, 2i+1] = cos(…).
func positionalEncoding(length: Int, d: Int) throws -> Tensor<Float> {
    var values = [Float](repeating: 0, count: length * d)
    for p in 0..<length {
        for i in stride(from: 0, to: d, by: 2) {
            let angle = Double(p) / pow(10000, Double(i) / Double(d))
            values[p * d + i] = Float(sin(angle))
            if i + 1 < d { values[p * d + i + 1] = Float(cos(angle)) }
        }
    }
    return try Tensor(shape: [length, d], scalars: values)
}

/// softmax(Q·Kᵀ / √d_k)·V over `[batch, heads, time, d_k]`.
func scaledDotProductAttention(_ q: Tensor<Float>, _ k: Tensor<Float>, _ v: Tensor<Float>) throws -> Tensor<Float> {
    let scores = try Tensor.matmul(q, k, transposeB: true) * (1 / Float(q.shape[3]).squareRoot())
    return try Tensor.matmul(scores.softmax(alongAxis: -1), v)
}

/// `[batch, time, d]` → `[batch, heads, time, d / heads]`.
func splitHeads(_ x: Tensor<Float>) throws -> Tensor<Float> {
    try x.reshaped([x.shape[0], x.shape[1], heads, headDim]).permuted([0, 2, 1, 3])
}

/// Multi-head self-attention: project, split into heads, attend, merge heads, project back.
func multiHeadSelfAttention(_ x: Tensor<Float>) throws -> Tensor<Float> {
    let (batch, time) = (x.shape[0], x.shape[1])
    let q = try splitHeads(Tensor.matmul(x, wq.value))
    let k = try splitHeads(Tensor.matmul(x, wk.value))
    let v = try splitHeads(Tensor.matmul(x, wv.value))
    let merged = try scaledDotProductAttention(q, k, v).permuted([0, 2, 1, 3]).reshaped([batch, time, modelDim])
    return try Tensor.matmul(merged, wo.value)
}

/// (x − mean) / √(var + ε) · gain + bias over the last axis.
func layerNorm(_ x: Tensor<Float>, gain: Parameter<Float>, bias: Parameter<Float>) throws -> Tensor<Float> {
    let centred = try x - x.mean(alongAxis: -1, keepDims: true)
    let variance = try centred.squared().mean(alongAxis: -1, keepDims: true)
    return try centred / (variance + 1e-5).sqrt() * gain.value + bias.value
}

/// relu(x·W1 + b1)·W2 + b2.
func feedForward(_ x: Tensor<Float>) throws -> Tensor<Float> {
    let hidden = try (Tensor.matmul(x, w1.value) + b1.value).relu()
    return try Tensor.matmul(hidden, w2.value) + b2.value
}

let positions = try positionalEncoding(length: length, d: modelDim)

/// Token ids `[batch, time]` → class logits `[batch, classes]`.
func forward(_ ids: IntTensor) throws -> Tensor<Float> {
    var x = try embeddingTable.value.gatheringRows(ids) * Float(modelDim).squareRoot() + positions
    x = try layerNorm(x + multiHeadSelfAttention(x), gain: gain1, bias: bias1)
    x = try layerNorm(x + feedForward(x), gain: gain2, bias: bias2)
    return try Tensor.matmul(x.mean(alongAxis: 1), wOut.value) + bOut.value
}

/// `count` sequences and labels (1 when A comes before B).
func makeData(count: Int, seed: UInt64) throws -> (ids: IntTensor, labels: IntTensor) {
    var g = SeededGenerator(seed: seed)
    var ids: [Int32] = [], labels: [Int32] = []
    for _ in 0..<count {
        var row = (0..<length).map { _ in Int32(3 + g.nextInt(below: vocabularySize - 3)) }
        let a = g.nextInt(below: length)
        var b = a
        while b == a { b = g.nextInt(below: length) }
        row[a] = 1
        row[b] = 2
        ids += row
        labels.append(a < b ? 1 : 0)
    }
    return (try IntTensor(shape: [count, length], scalars: ids), IntTensor(labels))
}

func accuracy(_ data: (ids: IntTensor, labels: IntTensor)) throws -> Double {
    let predicted = try withoutGrad { try forward(data.ids).argmax(alongAxis: -1) }
    let correct = zip(predicted.scalars, data.labels.scalars).filter { $0 == $1 }.count
    return Double(correct) / Double(data.labels.scalars.count)
}

do {
    Heed.threads = 1
    let train = try makeData(count: 2048, seed: 1), test = try makeData(count: 512, seed: 2)
    let optimizer = Adam<Float>(learningRate: 0.003)
    let batchSize = 32, epochs = 6
    var losses: [(x: Double, y: Double)] = []
    var shuffler = SeededGenerator(seed: 3)
    print("weights: \(weights.all.reduce(0) { $0 + $1.parameter.value.count }); accuracy before training \(String(format: "%.3f", try accuracy(test)))")
    for epoch in 0..<epochs {
        var order = Array(0..<train.labels.scalars.count)
        for i in stride(from: order.count - 1, to: 0, by: -1) { order.swapAt(i, shuffler.nextInt(below: i + 1)) }
        for start in stride(from: 0, to: order.count, by: batchSize) {
            let batch = Array(order[start..<min(order.count, start + batchSize)])
            let loss = try Losses.sparseCategoricalCrossentropy(
                logits: forward(train.ids.selectingExamples(batch)), labels: train.labels.selectingExamples(batch))
            loss.backward()                        // fills every weight's .grad
            optimizer.apply(to: weights.all)       // one Adam step
            for (_, p) in weights.all { p.zeroGrad() }
            losses.append((Double(losses.count + 1), Double(loss.scalar)))
        }
        let recent = losses.suffix(64).map(\.y).reduce(0, +) / Double(min(64, losses.count))
        print(String(format: "epoch %d  loss %.4f  test accuracy %.3f", epoch + 1, recent, try accuracy(test)))
    }

    let folder = URL(fileURLWithPath: CommandLine.arguments.dropFirst().first ?? "out", isDirectory: true)
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    let chart = LineChart(title: "Transformer from scratch: training loss", xLabel: "step", yLabel: "loss",
                          series: [.init(name: "batch loss", points: losses)])
    let file = folder.appendingPathComponent("transformer-loss.svg")
    try chart.svg().write(to: file, atomically: true, encoding: .utf8)
    print("loss curve: \(file.path)")
} catch {
    print("transformer-from-scratch failed: \(error)")
    exit(1)
}
