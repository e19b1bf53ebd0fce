import Foundation
import XCTest
@testable import Heed

/// Processes simulated by threads of one test: each collective waits until every rank has
/// arrived, then all read the combined result.
final class ThreadGroup: @unchecked Sendable {
    let size: Int
    private let condition = NSCondition()
    private var deposits: [[Double]]
    private var arrived = 0
    private var generation = 0
    private var combined: [[Double]] = []
    private(set) var allReduceCount = 0

    init(size: Int) {
        self.size = size
        deposits = Array(repeating: [], count: size)
    }

    /// Deposits `values` for `rank`, waits for the others, and returns every rank's deposit.
    func exchange(rank: Int, _ values: [Double], countsAsAllReduce: Bool = false) -> [[Double]] {
        condition.lock()
        defer { condition.unlock() }
        deposits[rank] = values
        arrived += 1
        let myGeneration = generation
        if arrived == size {
            combined = deposits
            if countsAsAllReduce { allReduceCount += 1 }
            arrived = 0
            generation += 1
            condition.broadcast()
        } else {
            while generation == myGeneration { condition.wait() }
        }
        return combined
    }
}

/// One rank of a ``ThreadGroup``.
final class ThreadSynchronizer: GradientSynchronizer {
    let group: ThreadGroup
    let rank: Int
    var processCount: Int { group.size }
    let gradientExchange: GradientExchange

    init(group: ThreadGroup, rank: Int, gradientExchange: GradientExchange = .afterBackward) {
        self.group = group
        self.rank = rank
        self.gradientExchange = gradientExchange
    }

    func broadcast<S: TensorScalar>(_ buffer: inout [S], fromRank root: Int) throws {
        buffer = group.exchange(rank: rank, buffer.map(Double.init))[root].map { S($0) }
    }

    func allReduceSum<S: TensorScalar>(_ buffer: inout [S]) throws {
        let all = group.exchange(rank: rank, buffer.map(Double.init), countsAsAllReduce: true)
        buffer = (0..<buffer.count).map { i in S(all.reduce(0) { $0 + $1[i] }) }
    }

    func allGather(_ values: [Double]) throws -> [[Double]] {
        group.exchange(rank: rank, values)
    }
}

/// Moves a non-Sendable value into a thread that alone uses it.
struct Handover<T>: @unchecked Sendable { let value: T }

/// What the rank threads report, under a lock.
final class RankReports: @unchecked Sendable {
    private let lock = NSLock()
    private(set) var histories: [Int: History] = [:]
    private(set) var failures: [String] = []

    func record(rank: Int, _ history: History) { lock.lock(); histories[rank] = history; lock.unlock() }
    func fail(_ message: String) { lock.lock(); failures.append(message); lock.unlock() }
}

/// Runs `body(rank)` on one thread per rank of `group` and waits for all of them; what they
/// throw is returned as "rank r: error".
func onRankThreads(of group: ThreadGroup, _ body: @escaping (Int) throws -> Void) -> [String] {
    let reports = RankReports()
    let work = Handover(value: body)
    let done = DispatchGroup()
    for rank in 0..<group.size {
        done.enter()
        Thread {
            defer { done.leave() }
            do { try work.value(rank) } catch { reports.fail("rank \(rank): \(error)") }
        }.start()
    }
    done.wait()
    return reports.failures
}

/// Text written by one rank's model, under a lock.
final class WrittenText: @unchecked Sendable {
    private let lock = NSLock()
    private(set) var pieces: [String] = []

    func append(_ text: String) { lock.lock(); pieces.append(text); lock.unlock() }
}

final class GradientSynchronizerTests: SingleThreadedTestCase {

    /// Trains `makeClassifier(seed: 2 + rank)` on every rank of a thread group.
    func trainOnThreads(ranks: Int, batchSize: Int, data: (x: Tensor<Float>, y: IntTensor),
                        validation: (x: Tensor<Float>, y: IntTensor),
                        exchange: GradientExchange = .afterBackward) throws
        -> (models: [Sequential<Float, Tensor<Float>>], histories: [History], group: ThreadGroup) {
        let group = ThreadGroup(size: ranks)
        let models = (0..<ranks).map { makeClassifier(seed: 2 + UInt64($0)) }
        let reports = RankReports()
        let failures = onRankThreads(of: group) { rank in
            let model = models[rank]
            model.compile(loss: .sparseCategoricalCrossentropy(fromLogits: false),
                          optimizer: Adam(learningRate: 0.02), metrics: [.accuracy])
            model.synchronizer = ThreadSynchronizer(group: group, rank: rank, gradientExchange: exchange)
            let history = try model.fit(x: data.x, y: data.y, batchSize: batchSize, epochs: 2,
                                        validationData: validation, seed: 9, verbose: .silent)
            reports.record(rank: rank, history)
        }
        XCTAssertEqual(failures, [])
        return (models, (0..<ranks).compactMap { reports.histories[$0] }, group)
    }

    func testTwoRanksWithBatchBMatchOneProcessWithBatch2B() throws {
        let data = separableData(count: 45, seed: 1), validation = separableData(count: 19, seed: 8)
        let (models, histories, group) = try trainOnThreads(ranks: 2, batchSize: 4, data: data,
                                                            validation: validation)
        let single = makeClassifier(seed: 2)
        single.compile(loss: .sparseCategoricalCrossentropy(fromLogits: false), optimizer: Adam(learningRate: 0.02),
                       metrics: [.accuracy])
        let alone = try single.fit(x: data.x, y: data.y, batchSize: 8, epochs: 2, validationData: validation,
                                   seed: 9, verbose: .silent)
        // 45 examples in steps of 8: 6 steps per epoch, the last one with 5 (4 + 1).
        XCTAssertEqual(group.allReduceCount, 2 * 6 + 1 + 2 * 1,
                       "one fused all-reduce per step, plus the agreement check and one per validation")
        for model in models {
            for ((name, p), (_, q)) in zip(try model.namedParameters(), try single.namedParameters()) {
                assertClose(p.value.scalars, q.value.scalars, rtol: 1e-5, atol: 1e-6, name)
            }
        }
        XCTAssertEqual(histories.count, 2)
        for history in histories {
            XCTAssertEqual(try XCTUnwrap(history["loss"]?.last), try XCTUnwrap(alone["loss"]?.last), accuracy: 1e-5)
            XCTAssertEqual(history["accuracy"], alone["accuracy"])
            XCTAssertEqual(history["val_accuracy"], alone["val_accuracy"])
            XCTAssertEqual(try XCTUnwrap(history["val_loss"]?.last), try XCTUnwrap(alone["val_loss"]?.last), accuracy: 1e-5)
        }
    }

    func testRankWithoutExamplesInTheLastStepStillMatchesOneProcess() throws {
        // 43 examples in steps of 8: the last step's 3 examples all go to rank 0.
        let data = separableData(count: 43, seed: 3), validation = separableData(count: 5, seed: 4)
        let (models, _, _) = try trainOnThreads(ranks: 2, batchSize: 4, data: data, validation: validation)
        let single = makeClassifier(seed: 2)
        single.compile(loss: .sparseCategoricalCrossentropy(fromLogits: false), optimizer: Adam(learningRate: 0.02),
                       metrics: [.accuracy])
        try single.fit(x: data.x, y: data.y, batchSize: 8, epochs: 2, validationData: validation, seed: 9,
                       verbose: .silent)
        for model in models {
            for ((name, p), (_, q)) in zip(try model.namedParameters(), try single.namedParameters()) {
                assertClose(p.value.scalars, q.value.scalars, rtol: 1e-5, atol: 1e-6, name)
            }
        }
    }

    func testOverlappedExchangeGivesTheFusedExchangesWeightsBitForBit() throws {
        // 43 examples in steps of 8: the last step's 3 examples all go to rank 0, so rank 1
        // takes part in that step's buckets with zeros.
        let data = separableData(count: 43, seed: 3), validation = separableData(count: 11, seed: 4)
        let fused = try trainOnThreads(ranks: 2, batchSize: 4, data: data, validation: validation)
        // 8 bytes: each of the 4 weights (8×2 floats and up) in a bucket of its own.
        let overlapped = try trainOnThreads(ranks: 2, batchSize: 4, data: data, validation: validation,
                                            exchange: .overlapped(bucketBytes: 8))
        XCTAssertEqual(fused.group.allReduceCount, 2 * 6 + 1 + 2 * 1)
        XCTAssertEqual(overlapped.group.allReduceCount, 2 * 6 * 4 + 1 + 2 * 1, "one all-reduce per bucket and step")
        for (a, b) in zip(fused.models + fused.models, overlapped.models + overlapped.models.reversed()) {
            for ((name, p), (_, q)) in zip(try a.namedParameters(), try b.namedParameters()) {
                XCTAssertEqual(p.value.scalars, q.value.scalars, name)
            }
        }
        XCTAssertEqual(fused.histories.map { $0["loss"] }, overlapped.histories.map { $0["loss"] })
        XCTAssertEqual(fused.histories.map { $0["val_loss"] }, overlapped.histories.map { $0["val_loss"] })
    }

    func testBucketsFillInReverseRegistrationOrderUpToTheirSize() {
        let parameters = [10, 3, 5, 2].enumerated().map { i, n in
            Parameter<Float>(path: "w\(i)", value: .zeros([n]))
        }
        // 24 bytes = 6 floats: w3 (2) + w2 (5) reach it; then w1 (3) + w0 (10).
        let buckets = GradientBuckets(parameters: parameters, bucketBytes: 24,
                                      synchronizer: ThreadSynchronizer(group: ThreadGroup(size: 1), rank: 0))
        XCTAssertEqual(buckets.bucketMembers, [[3, 2], [1, 0]])
        let whole = GradientBuckets(parameters: parameters, bucketBytes: 1 << 20,
                                    synchronizer: ThreadSynchronizer(group: ThreadGroup(size: 1), rank: 0))
        XCTAssertEqual(whole.bucketMembers, [[3, 2, 1, 0]])
    }

    func testOnlyRankZeroWritesProgressAndCheckpoints() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("heed-rank-output-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let group = ThreadGroup(size: 2)
        let written = [WrittenText(), WrittenText()]
        let failures = onRankThreads(of: group) { rank in
            let data = separableData(count: 16, seed: 1)
            let model = makeClassifier(seed: 2)
            model.compile(loss: .sparseCategoricalCrossentropy(fromLogits: false), optimizer: SGD())
            model.synchronizer = ThreadSynchronizer(group: group, rank: rank)
            model.output = { written[rank].append($0) }
            let checkpoint = ModelCheckpoint(url: folder.appendingPathComponent("rank\(rank)-{epoch}.safetensors"),
                                             monitor: "loss")
            try model.fit(x: data.x, y: data.y, batchSize: 4, epochs: 2, callbacks: [checkpoint],
                          verbose: .oneLinePerEpoch)
        }
        XCTAssertEqual(failures, [])
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
        XCTAssertEqual(files, ["rank0-1.safetensors", "rank0-2.safetensors"])
        XCTAssertEqual(written[0].pieces.count, 2, "one line per epoch on rank 0")
        XCTAssertEqual(written[1].pieces, [], "rank 1 prints nothing")
    }

    func testRanksWithDifferentDataSizesThrowOnEveryRank() throws {
        let group = ThreadGroup(size: 2)
        let reports = RankReports()
        let done = DispatchGroup()
        for rank in 0..<2 {
            done.enter()
            Thread {
                defer { done.leave() }
                let data = separableData(count: 20 + rank, seed: 1)
                let model = makeClassifier(seed: 2)
                model.compile(loss: .sparseCategoricalCrossentropy(fromLogits: false), optimizer: SGD())
                model.synchronizer = ThreadSynchronizer(group: group, rank: rank)
                do {
                    try model.fit(x: data.x, y: data.y, batchSize: 4, verbose: .silent)
                } catch let error as DataParallelError {
                    reports.fail(error.description)
                } catch {
                    reports.fail("unexpected: \(error)")
                }
            }.start()
        }
        done.wait()
        XCTAssertEqual(reports.failures.count, 2, "\(reports.failures)")
        XCTAssertTrue(reports.failures.contains {
            $0.contains("process 1 has the number of training examples = 21 but process 0 has 20")
        }, "\(reports.failures)")
    }

    /// A data-parallel `fit` reads from its example source only the examples of its own rank
    /// (each step's share for training, one contiguous shard for validation): together the
    /// ranks read every example once per epoch, no example twice. This is what lets a rank
    /// train from an on-disk source (`CachedIDs`) reading only its part.
    func testEachRankReadsOnlyItsOwnExamplesFromItsSource() throws {
        let data = separableData(count: 45, seed: 1), validation = separableData(count: 19, seed: 8)
        let group = ThreadGroup(size: 2)
        let sources = (0..<2).map { _ in (train: RecordingSource(data.x), validation: RecordingSource(validation.x)) }
        let failures = onRankThreads(of: group) { rank in
            let model = makeClassifier(seed: 2)
            model.compile(loss: .sparseCategoricalCrossentropy(fromLogits: false), optimizer: Adam(learningRate: 0.02))
            model.synchronizer = ThreadSynchronizer(group: group, rank: rank)
            try model.fit(x: sources[rank].train, y: data.y, batchSize: 4, epochs: 2,
                          validationData: (sources[rank].validation, validation.y), seed: 9, verbose: .silent)
        }
        XCTAssertEqual(failures, [])
        for rank in 0..<2 {
            // The first read is one example, for the model to learn its input's shape.
            XCTAssertEqual(sources[rank].train.calls.first, [0], "rank \(rank)'s first read")
        }
        // 45 examples in steps of 8: five full steps (4 examples per rank), then a step of 5,
        // 4 on rank 0 and 1 on rank 1. Each epoch draws its own permutation, so the ranks'
        // reads are compared epoch by epoch.
        let steps = 6
        for epoch in 0..<2 {
            let read = sources.map { Array($0.train.calls.dropFirst(1 + epoch * steps).prefix(steps).joined()) }
            XCTAssertEqual(read.map(\.count), [24, 21], "examples read per rank in epoch \(epoch)")
            XCTAssertEqual(Set(read[0]).intersection(read[1]), [], "examples read by both ranks in epoch \(epoch)")
            XCTAssertEqual(Set(read[0]).union(read[1]), Set(0..<45), "examples read by neither rank in epoch \(epoch)")
        }
        XCTAssertEqual(sources.map(\.train.calls.count), [1 + 2 * steps, 1 + 2 * steps])
        // Validation, after each epoch: contiguous shards of the 19 examples, one per rank.
        let held = sources.map { Array($0.validation.calls.joined()) }
        XCTAssertEqual(held[0].sorted(), (0..<9).flatMap { [$0, $0] })
        XCTAssertEqual(held[1].sorted(), (9..<19).flatMap { [$0, $0] })
    }
}

/// An example source that remembers every index asked of it.
final class RecordingSource: ExampleSource {
    let base: Tensor<Float>
    /// The indices of every read, in order.
    private(set) var calls: [[Int]] = []

    init(_ base: Tensor<Float>) { self.base = base }

    var exampleCount: Int { base.exampleCount }

    func examples(_ indices: [Int]) -> Tensor<Float> {
        calls.append(indices)
        return base.selectingExamples(indices)
    }
}
