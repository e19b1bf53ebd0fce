import Foundation
import Heed
import HeedDistributed

/// Trains with a checkpoint after every epoch on rank 0 while one rank is lost at the start of
/// an epoch: killed (`--how kill`, `mpirun` ends the job and names the rank) or stopped
/// (`--how stop`, the survivors time out after `--timeout` seconds, name the silent rank and
/// abort the job), or not at all (`--how none`: the job trains until something outside ends
/// it, such as a network link taken down). Either way no process waits forever and the
/// checkpoint stays loadable.
/// `--exchange overlapped` exchanges the gradients in buckets during backward.
struct FaultCheck {
    let checkpoint: URL
    let lostRank: Int
    let atEpoch: Int
    let how: String
    let timeoutSeconds: Int
    let overlapped: Bool

    init(_ arguments: Arguments) throws {
        checkpoint = URL(fileURLWithPath: arguments.string("checkpoint", default: "fault-check"))
            .appendingPathComponent("checkpoint.safetensors")
        lostRank = try arguments.int("lose-rank", default: 1)
        atEpoch = try arguments.int("at-epoch", default: 2)
        how = arguments.string("how", default: "kill")
        timeoutSeconds = try arguments.int("timeout", default: 10)
        overlapped = arguments.string("exchange", default: "fused") == "overlapped"
        guard ["kill", "stop", "none"].contains(how) else { throw UsageError(message: "--how is kill, stop or none") }
    }

    func run() throws {
        Heed.threads = 1
        let world = try DistributedContext(timeout: .seconds(timeoutSeconds))
        if overlapped { world.gradientExchange = .overlapped(bucketBytes: 64) }
        do {
            let train = try syntheticFeatures(count: 512, seed: 21)
            let model = try makeMLP(seed: 5)
            model.compile(loss: .sparseCategoricalCrossentropy(fromLogits: false), optimizer: Adam(learningRate: 0.01))
            model.synchronizer = world
            var callbacks: [any Callback] = []
            if world.isRoot {
                try FileManager.default.createDirectory(at: checkpoint.deletingLastPathComponent(),
                                                        withIntermediateDirectories: true)
                callbacks.append(ModelCheckpoint(url: checkpoint, monitor: "loss"))
            }
            if world.rank == lostRank && how != "none" {
                callbacks.append(LoseThisProcess(atEpoch: atEpoch, signal: how == "kill" ? SIGKILL : SIGSTOP))
            }
            try model.fit(x: train.x, y: train.y, batchSize: 8, epochs: 1_000, seed: 3, callbacks: callbacks,
                          verbose: .oneLinePerEpoch)
            world.finalize()
        } catch {
            FileHandle.standardError.write(Data("heed-mpi-train: \(error)\n".utf8))
            world.abort(code: 3)
        }
    }

    /// Continues the training of `run()` from its checkpoint on every rank until `--epochs`,
    /// and prints the epochs trained: `RESULT resumed_epochs=2,3`.
    static func resume(_ arguments: Arguments) throws {
        Heed.threads = 1
        let url = URL(fileURLWithPath: arguments.string("checkpoint", default: "checkpoint.safetensors"))
        let epochs = try arguments.int("epochs", default: 4)
        let world = try DistributedContext(timeout: .seconds(60))
        let train = try syntheticFeatures(count: 512, seed: 21)
        let model = try makeMLP(seed: 99)
        model.compile(loss: .sparseCategoricalCrossentropy(fromLogits: false), optimizer: Adam(learningRate: 0.01))
        model.synchronizer = world
        let history = try model.fit(x: train.x, y: train.y, batchSize: 8, epochs: epochs, seed: 3,
                                    verbose: .silent, resumeFrom: url)
        if world.isRoot {
            print("RESULT resumed_epochs=\(history.epochs.map(String.init).joined(separator: ","))")
        }
        world.finalize()
    }

    /// Loads the checkpoint into a fresh model and prints its completed epochs.
    static func verify(_ arguments: Arguments) throws {
        let url = URL(fileURLWithPath: arguments.string("checkpoint", default: "checkpoint.safetensors"))
        let model = try makeMLP(seed: 99)
        model.compile(loss: .sparseCategoricalCrossentropy(fromLogits: false), optimizer: Adam(learningRate: 0.01))
        let info = try model.load(from: url, includeOptimizer: true)
        print("RESULT checkpoint_epoch=\(info.epoch ?? -1)")
    }
}

/// Ends or freezes this process with `signal` when epoch `atEpoch` begins.
final class LoseThisProcess: Callback {
    let atEpoch: Int
    let signal: Int32

    init(atEpoch: Int, signal: Int32) {
        self.atEpoch = atEpoch
        self.signal = signal
    }

    func onEpochBegin(_ epoch: Int, context: TrainingContext) throws {
        if epoch == atEpoch { raise(signal) }
    }
}
