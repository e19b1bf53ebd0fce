// The Keras documentation's CNN + Attention query/value model, assembled from layers:
// a shared Embedding and a shared Conv1D encode a query and a value sequence, Attention lets
// the query attend over the value, two GlobalAveragePooling1D layers pool the query encoding
// and the attended sequence, Concatenate joins them, and Dense layers classify the pair.
//
// The data is a synthetic pair task made here from a seed: every query starts with a "key"
// token (ids 2...21), and the pair is positive when the value sequence contains that key;
// negative values contain a different key instead. Filler tokens are ids 22...59. Given the
// MSRP paraphrase files (train and test TSV), it classifies those sentence pairs instead — a
// hard task for so small a model trained from scratch: it overfits, and its test accuracy
// (0.62 measured) stays below the 0.665 of always answering "paraphrase".
//
//     swift run -c release cnn-attention-pairs
//     swift run -c release cnn-attention-pairs ../shared/datasets/msrp/msr_paraphrase_train.txt \
//         ../shared/datasets/msrp/msr_paraphrase_test.txt

import Foundation
import Heed
import HeedText

BLASKernelCheck.restartWithBetterKernelIfNeeded()

typealias Pair = InputPair<IntTensor, IntTensor>

let keys = 2...21, fillers = 22...59
let queryLength = 4, valueLength = 12

/// `count` (query, value) id pairs and their labels `[count, 1]` (1 = the value holds the key).
func makePairs(count: Int, seed: UInt64) throws -> (x: Pair, y: Tensor<Float>) {
    var g = SeededGenerator(seed: seed)
    func filler() -> Int32 { Int32(fillers.lowerBound + g.nextInt(below: fillers.count)) }
    var queries: [Int32] = [], values: [Int32] = [], labels: [Float] = []
    for _ in 0..<count {
        let key = keys.lowerBound + g.nextInt(below: keys.count)
        queries += [Int32(key)] + (1..<queryLength).map { _ in filler() }
        let positive = g.nextUnit() < 0.5
        var other = key
        while other == key { other = keys.lowerBound + g.nextInt(below: keys.count) }
        var value = (0..<valueLength).map { _ in filler() }
        value[g.nextInt(below: valueLength)] = Int32(positive ? key : other)
        values += value
        labels.append(positive ? 1 : 0)
    }
    let x = Pair(try IntTensor(shape: [count, queryLength], scalars: queries),
                 try IntTensor(shape: [count, valueLength], scalars: values))
    return (x, try Tensor(shape: [count, 1], scalars: labels))
}

/// The MSRP pairs of two TSV files: (sentence 1, sentence 2) ids and labels `[count, 1]`.
func loadParaphrases(train: String, test: String) throws -> (train: (x: Pair, y: Tensor<Float>),
                                                                test: (x: Pair, y: Tensor<Float>), vocabularySize: Int) {
    let options = TextDatasetOptions(textColumns: ["#1 String", "#2 String"], labelColumn: "Quality",
                                     vocabularySize: 8000, maxLength: 32)
    let data = try TextDataset.load(URL(fileURLWithPath: train), testFile: URL(fileURLWithPath: test), options: options)
    func pairs(_ texts: EncodedTexts) throws -> (x: Pair, y: Tensor<Float>) {
        // Class ids follow the sorted labels "0", "1", so the id is the paraphrase flag.
        (Pair(texts.inputs[0], texts.inputs[1]),
         try Tensor(shape: [texts.count, 1], scalars: texts.labels.scalars.map { Float($0) }))
    }
    print("MSRP: \(data.train.count) training and \(data.test.count) test pairs, \(data.vocabulary.count) tokens")
    return (try pairs(data.train), try pairs(data.test), data.vocabulary.count)
}

do {
    Heed.threads = 1
    let arguments = Array(CommandLine.arguments.dropFirst())
    var train = try makePairs(count: 3000, seed: 10)
    var test = try makePairs(count: 600, seed: 11)
    var vocabularySize = 60
    if arguments.count == 2 {
        (train, test, vocabularySize) = try loadParaphrases(train: arguments[0], test: arguments[1])
    }
    // token_embedding = tf.keras.layers.Embedding(input_dim=1000, output_dim=64)
    let embedding = Embedding<Float>(inputDim: vocabularySize, outputDim: 16, seed: 1)
    // cnn_layer = tf.keras.layers.Conv1D(filters=100, kernel_size=4, padding='same')
    let cnn = try Conv1D<Float>(filters: 32, kernelSize: 4, padding: .same, seed: 2)
    // tf.keras.layers.Attention()
    let attention = Attention<Float>()
    // tf.keras.layers.GlobalAveragePooling1D() (two of them)
    let queryPooling = GlobalAveragePooling1D<Float>(name: "query_pooling")
    let attendedPooling = GlobalAveragePooling1D<Float>(name: "attended_pooling")
    // tf.keras.layers.Concatenate()
    let concatenate = Concatenate<Float>()
    // The "DNN layers" the Keras example leaves to the reader: one hidden layer, one output.
    let hidden = Dense<Float>(units: 32, activation: .relu, name: "hidden", seed: 3)
    let output = Dense<Float>(units: 1, name: "output", seed: 4)

    let model = Model<Float, Pair>(name: "cnn_attention_pairs", outputActivation: .sigmoid) { pair, _ in
        let queryEncoding = try cnn(embedding(pair.first))     // [batch, Tq, 32]
        let valueEncoding = try cnn(embedding(pair.second))    // [batch, Tv, 32]
        let attended = try attention(query: queryEncoding, value: valueEncoding)   // [batch, Tq, 32]
        let joined = try concatenate([queryPooling(queryEncoding), attendedPooling(attended)])  // [batch, 64]
        return try output(hidden(joined))                       // [batch, 1] logits
    }
    model.add(embedding)
    model.add(cnn)
    model.add(attention)
    model.add(hidden)
    model.add(output)

    model.output = { print($0, terminator: "") }            // progress lines in order with print()
    model.compile(loss: .binaryCrossentropy(fromLogits: false), optimizer: Adam(learningRate: 0.003),
                  metrics: [.binaryAccuracy(), .auc])
    try model.fit(x: train.x, y: train.y, batchSize: 32, epochs: 8, validationData: (test.x, test.y),
                  seed: 5, verbose: .oneLinePerEpoch)
    let logs = try model.evaluate(x: test.x, y: test.y)
    let probabilities = try model.predict(test.x)
    let auc = ROCAUC.compute(scores: probabilities.scalars, labels: test.y.scalars.map { $0 == 1 })
    print(String(format: "test accuracy %.3f, test AUC %.4f (ROCAUC on predict: %.4f)",
                 logs["accuracy"] ?? .nan, logs["auc"] ?? .nan, auc ?? .nan))
} catch {
    print("cnn-attention-pairs failed: \(error)")
    exit(1)
}
