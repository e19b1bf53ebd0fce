import Dispatch
import Foundation
import CBLAS
import XCTest
@testable import Heed

/// Two models, each trained and then asked for predictions on its own thread at the same time,
/// with Heed's kernels spreading their work over two and three threads: each ends with exactly
/// the weights and predictions it gets alone, round after round, and no call changes the thread
/// count another reads. (Run under ThreadSanitizer by `make sanitize`.)
final class ConcurrentTrainingTests: XCTestCase {
    /// What one model run produces: its trained weights, then its predictions.
    struct Run: Equatable {
        let weights: [[Float]]
        let predictions: [Float]
    }

    /// The README's text classifier (Embedding with a padding mask → Attention → mean over the
    /// kept steps → Dense softmax), large enough that its matrix products split over the
    /// threads and its attention runs the parallel kernels: trained for two epochs, then asked
    /// for predictions.
    private static func trainAndPredict(seed: UInt64) throws -> Run {
        var g = SeededGenerator(seed: seed)
        let (rows, time, vocabulary) = (32, 48, 300)
        var ids = [Int32](), labels = [Int32]()
        for _ in 0..<rows {
            let length = 8 + g.nextInt(below: time - 8)
            let label = Int32(g.nextInt(below: 2))
            for t in 0..<time {
                ids.append(t < length ? Int32(2 + 2 * g.nextInt(below: vocabulary / 2 - 1)) + label : 0)
            }
            labels.append(label)
        }
        let x = try IntTensor(shape: [rows, time], scalars: ids), y = IntTensor(labels)
        let embedding = Embedding<Float>(inputDim: vocabulary, outputDim: 64, maskZero: true, seed: seed)
        let attention = Attention<Float>(dropout: 0.1, seed: seed)
        let pooling = GlobalAveragePooling1D<Float>()
        let dense = Dense<Float>(units: 2, seed: seed)
        let model = Model<Float, IntTensor>(name: "classifier", outputActivation: .softmax) { ids, training in
            let x = try embedding.masked(ids)
            let attended = try attention(query: x, value: x, training: training)
            return try dense(pooling(attended).tensor)
        }
        model.add(embedding)
        model.add(attention)
        model.add(dense)
        model.compile(loss: .sparseCategoricalCrossentropy(fromLogits: false), optimizer: Adam(learningRate: 0.01),
                      metrics: [.accuracy])
        try model.fit(x: x, y: y, batchSize: 8, epochs: 2, seed: seed, verbose: .silent)
        let weights = try model.namedParameters().map(\.parameter.value.scalars)
        return Run(weights: weights, predictions: try model.predict(x).scalars)
    }

    func testTwoModelsTrainAndPredictOnTwoThreadsAsTheyWouldAlone() throws {
        for threads in [2, 3] {
            try withHeedThreads(threads) {
                let seeds: [UInt64] = [21, 22]
                let alone = try seeds.map { try Self.trainAndPredict(seed: $0) }
                for round in 0..<3 {
                    let results = ConcurrentResults<Run>(count: seeds.count)
                    DispatchQueue.concurrentPerform(iterations: seeds.count) { k in
                        results.set(k, Result { try ConcurrentTrainingTests.trainAndPredict(seed: seeds[k]) })
                    }
                    for k in seeds.indices {
                        XCTAssertEqual(try results.get(k).get(), alone[k], "\(threads) threads, round \(round), model \(k)")
                    }
                    XCTAssertEqual(Heed.threads, threads, "round \(round) left the thread count changed")
                    XCTAssertEqual(openblas_get_num_threads(), 1, "round \(round) changed OpenBLAS's thread count")
                }
            }
        }
    }
}

/// Results written by concurrent workers, one slot each.
private final class ConcurrentResults<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var slots: [Result<Value, Error>?]

    init(count: Int) { slots = Array(repeating: nil, count: count) }

    func set(_ k: Int, _ result: Result<Value, Error>) {
        lock.lock()
        slots[k] = result
        lock.unlock()
    }

    func get(_ k: Int) throws -> Result<Value, Error> {
        lock.lock()
        defer { lock.unlock() }
        return try XCTUnwrap(slots[k])
    }
}
