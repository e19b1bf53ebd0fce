// Times a 1024×1024 Float matrix product through `Tensor.matmul` (Heed splits it into row blocks,
// one single-threaded `cblas_sgemm` each, over `Heed.threads`) against one raw `cblas_sgemm` call
// on one thread (OpenBLAS as Heed holds it), in the same run, and prints both figures and their
// ratio: what Heed's split gains over one core.
import CBLAS
import Foundation
import Heed

if !Heed.isOptimizedBuild {
    print("bench-matmul: a debug build times nothing useful; run swift run -c release bench-matmul")
    exit(2)
}

func arguments() -> (size: Int, repeats: Int) {
    var size = 1024, repeats = 20
    var it = CommandLine.arguments.dropFirst().makeIterator()
    while let arg = it.next() {
        switch arg {
        case "--size": size = Int(it.next() ?? "") ?? size
        case "--repeats": repeats = Int(it.next() ?? "") ?? repeats
        case "--threads": if let t = Int(it.next() ?? "") { Heed.threads = t }
        default:
            print("usage: bench-matmul [--size N] [--repeats R] [--threads T]")
            exit(2)
        }
    }
    return (size, repeats)
}

func median(_ xs: [Double]) -> Double { xs.sorted()[xs.count / 2] }

func seconds(_ body: () -> Void) -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    body()
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
}

BLASKernelCheck.restartWithBetterKernelIfNeeded()
let (n, repeats) = arguments()
var generator = SeededGenerator(seed: 1)
let a = Tensor<Float>.randomUniform([n, n], low: -1, high: 1, generator: &generator)
let b = Tensor<Float>.randomUniform([n, n], low: -1, high: 1, generator: &generator)
var c = [Float](repeating: 0, count: n * n)
let flops = 2.0 * Double(n) * Double(n) * Double(n)

// Reading the thread count starts Heed, which holds OpenBLAS to one thread from here on.
let threads = Heed.threads
var rawTimes: [Double] = [], tensorTimes: [Double] = []
var sink: Float = 0
// Alternate the two so that machine noise hits both alike.
for _ in 0..<(repeats + 2) {
    rawTimes.append(seconds {
        a.scalars.withUnsafeBufferPointer { pa in
            b.scalars.withUnsafeBufferPointer { pb in
                c.withUnsafeMutableBufferPointer { pc in
                    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(n), Int32(n), Int32(n), 1,
                                pa.baseAddress, Int32(n), pb.baseAddress, Int32(n), 0, pc.baseAddress, Int32(n))
                }
            }
        }
    })
    tensorTimes.append(seconds {
        let product = try! Tensor.matmul(a, b)
        sink += product.scalars[0]
    })
}
rawTimes.removeFirst(2)
tensorTimes.removeFirst(2)
let raw = flops / median(rawTimes) / 1e9
let viaTensor = flops / median(tensorTimes) / 1e9
print("OpenBLAS kernel: \(Heed.blasCoreName), threads: \(threads)")
print("\(n)x\(n)x\(n) Float, median of \(repeats):")
print(String(format: "  cblas_sgemm (1 thread) %8.1f GFLOP/s", raw))
print(String(format: "  Tensor.matmul          %8.1f GFLOP/s", viaTensor))
print(String(format: "  ratio                  %8.1f %%", 100 * viaTensor / raw))
if sink.isNaN { print("") }
