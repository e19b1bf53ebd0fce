// Times Keras-semantics dot-product attention (`Tensor.dotProductAttention`), Float, forward and
// forward+backward, scaled and unscaled, with and without the causal mask; optionally against
// the unfused composite-op path, alternating the variants in one run. Every figure is also given
// as a fraction of the same run's matrix-product speed (`Float.gemm`: `cblas_sgemm` blocks over
// Heed's threads, as Heed runs every product).
import CBLAS
import Foundation
import Heed

if !Heed.isOptimizedBuild {
    print("bench-attention: a debug build times nothing useful; run swift run -c release bench-attention")
    exit(2)
}
BLASKernelCheck.restartWithBetterKernelIfNeeded()
Heed.retainFreedMemory()

struct Options {
    var shapes: [(batch: Int, time: Int, dim: Int)] = []
    var minTime = 0.5
    var json = false
    var compareUnfused = false
    var compareKernel: AttentionKernelKind?
}

let usage = """
    usage: bench-attention [--shape B,T,D]... [--threads N] [--min-time SECONDS] [--json] [--compare-unfused]
                           [--kernel blas|avx2|avx512] [--compare-kernel blas|avx2|avx512] [--compare-blas]
      --shape B,T,D      batch, time (Tq = Tv) and features; repeatable
                         (default 32,128,64 8,512,64 1,2048,64 32,200,128)
      --threads N        threads for OpenBLAS and the attention kernel (default: OpenBLAS's choice)
      --min-time S       time each variant of each case for at least S seconds (default 0.5)
      --json             print one JSON array, one object per case
      --compare-unfused  also time the composite-op path (matmul, where, softmax, matmul)
      --kernel K         the attention kernels to time (default: the best this CPU runs)
      --compare-kernel K also time kernels K in the same rounds (the ratio is K's time over --kernel's)
      --compare-blas     --compare-kernel blas: the OpenBLAS kernels (weights kept), the tiled ones' twin
    """

func parseOptions() -> Options {
    var o = Options()
    var it = CommandLine.arguments.dropFirst().makeIterator()
    func fail(_ message: String) -> Never {
        FileHandle.standardError.write(Data("bench-attention: \(message)\n\(usage)\n".utf8))
        exit(2)
    }
    while let arg = it.next() {
        switch arg {
        case "--shape":
            let parts = (it.next() ?? "").split(separator: ",").compactMap { Int($0) }
            guard parts.count == 3, parts.allSatisfy({ $0 > 0 }) else { fail("--shape takes B,T,D (positive integers)") }
            o.shapes.append((parts[0], parts[1], parts[2]))
        case "--threads":
            guard let t = Int(it.next() ?? ""), t >= 1 else { fail("--threads takes a positive integer") }
            Heed.threads = t
        case "--min-time":
            guard let s = Double(it.next() ?? ""), s > 0 else { fail("--min-time takes a positive number of seconds") }
            o.minTime = s
        case "--json": o.json = true
        case "--compare-unfused": o.compareUnfused = true
        case "--compare-blas": o.compareKernel = .blas
        case "--kernel", "--compare-kernel":
            let name = it.next() ?? ""
            guard let kind = AttentionKernelKind.allCases.first(where: { "\($0)" == name }) else {
                fail("\(arg) takes blas, avx2 or avx512")
            }
            guard kind.rawValue <= Heed.bestAttentionKernel.rawValue else { fail("this CPU cannot run the \(name) kernels") }
            if arg == "--kernel" { Heed.attentionKernel = kind } else { o.compareKernel = kind }
        case "--help", "-h": print(usage); exit(0)
        default: fail("unknown argument \(arg)")
        }
    }
    if o.shapes.isEmpty { o.shapes = [(32, 128, 64), (8, 512, 64), (1, 2048, 64), (32, 200, 128)] }
    return o
}

enum Mode: String {
    case forward
    case forwardBackward = "forward_backward"

    /// Nominal floating-point operations: 4·B·T²·D forward, 12·B·T²·D forward+backward (causal
    /// cases count the full square too).
    func flops(batch: Int, time: Int, dim: Int) -> Double {
        Double(self == .forward ? 4 : 12) * Double(batch) * Double(time) * Double(time) * Double(dim)
    }
}

struct CaseResult: Encodable {
    let batch: Int, time: Int, dim: Int
    let causal: Bool, scaled: Bool
    let mode: String
    let medianMs: Double, p10Ms: Double, p90Ms: Double
    let gflops: Double, sgemmGflops: Double, fractionOfSgemm: Double
    let peakBytes: Int?
    let samples: Int
    let unfusedMedianMs: Double?, unfusedPeakBytes: Int?, speedupOverUnfused: Double?
    let kernel: String
    let comparedKernel: String?, comparedMedianMs: Double?, speedupOverCompared: Double?

    enum CodingKeys: String, CodingKey {
        case batch, time, dim, causal, scaled, mode, samples
        case medianMs = "median_ms", p10Ms = "p10_ms", p90Ms = "p90_ms"
        case gflops, sgemmGflops = "sgemm_gflops", fractionOfSgemm = "fraction_of_sgemm"
        case peakBytes = "peak_bytes"
        case unfusedMedianMs = "unfused_median_ms", unfusedPeakBytes = "unfused_peak_bytes"
        case speedupOverUnfused = "speedup_over_unfused"
        case kernel, comparedKernel = "compared_kernel", comparedMedianMs = "compared_median_ms"
        case speedupOverCompared = "speedup_over_compared"
    }
}

/// One timed variant: a closure that runs the operation once.
struct Variant {
    let run: () throws -> Void
    var times: [Double] = []
}

/// Times the fused op (and the unfused path) for one case, alternating them with the raw sgemm.
func measure(batch: Int, time: Int, dim: Int, causal: Bool, scaled: Bool, mode: Mode,
             options: Options) throws -> CaseResult {
    var g = SeededGenerator(seed: UInt64(batch * 7919 + time * 31 + dim))
    let q = Tensor<Float>.randomNormal([batch, time, dim], generator: &g)
    let k = Tensor<Float>.randomNormal([batch, time, dim], generator: &g)
    let v = Tensor<Float>.randomNormal([batch, time, dim], generator: &g)
    let r = Tensor<Float>.randomUniform([batch, time, dim], low: -1, high: 1, generator: &g)
    let scale: Tensor<Float>? = scaled ? Tensor(1 / Float(dim).squareRoot()) : nil
    let mask: Mask? = causal ? try causalMask(queryLength: time, keyLength: time) : nil
    var sink: Float = 0

    let fused: () throws -> Void
    let unfused: () throws -> Void
    switch mode {
    case .forward:
        fused = {
            let out = try withoutGrad {
                try Tensor.dotProductAttention(query: q, key: k, value: v, scale: scale, mask: AttentionMask(causal: causal)).output
            }
            sink += out.scalars[0]
        }
        unfused = {
            let out = try withoutGrad { try compositeAttention(query: q, key: k, value: v, scale: scale, mask: mask) }
            sink += out.scalars[0]
        }
    case .forwardBackward:
        fused = {
            let (ql, kl, vl) = (q.requiringGrad(), k.requiringGrad(), v.requiringGrad())
            let out = try Tensor.dotProductAttention(query: ql, key: kl, value: vl, scale: scale, mask: AttentionMask(causal: causal)).output
            out.backward(seed: r)
            sink += (ql.grad?.scalars[0] ?? 0) + (kl.grad?.scalars[0] ?? 0) + (vl.grad?.scalars[0] ?? 0)
        }
        unfused = {
            let (ql, kl, vl) = (q.requiringGrad(), k.requiringGrad(), v.requiringGrad())
            let out = try compositeAttention(query: ql, key: kl, value: vl, scale: scale, mask: mask)
            out.backward(seed: r)
            sink += (ql.grad?.scalars[0] ?? 0) + (kl.grad?.scalars[0] ?? 0) + (vl.grad?.scalars[0] ?? 0)
        }
    }
    // The GEMM of the scores' size: [B·T, D]·[T, D]ᵀ in one product, 2·B·T²·D flops.
    var c = [Float](repeating: 0, count: batch * time * time)
    let gemm: () -> Void = {
        q.scalars.withUnsafeBufferPointer { pa in
            k.scalars.withUnsafeBufferPointer { pb in
                c.withUnsafeMutableBufferPointer { pc in
                    guard let a = pa.baseAddress, let b = pb.baseAddress, let out = pc.baseAddress else { return }
                    Float.gemm(transposeA: false, transposeB: true, m: batch * time, n: time, k: dim, alpha: 1,
                               a: a, lda: dim, b: b, ldb: dim, beta: 0, c: out, ldc: time)
                }
            }
        }
    }

    let selected = Heed.attentionKernel
    let other: () throws -> Void = {
        Heed.attentionKernel = options.compareKernel ?? selected
        defer { Heed.attentionKernel = selected }
        try fused()
    }
    var variants = [Variant(run: fused), Variant(run: gemm)]
    if options.compareUnfused { variants.append(Variant(run: unfused)) }
    let otherIndex = variants.count
    if options.compareKernel != nil { variants.append(Variant(run: other)) }
    for v in variants { try v.run() }  // warm-up
    let peak = try peakExtraBytes(fused)
    let unfusedPeak = options.compareUnfused ? try peakExtraBytes(unfused) : nil
    // Alternate the variants so that machine noise hits them alike.
    var elapsed = 0.0
    var rounds = 0
    while rounds < 5 || (elapsed < options.minTime && rounds < 10_000) {
        for i in variants.indices {
            let t = try seconds(variants[i].run)
            variants[i].times.append(t)
            if i == 0 { elapsed += t }
        }
        rounds += 1
    }
    let fusedMedian = quantile(variants[0].times, 0.5)
    let flops = mode.flops(batch: batch, time: time, dim: dim)
    let gemmGflops = 2 * Double(batch) * Double(time) * Double(time) * Double(dim) / quantile(variants[1].times, 0.5) / 1e9
    let gflops = flops / fusedMedian / 1e9
    let unfusedMedian = options.compareUnfused ? quantile(variants[2].times, 0.5) : nil
    let otherMedian = options.compareKernel != nil ? quantile(variants[otherIndex].times, 0.5) : nil
    if sink.isNaN { print("") }
    return CaseResult(
        batch: batch, time: time, dim: dim, causal: causal, scaled: scaled, mode: mode.rawValue,
        medianMs: fusedMedian * 1e3, p10Ms: quantile(variants[0].times, 0.1) * 1e3,
        p90Ms: quantile(variants[0].times, 0.9) * 1e3, gflops: gflops, sgemmGflops: gemmGflops,
        fractionOfSgemm: gflops / gemmGflops, peakBytes: peak, samples: rounds,
        unfusedMedianMs: unfusedMedian.map { $0 * 1e3 }, unfusedPeakBytes: unfusedPeak,
        speedupOverUnfused: unfusedMedian.map { $0 / fusedMedian }, kernel: "\(selected)",
        comparedKernel: options.compareKernel.map { "\($0)" }, comparedMedianMs: otherMedian.map { $0 * 1e3 },
        speedupOverCompared: otherMedian.map { $0 / fusedMedian })
}

func megabytes(_ bytes: Int?) -> String {
    bytes.map { String(format: "%7.1f MB", Double($0) / 1_048_576) } ?? "      n/a"
}

func padded(_ s: String, _ width: Int) -> String {
    s.count >= width ? s + " " : s + String(repeating: " ", count: width - s.count)
}

let options = parseOptions()
let environment = ProcessInfo.processInfo.environment
let coreType = environment["OPENBLAS_CORETYPE"] ?? "(unset)"
let threadTimeout = environment["OPENBLAS_THREAD_TIMEOUT"] ?? "(unset)"
if !options.json {
    print("OpenBLAS kernel: \(Heed.blasCoreName) (OPENBLAS_CORETYPE=\(coreType)), threads: \(Heed.threads),"
          + " OPENBLAS_THREAD_TIMEOUT=\(threadTimeout); attention kernels: \(Heed.attentionKernel)")
    print("Float, Keras Attention dot scores; scaled = scale 1/sqrt(D); inputs N(0,1);")
    print("backward = dQ, dK, dV of Σ out⊙R (the output seeded with R, so no other op is timed)")
    print("GFLOP/s nominal: 4·B·T²·D forward, 12·B·T²·D forward+backward (causal counted in full);")
    print("sgemm = Float.gemm [B·T, D]·[T, D]ᵀ (cblas_sgemm blocks over Heed's threads) in the same run; peak = most heap bytes one call holds at once")
    print("")
}
var results: [CaseResult] = []
for shape in options.shapes {
    for causal in [false, true] {
        for scaled in [false, true] {
            for mode in [Mode.forward, .forwardBackward] {
                let result = try measure(batch: shape.batch, time: shape.time, dim: shape.dim, causal: causal,
                                         scaled: scaled, mode: mode, options: options)
                results.append(result)
                guard !options.json else { continue }
                var line = String(format: "%4d,%5d,%4d ", shape.batch, shape.time, shape.dim)
                    + padded(causal ? "causal" : "full", 7) + padded(scaled ? "scaled" : "unscaled", 9)
                    + padded(mode.rawValue, 17)
                    + String(format: "%9.3f ms (p10 %8.3f, p90 %8.3f) %7.1f GF/s  sgemm %6.1f (%3.0f%%) peak ",
                             result.medianMs, result.p10Ms, result.p90Ms, result.gflops, result.sgemmGflops,
                             100 * result.fractionOfSgemm)
                    + megabytes(result.peakBytes)
                if let u = result.unfusedMedianMs, let s = result.speedupOverUnfused {
                    line += String(format: " | unfused %9.3f ms  %5.2fx  peak ", u, s) + megabytes(result.unfusedPeakBytes)
                }
                if let name = result.comparedKernel, let b = result.comparedMedianMs, let s = result.speedupOverCompared {
                    line += " | " + padded(name, 6) + String(format: "%8.3f ms  %5.2fx", b, s)
                }
                print(line)
            }
        }
    }
}
if options.json {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
    print(String(decoding: try encoder.encode(results), as: UTF8.self))
} else {
    print("")
    print("OpenBLAS kernel: \(Heed.blasCoreName), threads: \(Heed.threads); attention kernels: \(Heed.attentionKernel)")
}
