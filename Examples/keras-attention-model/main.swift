// The Keras `AttentionModel` (Embedding → Attention → mean over time → Dense softmax), written
// against Heed. Each Swift line carries, in its comment, the Keras line it replaces.
//
// The data is a small synthetic "sentiment" task made here from a seed: a sequence of token ids
// is positive when it holds more "good" tokens (ids 2...6) than "bad" ones (ids 7...11); the
// other ids are neutral filler. Given the path of the IMDb CSV (`review`, `sentiment` columns),
// it trains on the first reviews of that file instead (5,000 by default, 100 tokens each;
// about 10 s per epoch on two cores).
//
//     swift run -c release keras-attention-model
//     swift run -c release keras-attention-model ../shared/datasets/imdb/IMDB_Dataset.csv [5000]

import Foundation
import Heed
import HeedText

BLASKernelCheck.restartWithBetterKernelIfNeeded()

// class AttentionModel(tf.keras.Model):
final class AttentionModel: Model<Float, IntTensor> {
    let embedding: Embedding<Float>
    let attention = Attention<Float>()
    let dense: Dense<Float>

    // def __init__(self, vocab_size, embed_dim, num_classes):
    init(vocabularySize: Int, embeddingDim: Int, classes: Int, seed: UInt64) {
        // self.embedding = layers.Embedding(vocab_size, embed_dim)
        embedding = Embedding(inputDim: vocabularySize, outputDim: embeddingDim, seed: seed)
        // self.attention = layers.Attention()                  (declared above)
        // self.dense = layers.Dense(num_classes, activation="softmax")
        dense = Dense(units: classes, seed: seed)              // softmax: see outputActivation
        super.init(name: "attention_model", outputActivation: .softmax)
        add(embedding)
        add(attention)
        add(dense)
    }

    // def call(self, inputs):
    override func forward(_ ids: IntTensor, training: Bool) throws -> Tensor<Float> {
        let x = try embedding(ids)                             // x = self.embedding(inputs)
        let attended = try attention(query: x, value: x)       // x = self.attention([x, x])
        let pooled = try attended.mean(alongAxis: 1)           // x = tf.reduce_mean(x, axis=1)
        return try dense(pooled)                               // return self.dense(x)
    }
}

/// `count` sequences of `length` ids in `0..<vocabularySize` and their 0/1 labels.
func makeData(count: Int, length: Int, vocabularySize: Int, seed: UInt64) throws -> (ids: IntTensor, labels: IntTensor) {
    var g = SeededGenerator(seed: seed)
    var ids: [Int32] = [], labels: [Int32] = []
    for _ in 0..<count {
        var row = (0..<length).map { _ in Int32(12 + g.nextInt(below: vocabularySize - 12)) }
        var good = 0, bad = 0
        for _ in 0..<(1 + g.nextInt(below: 5)) {
            let position = g.nextInt(below: length)
            if g.nextUnit() < 0.5 {
                row[position] = Int32(2 + g.nextInt(below: 5))
            } else {
                row[position] = Int32(7 + g.nextInt(below: 5))
            }
        }
        for id in row { if (2...6).contains(id) { good += 1 } else if (7...11).contains(id) { bad += 1 } }
        if good == bad {   // break ties with one more token of a random kind
            let position = row.firstIndex { $0 >= 12 } ?? 0
            row[position] = g.nextUnit() < 0.5 ? 2 : 7
            if row[position] == 2 { good += 1 } else { bad += 1 }
        }
        ids += row
        labels.append(good > bad ? 1 : 0)
    }
    return (try IntTensor(shape: [count, length], scalars: ids), IntTensor(labels))
}

do {
    Heed.threads = 1
    var vocabularySize = 50
    var train = try makeData(count: 2000, length: 20, vocabularySize: vocabularySize, seed: 1)
    var test = try makeData(count: 500, length: 20, vocabularySize: vocabularySize, seed: 2)
    let arguments = CommandLine.arguments.dropFirst()
    if let path = arguments.first {
        // (x_train, y_train), (x_test, y_test) from a CSV file, cleaned, tokenised and padded.
        let limit = arguments.dropFirst().first.flatMap { Int($0) } ?? 5000
        vocabularySize = 10_000
        let options = TextDatasetOptions(textColumns: ["review"], labelColumn: "sentiment",
                                         vocabularySize: vocabularySize, maxLength: 100)
        let data = try TextDataset.load(URL(fileURLWithPath: path), options: options)
        let trainRows = data.train.subset(Array(0..<min(limit, data.train.count)))
        let testRows = data.test.subset(Array(0..<min(limit / 5, data.test.count)))
        train = (trainRows.inputs[0], trainRows.labels)
        test = (testRows.inputs[0], testRows.labels)
        print("\(path): \(train.ids.shape[0]) training and \(test.ids.shape[0]) test reviews, classes \(data.labelEncoder.classes)")
    }

    // model = AttentionModel(vocab_size, embed_dim=32, num_classes=2)
    let model = AttentionModel(vocabularySize: vocabularySize, embeddingDim: 32, classes: 2, seed: 3)
    model.output = { print($0, terminator: "") }            // progress lines in order with print()
    // model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.compile(loss: .sparseCategoricalCrossentropy(fromLogits: false), optimizer: Adam(), metrics: [.accuracy])
    // model.fit(x_train, y_train, epochs=10, batch_size=32, validation_data=(x_test, y_test))
    let history = try model.fit(x: train.ids, y: train.labels, batchSize: 32, epochs: 10,
                                validationData: (test.ids, test.labels), seed: 4, verbose: .oneLinePerEpoch)
    // loss, accuracy = model.evaluate(x_test, y_test)
    let logs = try model.evaluate(x: test.ids, y: test.labels)
    print("weights: \(try model.parameterCount()), epochs: \(history.epochs.count)")
    print(String(format: "test accuracy %.3f, test loss %.4f", logs["accuracy"] ?? .nan, logs["loss"] ?? .nan))
    // model.predict(x_test[:3])
    let probabilities = try model.predict(test.ids.rows(0..<3))
    print("predicted class probabilities of 3 test sequences: \(probabilities.shape) \(probabilities.scalars.map { (($0 * 1000).rounded() / 1000) })")
} catch {
    print("keras-attention-model failed: \(error)")
    exit(1)
}
