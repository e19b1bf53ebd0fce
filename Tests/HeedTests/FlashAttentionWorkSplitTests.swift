import XCTest
@testable import Heed

/// The tiled attention kernels' two ways of sharing work, each run with 2 and 3 workers whatever
/// the thread count the suite started with: one item per problem (a batch of at least twice the
/// threads), and one item per (problem, key block) in the backward pass, where each worker adds
/// into its own dQ copy and the copies are summed at the end. Every worker runs at least one
/// item (``KernelLoop``), so a wrong per-worker sum shows in dQ. Values and gradients against the
/// composite twin, in both weight modes.
final class FlashAttentionWorkSplitTests: XCTestCase {
    typealias Case = DotProductAttentionTests.Case

    /// Per problem (B ≥ 2·threads) and per (problem, block): a single problem of four key
    /// blocks, and two problems with masks, causal and a scale.
    let cases = [
        Case(b: 7, tq: 70, tv: 90, d: 16, dv: 12, valueMask: .random, queryMask: true, scale: 0.8),
        Case(b: 1, tq: 150, tv: 250, d: 24, dv: 16),
        Case(b: 2, tq: 130, tv: 200, d: 20, dv: 28, valueMask: .random, queryMask: true, causal: true, scale: 1.3),
    ]

    func testBothWorkSplitsWithTwoAndThreeWorkers() throws {
        for threads in [2, 3] {
            try withHeedThreads(threads) {
                try AttentionKernelMode.forEachTiled { mode in
                    for (i, c) in cases.enumerated() {
                        try FlashAttentionTests.compareWithCompositeTwin(
                            c, seed: 900 + UInt64(i) * 10, label: "\(mode), \(threads) workers, \(c)")
                    }
                }
            }
        }
    }
}
