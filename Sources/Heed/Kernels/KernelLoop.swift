import CBLAS
import CHeedSupport
import Dispatch

/// Runs the work items of a kernel, in parallel when that pays, with denormals flushed to zero.
///
/// Two cores are easily oversubscribed: OpenBLAS's own threads and a parallel loop must not both
/// spread over them. So a loop with enough items runs on `Heed.threads` workers, each taking the
/// next item from a shared counter, with OpenBLAS held to one thread for the duration (GEMMs
/// inside an item are single-threaded); a loop with too few items runs on the calling thread and
/// leaves OpenBLAS free to thread each GEMM.
///
/// Every thread that runs items has flush-to-zero and denormals-are-zero turned on, and its
/// previous floating-point mode restored afterwards (worker threads are shared with the rest of
/// the process). Softmax over large unscaled scores produces weights far below the normal range;
/// arithmetic on such denormals is many times slower on x86, and their contribution to any sum
/// is below float rounding anyway.
enum KernelLoop {
    /// Calls `body` once for each item in `0..<items`, in any order and possibly concurrently.
    ///
    /// `body` must write only to memory that belongs to its item.
    static func run(items: Int, _ body: (Int) -> Void) {
        run(items: items) { _, item in body(item) }
    }

    /// The number of workers ``run(items:_:)-(_,(Int,Int)->Void)`` uses for `items` items:
    /// worker indices are `0..<workers(items:)`.
    static func workers(items: Int) -> Int {
        let threads = Heed.threads
        return threads <= 1 || items < 2 ? 1 : min(threads, items)
    }

    /// Calls `body(worker, item)` once for each item in `0..<items`; `worker` is the index of the
    /// thread running the item, in `0..<workers(items:)`, so a body can use per-worker scratch.
    ///
    /// `body` must write only to memory that belongs to its item or its worker.
    static func run(items: Int, _ body: (Int, Int) -> Void) {
        guard items > 0 else { return }
        let workerCount = workers(items: items)
        if workerCount == 1 {
            let mode = heed_enable_ftz_daz()
            for item in 0..<items { body(0, item) }
            heed_restore_float_mode(mode)
            return
        }
        // The thread count is process-wide in OpenBLAS 0.3.21 (no per-call setting), so it is
        // lowered for the loop and put back afterwards.
        let blasThreads = openblas_get_num_threads()
        openblas_set_num_threads(1)
        defer { openblas_set_num_threads(blasThreads) }
        let counter = UnsafeMutablePointer<Int>.allocate(capacity: 1)
        counter.initialize(to: 0)
        defer { counter.deallocate() }
        withoutActuallyEscaping(body) { body in
            let shared = UncheckedBox(body: body, counter: counter)
            DispatchQueue.concurrentPerform(iterations: workerCount) { worker in
                let mode = heed_enable_ftz_daz()
                while true {
                    let item = heed_fetch_add(shared.counter, 1)
                    if item >= items { break }
                    shared.body(worker, item)
                }
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
