import XCTest
@testable import Heed

/// One choice of attention kernels for a test: the OpenBLAS kernels, or a tiled level (AVX2,
/// AVX-512) whose passes that need the gradient keep the weights (one key block) or recompute
/// them block by block.
struct AttentionKernelMode: CustomStringConvertible {
    let level: AttentionKernelKind
    /// Only read for tiled levels.
    let keptWeights: Bool

    var description: String {
        level == .blas ? "blas" : "\(level) \(keptWeights ? "kept weights" : "recomputed weights")"
    }

    /// The OpenBLAS kernels.
    static let blas = AttentionKernelMode(level: .blas, keptWeights: false)

    /// The tiled levels this CPU runs, `.avx2` and `.avx512` up to `Heed.bestAttentionKernel`
    /// (none without AVX2 + FMA).
    static var tiledLevels: [AttentionKernelKind] {
        AttentionKernelKind.allCases.filter { $0 != .blas && $0.rawValue <= Heed.bestAttentionKernel.rawValue }
    }

    /// Each tiled level this CPU runs, in both weight modes.
    static var tiledModes: [AttentionKernelMode] {
        tiledLevels.flatMap { level in [false, true].map { AttentionKernelMode(level: level, keptWeights: $0) } }
    }

    /// Skips the calling test, saying so, on a CPU that runs no tiled level.
    static func requireTiledKernels() throws {
        guard !tiledLevels.isEmpty else {
            throw XCTSkip("no AVX2 + FMA on this CPU: the tiled attention kernels were not tested")
        }
    }

    /// Runs `body` with this mode selected, then puts the previous selection back.
    func run<R>(file: StaticString = #filePath, line: UInt = #line, _ body: () throws -> R) rethrows -> R {
        let saved = Heed.attentionKernel
        defer { Heed.attentionKernel = saved }
        Heed.attentionKernel = level
        XCTAssertEqual(Heed.attentionKernel, level, "selected kernels", file: file, line: line)
        return try FlashAttention.$keptWeightsOverride.withValue(level == .blas ? nil : keptWeights) { try body() }
    }

    /// Runs `body` in each tiled mode this CPU runs (see ``tiledModes``); skips the calling test
    /// when there is none.
    static func forEachTiled(file: StaticString = #filePath, line: UInt = #line,
                             _ body: (AttentionKernelMode) throws -> Void) throws {
        try requireTiledKernels()
        for mode in tiledModes {
            try mode.run(file: file, line: line) { try body(mode) }
        }
    }
}
