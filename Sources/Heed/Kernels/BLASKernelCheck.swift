#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Notices when OpenBLAS runs a generic fallback kernel on a CPU that supports a better one.
///
/// Debian's OpenBLAS picks its kernel from the CPU model; virtual machines that hide the model
/// get `Prescott` (SSE3), several times slower than the AVX2 or AVX-512 kernels the CPU can
/// run. OpenBLAS reads `OPENBLAS_CORETYPE` when it loads, so the fix is to set it before the
/// process starts: command line tools restart themselves once with it
/// (``restartWithBetterKernelIfNeeded()``, which also shortens OpenBLAS's idle-thread spin with
/// `OPENBLAS_THREAD_TIMEOUT`), library users get a one-time warning
/// (``warnOnceIfSlowKernel()``). A value the user set is never overridden.
public enum BLASKernelCheck {
    /// Performance tiers of OpenBLAS x86-64 kernels, by the widest vector unit they use.
    public enum Tier: Int, Comparable, Sendable {
        /// SSE2/SSE3 kernels (`Prescott`, `Core2`, `Nehalem`, …).
        case sse = 0
        /// AVX kernels (`SandyBridge`).
        case avx
        /// AVX2 + FMA kernels (`Haswell`, `Zen`).
        case avx2
        /// AVX-512 kernels (`SkylakeX`, `Cooperlake`).
        case avx512
        /// Orders tiers from the narrowest vector unit to the widest.
        public static func < (a: Tier, b: Tier) -> Bool { a.rawValue < b.rawValue }
    }

    /// The tier of an OpenBLAS core name (case-insensitive), or `nil` for one Heed does not
    /// know (non-x86 kernels, for example).
    public static func tier(ofCore name: String) -> Tier? {
        switch name.lowercased() {
        case "prescott", "core2", "penryn", "dunnington", "nehalem", "atom", "katmai", "coppermine",
             "northwood", "banias", "opteron", "opteron_sse3", "barcelona", "shanghai", "istanbul",
             "bobcat", "nano", "athlon":
            return .sse
        case "sandybridge", "bulldozer", "piledriver", "steamroller":
            return .avx
        case "haswell", "zen", "excavator", "skylake", "alderlake":
            return .avx2
        case "skylakex", "cooperlake", "sapphirerapids":
            return .avx512
        default:
            return nil
        }
    }

    /// The best `OPENBLAS_CORETYPE` for a set of CPU feature flags (as in `/proc/cpuinfo`):
    /// `SkylakeX` with AVX-512 F/BW/DQ/VL, `Haswell` with AVX2 and FMA, else `nil`.
    public static func recommendedCoreType(flags: Set<String>) -> String? {
        if ["avx512f", "avx512bw", "avx512dq", "avx512vl"].allSatisfy(flags.contains) { return "SkylakeX" }
        if flags.contains("avx2") && flags.contains("fma") { return "Haswell" }
        return nil
    }

    /// The CPU feature flags of this machine (Linux: the `flags` line of `/proc/cpuinfo`).
    public static func cpuFlags() -> Set<String> {
        #if os(Linux)
        guard let file = fopen("/proc/cpuinfo", "r") else { return [] }
        defer { fclose(file) }
        var line: UnsafeMutablePointer<CChar>? = nil
        var capacity = 0
        defer { free(line) }
        while getline(&line, &capacity, file) > 0, let line {
            let text = String(cString: line)
            if text.hasPrefix("flags") {
                let parts = text.split(separator: ":", maxSplits: 1)
                guard parts.count == 2 else { return [] }
                return Set(parts[1].split(whereSeparator: { $0 == " " || $0 == "\n" }).map(String.init))
            }
        }
        #endif
        return []
    }

    /// The core type to set, when the running kernel is weaker than the CPU allows and the
    /// user has not chosen one; `nil` otherwise.
    public static func suggestedCoreType(
        current: String = Heed.blasCoreName, flags: Set<String> = cpuFlags(),
        userSetting: String? = environment("OPENBLAS_CORETYPE")
    ) -> String? {
        guard userSetting == nil || userSetting == "" else { return nil }
        guard let best = recommendedCoreType(flags: flags), let bestTier = tier(ofCore: best),
              let currentTier = tier(ofCore: current), currentTier < bestTier else { return nil }
        return best
    }

    /// The value of an environment variable, if set.
    public static func environment(_ name: String) -> String? {
        getenv(name).map { String(cString: $0) }
    }

    /// The `OPENBLAS_THREAD_TIMEOUT` Heed's tools run with: OpenBLAS's idle threads spin for
    /// 2^16 cycles (tens of microseconds) after a call, then sleep, instead of OpenBLAS's
    /// default 2^28 (about a tenth of a second).
    ///
    /// Spinning threads (`sched_yield` in a loop) take the cores from Heed's own kernels
    /// (attention, Adam, …) that run between BLAS calls; on a 2-core machine a Transformer
    /// training step took 1.6× as long with the default.
    public static let recommendedThreadTimeout = "16"

    /// The environment variables to set before OpenBLAS loads: `OPENBLAS_CORETYPE` when
    /// ``suggestedCoreType(current:flags:userSetting:)`` has one, and `OPENBLAS_THREAD_TIMEOUT`
    /// (``recommendedThreadTimeout``) when the user has not set it. Empty when nothing is to
    /// change.
    public static func suggestedEnvironment(
        coreType: String? = suggestedCoreType(),
        threadTimeoutSetting: String? = environment("OPENBLAS_THREAD_TIMEOUT")
    ) -> [(name: String, value: String)] {
        var result: [(name: String, value: String)] = []
        if let coreType { result.append(("OPENBLAS_CORETYPE", coreType)) }
        if threadTimeoutSetting == nil || threadTimeoutSetting == "" {
            result.append(("OPENBLAS_THREAD_TIMEOUT", recommendedThreadTimeout))
        }
        return result
    }

    /// For command line tools: when ``suggestedEnvironment(coreType:threadTimeoutSetting:)``
    /// has variables to set (a better kernel while `OPENBLAS_CORETYPE` is unset, a short
    /// thread timeout while `OPENBLAS_THREAD_TIMEOUT` is unset), sets them and re-executes the
    /// program once with the same arguments. Returns when no restart is needed (or the restart
    /// failed). A value the user set is never changed.
    public static func restartWithBetterKernelIfNeeded() {
        #if os(Linux)
        guard environment("HEED_BLAS_RESTARTED") == nil else { return }
        let settings = suggestedEnvironment()
        guard !settings.isEmpty else { return }
        for (name, value) in settings { setenv(name, value, 1) }
        setenv("HEED_BLAS_RESTARTED", "1", 1)
        var argv: [UnsafeMutablePointer<CChar>?] = CommandLine.arguments.map { strdup($0) }
        argv.append(nil)
        execv("/proc/self/exe", &argv)
        // execv returns only on failure: carry on with the current settings.
        let described = settings.map { "\($0.name)=\($0.value)" }.joined(separator: " ")
        printToStandardError("heed: could not restart with \(described); continuing with \(Heed.blasCoreName)\n")
        #endif
    }

    private static let warning: Void = {
        if let core = suggestedCoreType() {
            printToStandardError("""
                Heed: OpenBLAS is running its generic '\(Heed.blasCoreName)' kernel, but this CPU supports \
                '\(core)', which is several times faster. Set OPENBLAS_CORETYPE=\(core) in the environment \
                before starting the program.\n
                """)
        }
    }()

    /// For library users: prints, once per process, which `OPENBLAS_CORETYPE` to set when a
    /// better kernel is available.
    public static func warnOnceIfSlowKernel() {
        _ = warning
    }
}

/// Writes a message to standard error, unbuffered.
func printToStandardError(_ message: String) {
    var bytes = Array(message.utf8)
    _ = bytes.withUnsafeMutableBytes { write(2, $0.baseAddress, $0.count) }
}
