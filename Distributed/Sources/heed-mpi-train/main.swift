// heed-mpi-train: data-parallel training programs for `mpirun`.
//
//   mpirun -np 2 heed-mpi-train equivalence --optimizer sgd|adam [--batch 8] [--steps 6] [--exchange fused|overlapped] [--bucket-bytes 64]
//   mpirun -np 2 heed-mpi-train fault --checkpoint DIR [--lose-rank 1] [--at-epoch 2] [--how kill|stop|none] [--timeout 10] [--exchange fused|overlapped]
//   heed-mpi-train verify-checkpoint --checkpoint FILE
//   mpirun -np 2 heed-mpi-train resume --checkpoint FILE [--epochs 4]
//   mpirun -np N heed-mpi-train bench [--model text|mlp] [--exchange both|fused|overlapped] [--bucket-kb 1024]
//                                     [--steps 20] [--rounds 3] [--threads 1]
import Foundation
import Heed
import HeedDistributed

BLASKernelCheck.restartWithBetterKernelIfNeeded()

let arguments = Arguments(CommandLine.arguments.dropFirst())
do {
    switch arguments.command {
    case "equivalence": try EquivalenceCheck(arguments).run()
    case "fault": try FaultCheck(arguments).run()
    case "verify-checkpoint": try FaultCheck.verify(arguments)
    case "resume": try FaultCheck.resume(arguments)
    case "bench": try ScalingBenchmark(arguments).run()
    default:
        FileHandle.standardError.write(Data("usage: heed-mpi-train equivalence|fault|verify-checkpoint|resume|bench [--option value …]\n".utf8))
        exit(2)
    }
} catch let error as DistributedError {
    FileHandle.standardError.write(Data("heed-mpi-train: \(error)\n".utf8))
    exit(2)
} catch {
    FileHandle.standardError.write(Data("heed-mpi-train: \(error)\n".utf8))
    exit(1)
}
