import Foundation
import Heed

/// Gathers the texts of concurrent requests for one model into one forward pass.
///
/// Requests wait in a queue. A dedicated thread takes the oldest request, waits until the queue
/// holds `maxBatch` texts or `delay` has passed since that request arrived, then runs every queued
/// request that fits in `maxBatch` texts (always at least one; a larger request runs alone, in
/// passes of `maxBatch`) and hands each its own rows of the result. It waits only when requests
/// arrive together (several are queued, or the previous pass served several): a lone request
/// after a quiet spell runs at once, so one client does not pay the delay on every request. Every text is padded to the
/// model's full input length on its own, so its prediction does not depend on its batch.
///
/// A request that would take the queue past `maxQueue` texts is refused at once with
/// ``ServeError/unavailable(_:retryAfterSeconds:)``: it is never accepted and dropped later.
/// ``stop()`` refuses new requests and answers every accepted one before the thread ends.
final class DynamicBatcher: @unchecked Sendable {
    /// One request's encoded texts: one `[count, length]` id matrix per text column.
    struct Inputs: Sendable {
        let columns: [IntTensor]
        var count: Int { columns[0].shape[0] }
    }

    private struct Job {
        let inputs: Inputs
        /// On the monotonic clock, so that a step of the wall clock neither stalls nor hurries a batch.
        let arrived: ContinuousClock.Instant
        let continuation: CheckedContinuation<[[Double]], any Error>
    }

    let maxBatch: Int
    let delay: TimeInterval
    let maxQueue: Int
    /// Whether even a lone request waits `delay` for company (tests use it to hold requests in
    /// the queue).
    let alwaysWaits: Bool
    private let predict: @Sendable ([IntTensor], Int) throws -> [[Double]]
    private let observeBatch: @Sendable (Int) -> Void
    private let observeQueue: @Sendable (Int) -> Void

    // Guarded by `condition`.
    private let condition = NSCondition()
    private var jobs: [Job] = []
    private var head = 0
    private var queuedTexts = 0
    private var stopping = false
    private var finished = false
    /// The number of requests the previous forward pass served.
    private var lastBatchRequests = 0

    /// - Parameters:
    ///   - predict: class probabilities for id matrices, in passes of at most the given count.
    ///   - observeBatch: called with each forward pass's text count, once the passes succeeded.
    ///   - observeQueue: called with the queued text count when it changes, in order.
    init(maxBatch: Int, delay: TimeInterval, maxQueue: Int, alwaysWaits: Bool = false,
         predict: @escaping @Sendable ([IntTensor], Int) throws -> [[Double]],
         observeBatch: @escaping @Sendable (Int) -> Void = { _ in },
         observeQueue: @escaping @Sendable (Int) -> Void = { _ in }) {
        self.maxBatch = maxBatch
        self.delay = delay
        self.maxQueue = maxQueue
        self.alwaysWaits = alwaysWaits
        self.predict = predict
        self.observeBatch = observeBatch
        self.observeQueue = observeQueue
        let thread = Thread { [self] in loop() }
        thread.name = "heed-batcher"
        thread.start()
    }

    /// The class probabilities of `inputs`' texts, in order, once their batch has run.
    ///
    /// - Throws: ``ServeError/unavailable(_:retryAfterSeconds:)`` when the queue is full or the
    ///   batcher is stopping; ``ServeError/internalError(_:)`` when the model fails.
    func submit(_ inputs: Inputs) async throws -> [[Double]] {
        try await withCheckedThrowingContinuation { continuation in
            condition.lock()
            if stopping {
                condition.unlock()
                continuation.resume(throwing: ServeError.unavailable("the server is shutting down", retryAfterSeconds: 1))
                return
            }
            if queuedTexts + inputs.count > maxQueue {
                let queued = queuedTexts
                condition.unlock()
                continuation.resume(throwing: ServeError.unavailable(
                    "the model's queue is full (\(queued) texts waiting, limit \(maxQueue)); retry later",
                    retryAfterSeconds: 1))
                return
            }
            jobs.append(Job(inputs: inputs, arrived: .now, continuation: continuation))
            queuedTexts += inputs.count
            observeQueue(queuedTexts)  // under the lock, so that the batcher's later count is not overwritten
            condition.signal()
            condition.unlock()
        }
    }

    /// Refuses new requests, answers the queued ones, and returns when the thread has ended.
    func stop() {
        condition.lock()
        stopping = true
        condition.broadcast()
        while !finished { condition.wait() }
        condition.unlock()
    }

    private func loop() {
        while let batch = nextBatch() {
            run(batch)
        }
    }

    /// Waits for the next batch; nil once stopping with nothing queued.
    private func nextBatch() -> [Job]? {
        condition.lock()
        defer { condition.unlock() }
        while head == jobs.count {
            if stopping {
                finished = true
                condition.broadcast()
                return nil
            }
            condition.wait()
        }
        if alwaysWaits || jobs.count - head > 1 || lastBatchRequests > 1 {
            let deadline = jobs[head].arrived + .seconds(delay)
            while queuedTexts < maxBatch && !stopping {
                let left = ContinuousClock.now.duration(to: deadline)
                if left <= .zero { break }
                let (seconds, attoseconds) = left.components
                _ = condition.wait(until: Date(timeIntervalSinceNow: Double(seconds) + Double(attoseconds) * 1e-18))
            }
        }
        var batch = [jobs[head]]
        var texts = jobs[head].inputs.count
        head += 1
        while head < jobs.count, texts + jobs[head].inputs.count <= maxBatch {
            texts += jobs[head].inputs.count
            batch.append(jobs[head])
            head += 1
        }
        if head == jobs.count {
            jobs.removeAll(keepingCapacity: true)
            head = 0
        } else if head > 1024 {
            jobs.removeFirst(head)
            head = 0
        }
        queuedTexts -= texts
        lastBatchRequests = batch.count
        observeQueue(queuedTexts)
        return batch
    }

    /// Runs one forward pass over the batch's texts and answers each request with its rows.
    private func run(_ batch: [Job]) {
        let total = batch.reduce(0) { $0 + $1.inputs.count }
        let result: Result<[[Double]], any Error>
        do {
            let columns = try (0..<batch[0].inputs.columns.count).map { c in
                try Self.concatenate(batch.map { $0.inputs.columns[c] })
            }
            result = .success(try predict(columns, maxBatch))
            // `predict` ran passes of at most `maxBatch` texts (one request may be larger).
            for start in stride(from: 0, to: total, by: maxBatch) { observeBatch(min(maxBatch, total - start)) }
        } catch {
            result = .failure(ServeError.internalError("the model failed: \(error)"))
        }
        var start = 0
        for job in batch {
            let count = job.inputs.count
            switch result {
            case let .success(rows): job.continuation.resume(returning: Array(rows[start..<(start + count)]))
            case let .failure(error): job.continuation.resume(throwing: error)
            }
            start += count
        }
    }

    /// The rows of several `[n, length]` id matrices stacked into one.
    static func concatenate(_ parts: [IntTensor]) throws -> IntTensor {
        if parts.count == 1 { return parts[0] }
        let width = parts[0].shape.dropFirst().reduce(1, *)
        var scalars: [Int32] = []
        scalars.reserveCapacity(parts.reduce(0) { $0 + $1.scalars.count })
        for part in parts { scalars.append(contentsOf: part.scalars) }
        return try IntTensor(shape: [scalars.count / max(width, 1)] + parts[0].shape.dropFirst(), scalars: scalars)
    }
}
