import Foundation
import HeedModels

/// A lower bound on the memory a model's sizes need, so that nonsensical sizes (`--max-len
/// 2000000000`, `--embed-dim 1000000000`, or such a `config.json`) are refused with a message
/// instead of a failed allocation.
///
/// Each bound is one tensor (or one table with its gradient and two Adam moments) in 4-byte
/// floats; the real need is higher, so a refusal is never wrong about being too big.
struct MemoryCheck {
    /// What needs the memory, in the user's option names.
    let what: String
    /// Bytes, as a Double so that products of huge sizes cannot overflow.
    let bytes: Double

    /// The largest tensors training or running `config` creates with batches of `batchSize`.
    static func largest(for config: ModelConfig, batchSize: Int, rows: Int) -> [MemoryCheck] {
        let batch = Double(max(1, min(batchSize, rows)))
        let t = Double(config.maxLength), e = Double(config.embedDim), v = Double(config.vocabSize)
        let ids = MemoryCheck(what: "the ids of \(rows) rows × --max-len \(config.maxLength)",
                              bytes: Double(rows) * t * Double(config.textColumns.count) * 4)
        if config.kind == .bag {
            let c = Double(config.classCount)
            return [ids,
                    MemoryCheck(what: "the weights and ratios (vocabulary \(config.vocabSize) × \(config.classCount) classes, "
                                + "with the gradient and Adam moments)", bytes: v * c * 5 * 4),
                    MemoryCheck(what: "one batch's token contributions (--batch-size × --max-len × classes)", bytes: batch * t * c * 4)]
        }
        var checks = [
            ids,
            MemoryCheck(what: "the embedding table (vocabulary \(config.vocabSize) × --embed-dim \(config.embedDim), "
                        + "with its gradient and Adam moments)", bytes: v * e * 4 * 4),
            MemoryCheck(what: "one batch's embeddings (--batch-size × --max-len × --embed-dim)", bytes: batch * t * e * 4),
        ]
        switch config.kind {
        case .bag: break
        case .text:
            checks.append(MemoryCheck(what: "one batch's attention scores (--batch-size × --max-len²)", bytes: batch * t * t * 4))
        case .pair:
            checks.append(MemoryCheck(what: "one batch's attention scores (--batch-size × --max-len²)", bytes: batch * t * t * 4))
            checks.append(MemoryCheck(what: "one batch's convolution outputs (--batch-size × --max-len × --filters)",
                                      bytes: batch * t * Double(config.filters) * 4))
            checks.append(MemoryCheck(what: "the convolution kernel (--embed-dim × --filters, with its gradient and Adam moments)",
                                      bytes: Double(config.kernelSize) * e * Double(config.filters) * 4 * 4))
            if config.interactionHead {
                checks.append(MemoryCheck(what: "the interaction head's hidden layer (4 × --filters × hidden_units, with its gradient and Adam moments)",
                                          bytes: 4 * Double(config.filters) * Double(config.hiddenUnits) * 4 * 4))
            }
        case .transformer:
            let heads = Double(config.numHeads), blocks = Double(config.blocks)
            checks.append(MemoryCheck(what: "one batch's attention scores (--batch-size × --num-heads × --max-len²)",
                                      bytes: batch * heads * t * t * 4))
            checks.append(MemoryCheck(what: "one batch's feed-forward activations (--batch-size × --max-len × --ff-dim)",
                                      bytes: batch * t * Double(config.ffDim) * 4))
            checks.append(MemoryCheck(what: "the encoder weights (--blocks × (2 × --embed-dim × --ff-dim + 4 × --embed-dim × "
                                      + "--num-heads × --key-dim), with gradients and Adam moments)",
                                      bytes: blocks * (2 * e * Double(config.ffDim) + 4 * e * heads * Double(config.keyDim)) * 16))
        }
        return checks
    }

    /// Refuses sizes whose largest tensor alone would not fit in the machine's memory.
    ///
    /// - Throws: ``CLIError`` naming the tensor, its size and the memory there is.
    static func check(_ config: ModelConfig, batchSize: Int, rows: Int, advice: String) throws {
        let memory = Double(ProcessInfo.processInfo.physicalMemory)
        guard let worst = largest(for: config, batchSize: batchSize, rows: rows).max(by: { $0.bytes < $1.bytes }),
              worst.bytes > memory else { return }
        throw CLIError("\(worst.what) would take \(gigabytes(worst.bytes)), and this machine has \(gigabytes(memory)); \(advice)")
    }

    /// `bytes` in gigabytes with one decimal, or in scientific notation when absurd.
    static func gigabytes(_ bytes: Double) -> String {
        let gb = bytes / 1e9
        return gb < 1e6 ? String(format: "%.1f GB", gb) : String(format: "%.1e GB", gb)
    }
}

/// Loads the model folder at `path`, first refusing a `config.json` whose sizes cannot fit in memory.
///
/// - Throws: ``CLIError`` for such sizes, else what ``ModelFolder/load(_:)`` throws.
func loadModelFolder(_ path: String) throws -> ReadyModel {
    let folder = URL(fileURLWithPath: path)
    let configURL = folder.appendingPathComponent(ModelFolder.configFile)
    if let data = try? Data(contentsOf: configURL), let config = try? ModelConfig.decode(data, file: configURL.path) {
        do {
            try MemoryCheck.check(config, batchSize: 64, rows: 1,
                                  advice: "\(configURL.path) is damaged or was written for a bigger machine")
        } catch let error as CLIError {
            throw DataFileError(error.description)  // a damaged file, not a bad option: exit status 1
        }
    }
    return try ModelFolder.load(folder)
}
