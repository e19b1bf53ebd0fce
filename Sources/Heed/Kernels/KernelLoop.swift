import CHeedSupport
import Dispatch

/// Runs the work items of a kernel, in parallel when that pays, with denormals flushed to zero.
///
/// A loop with at least two items runs on `Heed.threads` workers (at most one per item). Worker
/// `w` runs item `w` first, then takes the next item from a shared counter until none is left:
/// every worker gets work, and the rest balances itself. Inside a worker, matrix products and
/// nested loops stay on the worker's thread (``inWorker``), so the cores are never
/// oversubscribed; a loop of one item runs on the calling thread and leaves its products free
/// to split over the threads.
///
/// Nothing process-wide changes: the thread count is read once as the loop starts, and the
/// worker mark is per thread. Every thread that runs items has flush-to-zero and
/// denormals-are-zero turned on, and its previous floating-point mode restored afterwards
/// (worker threads are shared with the rest of the process). Softmax over large unscaled scores
/// produces weights far below the normal range; arithmetic on such denormals is many times
/// slower on x86, and their contribution to any sum is below float rounding anyway.
enum KernelLoop {
    /// Calls `body` once for each item in `0..<items`, in any order and possibly concurrently.
    ///
    /// `body` must write only to memory that belongs to its item.
    static func run(items: Int, _ body: (Int) -> Void) {
        run(items: items, workers: workers(items: items)) { _, item in body(item) }
    }

    /// Calls `body` with consecutive ranges of `0..<count` (65,536 elements each, the last
    /// shorter), as ``run(items:_:)`` calls items: an element-wise pass over large arrays (an
    /// embedding table's optimizer update) shared between the threads.
    static func run(elements count: Int, _ body: (Range<Int>) -> Void) {
        let chunk = 1 << 16
        run(items: (count + chunk - 1) / chunk) { item in body((item * chunk)..<Swift.min(count, (item + 1) * chunk)) }
    }

    /// Calls `body(scratch, item)` for each item as ``run(items:_:)`` does, `scratch` being
    /// `count` uninitialised elements that belong to the worker running the item.
    static func run<T>(items: Int, scratch count: Int, _ body: (UnsafeMutablePointer<T>, Int) -> Void) {
        let workerCount = workers(items: items)
        let scratch = UnsafeMutablePointer<T>.allocate(capacity: max(workerCount * count, 1))
        defer { scratch.deallocate() }
        run(items: items, workers: workerCount) { worker, item in body(scratch + worker * count, item) }
    }

    /// Whether the calling thread is a worker of a running loop (then work stays on it).
    static var inWorker: Bool { heed_in_kernel_worker() != 0 }

    /// The number of workers to run `items` items on: one outside a worker or for fewer than
    /// two items, else `Heed.threads`, at most one per item. A caller that keeps per-worker
    /// scratch sizes it with this count and hands the same count to
    /// ``run(items:workers:_:)`` (the setting may change in between).
    static func workers(items: Int) -> Int {
        if items < 2 || inWorker { return 1 }
        return min(Heed.threads, items)
    }

    /// Calls `body(worker, item)` once for each item in `0..<items`; `worker` is the index of the
    /// thread running the item, in `0..<workers`, so a body can use per-worker scratch.
    /// `workers` comes from ``workers(items:)``; any count from 1 to `items` runs correctly.
    ///
    /// `body` must write only to memory that belongs to its item or its worker.
    static func run(items: Int, workers workerCount: Int, _ body: (Int, Int) -> Void) {
        guard items > 0 else { return }
        precondition(workerCount >= 1 && workerCount <= max(items, 1), "KernelLoop: \(workerCount) workers for \(items) items")
        if workerCount == 1 {
            let mode = heed_enable_ftz_daz()
            for item in 0..<items { body(0, item) }
            heed_restore_float_mode(mode)
            return
        }
        let counter = UnsafeMutablePointer<Int>.allocate(capacity: 1)
        counter.initialize(to: workerCount)
        defer { counter.deallocate() }
        withoutActuallyEscaping(body) { body in
            let shared = UncheckedBox(body: body, counter: counter)
            DispatchQueue.concurrentPerform(iterations: workerCount) { worker in
                let mode = heed_enable_ftz_daz()
                let outside = heed_set_kernel_worker(1)
                var item = worker
                while item < items {
                    shared.body(worker, item)
                    item = heed_fetch_add(shared.counter, 1)
                }
                heed_set_kernel_worker(outside)
                heed_restore_float_mode(mode)
            }
        }
    }
}

/// The loop body and its item counter, handed to the worker threads.
///
/// Safe to share because each item writes only its own memory and the counter is advanced
/// atomically.
private struct UncheckedBox: @unchecked Sendable {
    let body: (Int, Int) -> Void
    let counter: UnsafeMutablePointer<Int>
}
