import CBenchSupport
import Dispatch
import Foundation

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

/// Peak resident memory added while `body` runs, in bytes, from the kernel's high-water mark.
///
/// Linux only (`/proc/self/clear_refs` resets `VmHWM`); elsewhere it returns `nil`. glibc is
/// first told (see ``configureAllocatorForPeakMeasurement()``) to serve every block above
/// 64 KiB with its own mapping and to give freed memory back, so that a run cannot reuse pages
/// an earlier run left resident: the figure is the largest amount of memory touched at once by
/// the call (its arrays, scratch, graph and gradients), above what was resident before it.
func peakExtraBytes(_ body: () throws -> Void) rethrows -> Int? {
    #if os(Linux)
    guard (try? "5".write(toFile: "/proc/self/clear_refs", atomically: false, encoding: .utf8)) != nil,
          let before = statusKilobytes("VmRSS") else { try body(); return nil }
    try body()
    guard let peak = statusKilobytes("VmHWM") else { return nil }
    return max(0, peak - before) * 1024
    #else
    try body()
    return nil
    #endif
}

/// Makes freed blocks leave the resident set at once (Linux glibc), for ``peakExtraBytes(_:)``.
func configureAllocatorForPeakMeasurement() {
    _ = bench_configure_malloc(64 * 1024, 128 * 1024)
}

/// A field of `/proc/self/status` in kB.
func statusKilobytes(_ field: String) -> Int? {
    guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return nil }
    for line in text.split(separator: "\n") where line.hasPrefix(field + ":") {
        return Int(line.dropFirst(field.count + 1).split(whereSeparator: { $0 == " " || $0 == "\t" }).first ?? "")
    }
    return nil
}
