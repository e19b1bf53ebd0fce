import CBenchSupport
import Dispatch

/// Wall-clock seconds taken by `body`.
func seconds(_ body: () throws -> Void) rethrows -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    try body()
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
}

/// The `p`-quantile (0...1) of the samples, by the nearest rank.
func quantile(_ xs: [Double], _ p: Double) -> Double {
    let s = xs.sorted()
    return s[min(s.count - 1, max(0, Int((p * Double(s.count - 1)).rounded())))]
}

/// The largest number of bytes allocated through malloc at once while `body` runs, above what
/// was allocated before it (glibc `mallinfo2`, sampled every 20 µs by a background thread;
/// `nil` where glibc does not provide it).
///
/// It counts what the call allocates on the heap (tensors, scratch blocks, the graph and its
/// gradients), not OpenBLAS's own work buffers, which OpenBLAS maps once at start-up.
func peakExtraBytes(_ body: () throws -> Void) rethrows -> Int? {
    let before = bench_heap_in_use()
    guard before >= 0, let sampler = bench_sampler_start(20) else {
        try body()
        return nil
    }
    try body()
    let peak = bench_sampler_stop(sampler)
    return peak >= 0 ? max(0, peak - before) : nil
}
