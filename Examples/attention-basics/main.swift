// Self-attention and target attention with Heed's Keras-compatible `Attention` layer, then the
// ROC AUC of a score vector.
//
//     swift run -c release attention-basics

import Foundation
import Heed

BLASKernelCheck.restartWithBetterKernelIfNeeded()

/// Prints the `[Tq, Tv]` weight matrix of the first example, one query per row.
func printWeights(_ weights: Tensor<Float>, title: String) {
    let (tq, tv) = (weights.shape[1], weights.shape[2])
    print(title)
    for i in 0..<tq {
        let row = (0..<tv).map { j in formatted(weights[0, i, j]) }
        print("  q\(i): " + row.joined(separator: " "))
    }
}

func formatted(_ x: Float) -> String {
    let rounded = (x * 1000).rounded() / 1000
    let text = String(rounded)
    return text.padding(toLength: 6, withPad: " ", startingAt: 0)
}

do {
    var generator = SeededGenerator(seed: 42)

    // Embeddings of a batch of 2 sequences, 5 tokens of 8 features each: [batch, time, features].
    let sequence = Tensor<Float>.randomNormal([2, 5, 8], standardDeviation: 0.5, generator: &generator)

    // 1. Self-attention: query, key and value are the same sequence (Keras `Attention()([x, x])`).
    let attention = Attention<Float>()
    let selfResult = try attention.attend(query: sequence, value: sequence)
    print("self-attention")
    print("  query/value  \(sequence.shape)  [batch, time, features]")
    print("  output       \(selfResult.output.shape)  [batch, Tq, features]")
    print("  weights      \(selfResult.scores.shape)  [batch, Tq, Tv]")
    printWeights(selfResult.scores, title: "  weights of example 0 (rows sum to 1):")

    // 2. Target attention: 3 target tokens query a source sequence of 6 tokens; keys and values
    //    come from the source. The last source step of example 0 is padding, hidden by a value
    //    mask, so it gets (almost) zero weight.
    let target = Tensor<Float>.randomNormal([2, 3, 8], standardDeviation: 0.5, generator: &generator)
    let source = Tensor<Float>.randomNormal([2, 6, 8], standardDeviation: 0.5, generator: &generator)
    let sourceMask = try Mask(shape: [2, 6], values: [true, true, true, true, true, false,
                                                      true, true, true, true, true, true])
    let targetResult = try attention.attend(query: target, value: source, key: source, valueMask: sourceMask)
    print("\ntarget attention")
    print("  query (target)       \(target.shape)  [batch, Tq, features]")
    print("  key/value (source)   \(source.shape)  [batch, Tv, features]")
    print("  output               \(targetResult.output.shape)  [batch, Tq, features]")
    print("  weights              \(targetResult.scores.shape)  [batch, Tq, Tv]")
    printWeights(targetResult.scores, title: "  weights of example 0 (the masked last step gets ~0):")

    // 3. Causal self-attention: query i sees keys 0...i only (anchored top-left, as Keras).
    let causal = try attention.attend(query: sequence, value: sequence, useCausalMask: true)
    printWeights(causal.scores, title: "\ncausal self-attention weights of example 0 (upper triangle ~0):")

    // 4. Pairwise ROC AUC: the probability that a random positive scores above a random negative.
    let scores: [Float] = [0.9, 0.8, 0.35, 0.6, 0.2, 0.7, 0.1, 0.4]
    let labels: [Bool] = [true, true, false, true, false, false, false, true]
    if let auc = ROCAUC.compute(scores: scores, labels: labels) {
        // 4 positives × 4 negatives = 16 pairs; 14 are ordered correctly → 0.875.
        print("\nROC AUC of \(scores) against \(labels.map { $0 ? 1 : 0 }): \(auc)")
    }
} catch {
    print("attention-basics failed: \(error)")
    exit(1)
}
