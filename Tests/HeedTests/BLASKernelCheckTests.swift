import XCTest
@testable import Heed

final class BLASKernelCheckTests: XCTestCase {
    let avx512: Set<String> = ["sse3", "avx", "avx2", "fma", "avx512f", "avx512bw", "avx512dq", "avx512vl"]

    func testRecommendsSkylakeXForAVX512AndHaswellForAVX2() {
        XCTAssertEqual(BLASKernelCheck.recommendedCoreType(flags: avx512), "SkylakeX")
        XCTAssertEqual(BLASKernelCheck.recommendedCoreType(flags: ["avx", "avx2", "fma"]), "Haswell")
        XCTAssertNil(BLASKernelCheck.recommendedCoreType(flags: ["sse3", "avx"]))
        XCTAssertEqual(BLASKernelCheck.recommendedCoreType(flags: ["avx2", "fma", "avx512f"]), "Haswell",
                       "AVX-512 F alone is not enough for the SkylakeX kernel")
    }

    func testSuggestsABetterKernelOnlyForAWeakerFallback() {
        XCTAssertEqual(BLASKernelCheck.suggestedCoreType(current: "Prescott", flags: avx512, userSetting: nil), "SkylakeX")
        XCTAssertEqual(BLASKernelCheck.suggestedCoreType(current: "Haswell", flags: avx512, userSetting: nil), "SkylakeX")
        XCTAssertNil(BLASKernelCheck.suggestedCoreType(current: "SkylakeX", flags: avx512, userSetting: nil))
        XCTAssertNil(BLASKernelCheck.suggestedCoreType(current: "Prescott", flags: ["sse3"], userSetting: nil))
        XCTAssertNil(BLASKernelCheck.suggestedCoreType(current: "armv8", flags: avx512, userSetting: nil))
    }

    func testNeverOverridesTheUsersSetting() {
        XCTAssertNil(BLASKernelCheck.suggestedCoreType(current: "Prescott", flags: avx512, userSetting: "Prescott"))
    }

    /// The restart sets the core type only when suggested, and the thread timeout only when the
    /// user has not set one.
    func testSuggestedEnvironmentKeepsTheUsersValues() {
        let both = BLASKernelCheck.suggestedEnvironment(coreType: "SkylakeX", threadTimeoutSetting: nil)
        XCTAssertEqual(both.map(\.name), ["OPENBLAS_CORETYPE", "OPENBLAS_THREAD_TIMEOUT"])
        XCTAssertEqual(both.map(\.value), ["SkylakeX", BLASKernelCheck.recommendedThreadTimeout])
        XCTAssertEqual(BLASKernelCheck.suggestedEnvironment(coreType: nil, threadTimeoutSetting: "").map(\.name),
                       ["OPENBLAS_THREAD_TIMEOUT"])
        XCTAssertTrue(BLASKernelCheck.suggestedEnvironment(coreType: nil, threadTimeoutSetting: "28").isEmpty)
        XCTAssertEqual(BLASKernelCheck.suggestedEnvironment(coreType: "Haswell", threadTimeoutSetting: "4").map(\.name),
                       ["OPENBLAS_CORETYPE"])
    }

    func testKnowsTheFallbackTiers() {
        XCTAssertEqual(BLASKernelCheck.tier(ofCore: "Prescott"), .sse)
        XCTAssertEqual(BLASKernelCheck.tier(ofCore: "HASWELL"), .avx2)
        XCTAssertEqual(BLASKernelCheck.tier(ofCore: "SkylakeX"), .avx512)
        XCTAssertLessThan(BLASKernelCheck.Tier.sse, .avx512)
    }
}
