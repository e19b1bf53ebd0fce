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
        let level = Heed.bestAttentionKernel
        guard level != .blas else {
            throw XCTSkip("no AVX2 + FMA on this CPU: the tiled attention kernels' work splits were not tested")
        }
        let saved = (Heed.attentionKernel, FlashAttention.keptWeightsOverride)
        defer { (Heed.attentionKernel, FlashAttention.keptWeightsOverride) = saved }
        Heed.attentionKernel = level
        for threads in [2, 3] {
            try withHeedThreads(threads) {
                for kept in [false, true] {
                    FlashAttention.keptWeightsOverride = kept
                    for (i, c) in cases.enumerated() {
                        try compare(c, seed: 900 + UInt64(i) * 10, label: "\(level) \(threads) workers kept \(kept) \(c)")
                    }
                }
            }
        }
    }

    func compare(_ c: Case, seed: UInt64, label: String) throws {
        let q = randomTensor([c.b, c.tq, c.d], seed: seed).converted(to: Float.self)
        let k = randomTensor([c.b, c.tv, c.d], seed: seed + 1).converted(to: Float.self)
        let v = randomTensor([c.b, c.tv, c.dv], seed: seed + 2).converted(to: Float.self)
        let r = randomTensor([c.b, c.tq, c.dv], seed: seed + 3).converted(to: Float.self)
        let scale = c.scale.map { Tensor<Float>(Float($0)) }
        let vm = try DotProductAttentionTests.valueMask(c, seed: seed + 4)
        let qm = try DotProductAttentionTests.queryMask(c, seed: seed + 5)

        let leaves = [q, k, v].map { $0.requiringGrad() }, leafScale = scale?.requiringGrad()
        let tiled = try Tensor.dotProductAttention(query: leaves[0], key: leaves[1], value: leaves[2], scale: leafScale,
                                                   valueMask: vm, queryMask: qm, causal: c.causal)
        try (tiled.output * r).sum().backward()
        let refLeaves = [q, k, v].map { $0.requiringGrad() }, refScale = scale?.requiringGrad()
        let ref = try referenceAttention(query: refLeaves[0], key: refLeaves[1], value: refLeaves[2], scale: refScale,
                                         valueMask: vm, queryMask: qm, causal: c.causal)
        try (ref.output * r).sum().backward()

        assertClose(tiled.output.scalars, ref.output.scalars, rtol: 1e-4, atol: 1e-5, "output \(label)")
        for (name, (a, b)) in zip(["dQuery", "dKey", "dValue"], zip(leaves, refLeaves)) {
            assertClose(a.grad?.scalars ?? [], b.grad?.scalars ?? [], rtol: 1e-4, atol: 1e-5, "\(name) \(label)")
        }
        if let leafScale, let refScale {
            assertClose(leafScale.grad?.scalars ?? [], refScale.grad?.scalars ?? [], rtol: 1e-4, atol: 1e-4, "dScale \(label)")
        }
    }
}
