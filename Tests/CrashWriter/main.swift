import Foundation
import Heed

// Saves a checkpoint over and over so that a test can kill it at random moments and check
// that the file on disk is always whole.
// Usage: heed-crash-writer <checkpoint path> <first epoch>
// Each save holds two 512×512 Float weights filled with the epoch number, and the epoch in the
// metadata; after each save the epoch is printed on its own line. Runs until killed.

BLASKernelCheck.restartWithBetterKernelIfNeeded()
let arguments = CommandLine.arguments
guard arguments.count == 3, let first = Int(arguments[2]) else {
    FileHandle.standardError.write(Data("usage: heed-crash-writer <checkpoint path> <first epoch>\n".utf8))
    exit(2)
}
let url = URL(fileURLWithPath: arguments[1])
let side = 512
var epoch = first
while true {
    let value = Tensor<Float>(filled: Float(epoch), shape: [side, side])
    let parameters: [(name: String, parameter: Parameter<Float>)] = [
        ("dense/kernel", Parameter(path: "kernel", value: value)),
        ("dense_1/kernel", Parameter(path: "kernel", value: value)),
    ]
    do {
        try Checkpoint.save(parameters: parameters, epoch: epoch, to: url)
    } catch {
        FileHandle.standardError.write(Data("heed-crash-writer: \(error)\n".utf8))
        exit(1)
    }
    FileHandle.standardOutput.write(Data("\(epoch)\n".utf8))
    epoch += 1
}
