import XCTest
@testable import Heed

/// Bad shapes, ids and names give typed errors that say what was wrong.
final class LayerErrorTests: XCTestCase {
    func assertThrows<T>(_ expected: (TensorError) -> Bool, _ body: @autoclosure () throws -> T,
                         file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try body(), file: file, line: line) { error in
            guard let e = error as? TensorError else { return XCTFail("not a TensorError: \(error)", file: file, line: line) }
            XCTAssertTrue(expected(e), "unexpected error: \(e)", file: file, line: line)
        }
    }

    func testEmbeddingIdAtOrAboveInputDimThrowsNamingTheId() throws {
        let layer = Embedding<Float>(inputDim: 10, outputDim: 2)
        let ids = try IntTensor(shape: [1, 3], scalars: [1, 10, 2])
        assertThrows({ $0 == .indexOutOfRange(operation: "Embedding 'embedding' lookup", index: 10, count: 10) }, try layer(ids))
    }

    func testEmbeddingNegativeIdThrowsNamingTheId() throws {
        let layer = Embedding<Float>(inputDim: 10, outputDim: 2, name: "tokens")
        assertThrows({ $0 == .indexOutOfRange(operation: "Embedding 'tokens' lookup", index: -3, count: 10) },
                     try layer.masked(IntTensor([-3])))
    }

    func testEmbeddingErrorMessageNamesIdAndRange() throws {
        let layer = Embedding<Float>(inputDim: 4, outputDim: 2)
        XCTAssertThrowsError(try layer(IntTensor([7]))) { error in
            XCTAssertTrue("\(error)".contains("7") && "\(error)".contains("0..<4"), "\(error)")
        }
    }

    func testDenseInputWidthDifferentFromKernelRowsThrows() throws {
        let layer = Dense<Float>(units: 3)
        _ = try layer(Tensor.zeros([2, 4]))
        assertThrows({ if case .shapeMismatch(_, [2, 5], [4, 3]) = $0 { return true }; return false },
                     try layer(Tensor.zeros([2, 5])))
    }

    func testDenseScalarInputThrows() throws {
        let layer = Dense<Float>(units: 3)
        assertThrows({ if case .invalidRank = $0 { return true }; return false }, try layer(Tensor(1)))
    }

    func testAttentionQueryAndKeyWidthsMustAgree() throws {
        let layer = Attention<Float>()
        assertThrows({ if case .shapeMismatch(_, [1, 2, 3], [1, 4, 2]) = $0 { return true }; return false },
                     try layer(query: Tensor.zeros([1, 2, 3]), value: Tensor.zeros([1, 4, 5]), key: Tensor.zeros([1, 4, 2])))
    }

    func testAttentionQueryAndValueWidthsMustAgreeWithoutKey() throws {
        let layer = Attention<Float>(scoreMode: .concat)
        assertThrows({ if case .shapeMismatch = $0 { return true }; return false },
                     try layer(query: Tensor.zeros([1, 2, 3]), value: Tensor.zeros([1, 4, 5])))
    }

    func testAttentionKeyAndValueLengthsMustAgree() throws {
        let layer = Attention<Float>()
        assertThrows({ if case .shapeMismatch = $0 { return true }; return false },
                     try layer(query: Tensor.zeros([1, 2, 3]), value: Tensor.zeros([1, 4, 5]), key: Tensor.zeros([1, 3, 3])))
    }

    func testAttentionBatchSizesMustAgree() throws {
        let layer = Attention<Float>()
        assertThrows({ if case .shapeMismatch = $0 { return true }; return false },
                     try layer(query: Tensor.zeros([2, 2, 3]), value: Tensor.zeros([1, 4, 3])))
    }

    func testAttentionNeedsRank3Inputs() throws {
        let layer = Attention<Float>()
        assertThrows({ if case .invalidRank = $0 { return true }; return false },
                     try layer(query: Tensor.zeros([2, 3]), value: Tensor.zeros([1, 4, 3])))
    }

    func testAttentionValueMaskOfWrongShapeThrows() throws {
        let layer = Attention<Float>()
        assertThrows({ if case .shapeMismatch(_, [1, 3], [1, 4]) = $0 { return true }; return false },
                     try layer(query: Tensor.zeros([1, 2, 3]), value: Tensor.zeros([1, 4, 3]),
                               valueMask: Mask(filled: true, shape: [1, 3])))
    }

    /// A mask with fewer rows than the batch is refused, in both score modes, though the op
    /// itself would share such rows between groups of problems.
    func testAttentionMaskRowsMustEqualTheBatch() throws {
        for mode in AttentionScoreMode.allCases {
            let layer = Attention<Float>(scoreMode: mode)
            assertThrows({ if case .shapeMismatch(_, [2, 4], [4, 4]) = $0 { return true }; return false },
                         try layer(query: Tensor.zeros([4, 2, 3]), value: Tensor.zeros([4, 4, 3]),
                                   valueMask: Mask(filled: true, shape: [2, 4])))
            assertThrows({ if case .shapeMismatch(_, [2, 2], [4, 2]) = $0 { return true }; return false },
                         try layer(query: Tensor.zeros([4, 2, 3]), value: Tensor.zeros([4, 4, 3]),
                                   queryMask: Mask(filled: true, shape: [2, 2])))
        }
    }

    func testAttentionQueryMaskOfWrongShapeThrows() throws {
        let layer = Attention<Float>()
        assertThrows({ if case .shapeMismatch(_, [1, 4], [1, 2]) = $0 { return true }; return false },
                     try layer(query: Tensor.zeros([1, 2, 3]), value: Tensor.zeros([1, 4, 3]),
                               queryMask: Mask(filled: true, shape: [1, 4])))
    }

    func testAttentionKeepMaskOfWrongShapeThrows() throws {
        let layer = Attention<Float>(dropout: 0.5)
        assertThrows({ if case .shapeMismatch = $0 { return true }; return false },
                     try layer.attend(query: Tensor.zeros([1, 2, 3]), value: Tensor.zeros([1, 4, 3]), training: true,
                                      dropoutKeepMask: Mask(filled: true, shape: [1, 2, 3])))
    }

    func testPoolingNeedsRank3Input() throws {
        let gap = GlobalAveragePooling1D<Float>()
        assertThrows({ if case .invalidRank = $0 { return true }; return false }, try gap(Tensor.zeros([2, 3])))
    }

    func testPoolingMaskOfWrongShapeThrows() throws {
        let gap = GlobalAveragePooling1D<Float>(dataFormat: .channelsFirst)
        // channels-first [2, 3, 5]: the mask must be [batch, time] = [2, 5]
        assertThrows({ if case .shapeMismatch = $0 { return true }; return false },
                     try gap(Tensor.zeros([2, 3, 5]), mask: Mask(filled: true, shape: [2, 3])))
    }

    func testConcatenateMismatchedShapesThrow() throws {
        let layer = Concatenate<Float>(axis: -1)
        assertThrows({ if case .shapeMismatch = $0 { return true }; return false },
                     try layer([Tensor.zeros([2, 3, 4]), Tensor.zeros([2, 2, 4])]))
    }

    func testConcatenateEmptyListThrows() throws {
        let layer = Concatenate<Float>()
        assertThrows({ if case .invalidArgument = $0 { return true }; return false }, try layer([Tensor<Float>]()))
    }

    func testDropoutNoiseShapeOfWrongRankThrows() throws {
        let layer = Dropout<Float>(rate: 0.5, noiseShape: [nil, 1])
        assertThrows({ if case .shapeMismatch = $0 { return true }; return false },
                     try layer(Tensor.zeros([2, 3, 4]), training: true))
    }

    func testDropoutKeepMaskThatWidensTheInputThrows() throws {
        let layer = Dropout<Float>(rate: 0.5)
        assertThrows({ if case .shapeMismatch = $0 { return true }; return false },
                     try layer(Tensor.zeros([2, 1]), training: true, keepMask: Mask(filled: true, shape: [2, 3])))
    }

    func testUnknownKerasNamesThrow() {
        assertThrows({ if case .invalidArgument = $0 { return true }; return false }, try AttentionScoreMode(kerasName: "additive"))
        assertThrows({ if case .invalidArgument = $0 { return true }; return false }, try DataFormat(kerasName: "channels_middle"))
    }
}
