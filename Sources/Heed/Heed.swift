import CBLAS
import CHeedSupport

/// Process-wide settings of the engine: the thread count and the BLAS kernel in use.
public enum Heed {
    /// The number of threads used by OpenBLAS and by Heed's own parallel loops.
    ///
    /// Defaults to OpenBLAS's choice (all cores, or `OPENBLAS_NUM_THREADS`).
    public static var threads: Int {
        get { Int(openblas_get_num_threads()) }
        set {
            precondition(newValue >= 1, "Heed.threads must be at least 1, got \(newValue)")
            openblas_set_num_threads(Int32(newValue))
        }
    }

    /// The name of the OpenBLAS kernel chosen for this CPU (for example `Haswell`,
    /// `SkylakeX` or `Prescott`).
    public static var blasCoreName: String {
        guard let name = openblas_get_corename() else { return "unknown" }
        return String(cString: name)
    }

    /// OpenBLAS's build description (version, threading, kernel).
    public static var blasConfig: String {
        guard let config = openblas_get_config() else { return "unknown" }
        return String(cString: config)
    }

    /// Whether Heed itself was compiled with optimisation (`-c release`). Benchmarks refuse to
    /// time a debug build, whose numeric loops run 10–100× slower.
    public static var isOptimizedBuild: Bool {
        #if DEBUG
        return false
        #else
        return true
        #endif
    }

    /// Keeps memory that tensors free inside the process for reuse, instead of returning it to
    /// the system after every step.
    ///
    /// A training step allocates and frees the same large buffers each time. glibc's malloc
    /// maps large blocks afresh and gives freed memory at the top of the heap back to the
    /// system, so every step faults in and zeroes new pages (a quarter of a step's time in the
    /// text classifier of `bench-train`). This raises glibc's mmap threshold to its maximum
    /// (32 MiB), its trim threshold to 1 GiB and its top pad to 64 MiB, so that freed blocks
    /// are reused; the process keeps its peak heap mapped. It changes process-wide malloc
    /// settings, so executables call it once at start-up. It does nothing where the C library
    /// is not glibc.
    public static func retainFreedMemory() {
        _ = heed_retain_freed_memory()
    }
}
