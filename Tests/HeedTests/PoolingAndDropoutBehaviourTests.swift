import XCTest
@testable import Heed

/// Hand-worked cases of `GlobalAveragePooling1D` and `Dropout`.
final class PoolingAndDropoutBehaviourTests: XCTestCase {
    func testMaskedPoolingDividesByTheValidStepsOfEachExample() throws {
        let x = try Tensor<Float>(shape: [2, 3, 1], scalars: [1, 2, 4, 8, 16, 32])
        let mask = try Mask(shape: [2, 3], values: [true, false, true, false, true, false])
        XCTAssertEqual(try GlobalAveragePooling1D<Float>()(x, mask: mask).scalars, [2.5, 16])
    }

    func testFullyMaskedExamplePoolsToNaN() throws {
        let x = Tensor<Float>.ones([1, 2, 2])
        let out = try GlobalAveragePooling1D<Float>()(x, mask: Mask(filled: false, shape: [1, 2]))
        XCTAssertTrue(out.scalars.allSatisfy(\.isNaN))
    }

    func testChannelsFirstPoolingAveragesTheLastAxisAndKeepsDims() throws {
        let x = try Tensor<Float>(shape: [1, 2, 3], scalars: [1, 2, 3, 10, 20, 30])
        let out = try GlobalAveragePooling1D<Float>(dataFormat: .channelsFirst, keepDims: true)(x)
        XCTAssertEqual(out.shape, [1, 2, 1])
        XCTAssertEqual(out.scalars, [2, 20])
    }

    func testDropoutIsIdentityInInference() throws {
        let x = Tensor<Float>.ones([2, 3])
        XCTAssertEqual(try Dropout<Float>(rate: 0.5)(x).scalars, x.scalars)
    }

    func testDropoutScalesKeptElementsByInverseKeepProbability() throws {
        let x = try Tensor<Float>(shape: [4], scalars: [1, 2, 3, 4])
        let keep = try Mask(shape: [4], values: [true, false, true, false])
        XCTAssertEqual(try Dropout<Float>(rate: 0.75)(x, training: true, keepMask: keep).scalars, [4, 0, 12, 0])
    }

    func testDropoutNoiseShapeDropsWholeChannels() throws {
        let layer = Dropout<Float>(rate: 0.5, noiseShape: [nil, 1, nil], seed: 4)
        let out = try layer(Tensor<Float>.ones([2, 5, 3]), training: true)
        for b in 0..<2 {
            for c in 0..<3 {
                let column = (0..<5).map { out[b, $0, c] }
                XCTAssertTrue(column.allSatisfy { $0 == column[0] } && (column[0] == 0 || column[0] == 2), "\(column)")
            }
        }
    }

    func testDropoutDropsAboutTheRateOfElements() throws {
        let out = try Dropout<Float>(rate: 0.3, seed: 1)(Tensor<Float>.ones([10_000]), training: true)
        let dropped = Double(out.scalars.filter { $0 == 0 }.count) / 10_000
        XCTAssertEqual(dropped, 0.3, accuracy: 0.03)
    }
}
