import Dispatch
import Foundation
import XCTest
@testable import Heed

/// Two models train on two threads at once without sharing state: each ends with exactly the
/// weights it gets when trained alone. (Run under ThreadSanitizer by `make sanitize`.)
final class ConcurrentTrainingTests: XCTestCase {
    private static func trainedWeights(seed: UInt64) throws -> [[Float]] {
        let data = separableData(count: 32, seed: seed)
        let model = makeClassifier(seed: seed)
        model.compile(loss: .sparseCategoricalCrossentropy(fromLogits: false), optimizer: Adam(learningRate: 0.01),
                      metrics: [.accuracy])
        try model.fit(x: data.x, y: data.y, batchSize: 8, epochs: 3, seed: seed, verbose: .silent)
        return try model.namedParameters().map(\.parameter.value.scalars)
    }

    func testTwoModelsTrainOnTwoThreadsAsTheyWouldAlone() throws {
        Heed.threads = 1
        let seeds: [UInt64] = [21, 22]
        let alone = try seeds.map { try Self.trainedWeights(seed: $0) }
        let results = ConcurrentResults(count: seeds.count)
        DispatchQueue.concurrentPerform(iterations: seeds.count) { k in
            results.set(k, Result { try ConcurrentTrainingTests.trainedWeights(seed: seeds[k]) })
        }
        for k in seeds.indices {
            XCTAssertEqual(try results.get(k).get(), alone[k], "model \(k)")
        }
    }
}

/// Results written by concurrent workers, one slot each.
private final class ConcurrentResults: @unchecked Sendable {
    private let lock = NSLock()
    private var slots: [Result<[[Float]], Error>?]

    init(count: Int) { slots = Array(repeating: nil, count: count) }

    func set(_ k: Int, _ result: Result<[[Float]], Error>) {
        lock.lock()
        slots[k] = result
        lock.unlock()
    }

    func get(_ k: Int) throws -> Result<[[Float]], Error> {
        lock.lock()
        defer { lock.unlock() }
        return try XCTUnwrap(slots[k])
    }
}
