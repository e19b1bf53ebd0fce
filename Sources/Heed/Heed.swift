import CBLAS
import CHeedSupport

/// Process-wide settings of the engine: the thread count and the BLAS kernel in use.
public enum Heed {
    /// The number of threads Heed's kernels spread their work over: matrix products split into
    /// row or column blocks, and attention and optimizer loops over their items.
    ///
    /// Heed's own setting, read by every call as it starts and changed by no call: any number
    /// of threads may call Heed at once (a server, two models trained side by side), each
    /// spreading its work over this many threads. Defaults to the thread count OpenBLAS starts
    /// with (all cores, or `OPENBLAS_NUM_THREADS`). Setting it affects calls that start
    /// afterwards.
    ///
    /// OpenBLAS itself runs single-threaded: Heed sets its process-wide thread count to 1 once,
    /// on first use, and never again. OpenBLAS 0.3.21 has no per-call thread count, and its
    /// threaded calls from two threads at once queue for the same helper threads; so Heed splits
    /// large products over its own threads instead, and products inside a parallel loop stay on
    /// the loop's thread.
    public static var threads: Int {
        get {
            Engine.start()
            return heed_threads_get()
        }
        set {
            precondition(newValue >= 1, "Heed.threads must be at least 1, got \(newValue)")
            Engine.start()
            heed_threads_set(newValue)
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
    /// (32 MiB), serves larger blocks (an embedding table's gradient) from the heap too, and
    /// raises its trim threshold to 1 GiB and its top pad to 64 MiB, so that freed blocks are
    /// reused; the process keeps its peak heap mapped. It changes process-wide malloc
    /// settings, so executables call it once at start-up. It does nothing where the C library
    /// is not glibc.
    public static func retainFreedMemory() {
        _ = heed_retain_freed_memory()
    }
}

/// The one-time start of the engine: Heed's thread count from OpenBLAS's, then OpenBLAS held
/// to one thread for the life of the process.
enum Engine {
    private static let started: Bool = {
        heed_threads_set(max(Int(openblas_get_num_threads()), 1))
        openblas_set_num_threads(1)
        return true
    }()

    /// Runs the start-up once (thread-safe); every BLAS call and every read of
    /// ``Heed/threads`` goes through here first.
    @inline(__always)
    static func start() { _ = started }
}

/// The kernels that run `Float` dot-product attention (``Tensor/dotProductAttention(query:key:value:scale:mask:dropout:returnWeights:)``
/// and the attention layers).
public enum AttentionKernelKind: Int, Sendable, CaseIterable {
    /// Matrix products through OpenBLAS with the weights kept in memory (also the `Double` path).
    case blas = 0
    /// Heed's own tiled kernels for AVX2 + FMA: memory O(T·D), weights recomputed in backward.
    case avx2 = 1
    /// Heed's own tiled kernels for AVX-512F.
    case avx512 = 2
}

extension Heed {
    /// The attention kernels in use: the best this CPU runs, unless the environment variable
    /// `HEED_ATTENTION_KERNEL` (`blas`, `avx2` or `avx512`) asks for less. Setting it selects
    /// that kind or, when the CPU lacks it, the best one below. Calls that return the attention
    /// weights always take the ``AttentionKernelKind/blas`` path.
    public static var attentionKernel: AttentionKernelKind {
        get { AttentionKernelKind(rawValue: Int(heed_flash_level())) ?? .blas }
        set { heed_flash_set_level(Int32(newValue.rawValue)) }
    }

    /// The best attention kernels this CPU can run.
    public static var bestAttentionKernel: AttentionKernelKind {
        AttentionKernelKind(rawValue: Int(heed_flash_cpu_level())) ?? .blas
    }
}
