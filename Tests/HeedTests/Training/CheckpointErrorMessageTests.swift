import Foundation
import XCTest
@testable import Heed

/// The exact message of every error a user can cause with a safetensors file or a checkpoint
/// (docs/errors.md lists them), and proof that a file whose header promises huge sizes is
/// refused before anything of that size is allocated.
final class CheckpointErrorMessageTests: XCTestCase {
    var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("heed-msg-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: directory) }

    /// The bytes of a file: the little-endian length prefix (`length`, or the header's size),
    /// the header, then `data`.
    private func raw(_ header: String, data: [UInt8] = [], length: UInt64? = nil) -> [UInt8] {
        var bytes = [UInt8]()
        let h = Array(header.utf8)
        withUnsafeBytes(of: (length ?? UInt64(h.count)).littleEndian) { bytes.append(contentsOf: $0) }
        return bytes + h + data
    }

    private func write(_ bytes: [UInt8]) throws -> URL {
        let url = directory.appendingPathComponent("f-\(UUID().uuidString).safetensors")
        try Data(bytes).write(to: url)
        return url
    }

    /// Reads `bytes` both from memory and from a file, each under an address-space cap of
    /// 64 MB above the current use, and checks the error and its message.
    private func assertRefused(
        _ bytes: [UInt8], _ expected: SafeTensorsError, message: String,
        file: StaticString = #filePath, line: UInt = #line
    ) throws {
        let url = try write(bytes)
        let errors: [Error?] = try withAddressSpaceLimit(extraMegabytes: 64) {
            [Result { try SafeTensorsFile(bytes: bytes) }.error, Result { try SafeTensorsFile(contentsOf: url) }.error]
        }
        for error in errors {
            XCTAssertEqual(error as? SafeTensorsError, expected, file: file, line: line)
            XCTAssertEqual(error.map { "\($0)" }, message, file: file, line: line)
        }
    }

    // MARK: safetensors

    func testAddressSpaceLimitMakesLargeAllocationsFail() throws {
        let pointer = try withAddressSpaceLimit(extraMegabytes: 64) { malloc(1 << 30) }
        XCTAssertNil(pointer, "a 1 GB allocation succeeded under a 64 MB cap; the cap proves nothing")
        free(pointer)
    }

    func testTruncatedFileMessage() throws {
        try assertRefused([1, 2, 3, 4], .truncated(byteCount: 4),
                          message: "safetensors: file of 4 bytes is too short for the 8-byte header length")
    }

    func testFourGigabyteHeaderLengthInAHundredByteFileIsRefusedWithoutAllocating() throws {
        let bytes = raw(String(repeating: " ", count: 92), length: 1 << 32)
        XCTAssertEqual(bytes.count, 100)
        try assertRefused(bytes, .headerLengthOutOfRange(length: 1 << 32, available: 92),
                          message: "safetensors: header length 4294967296 exceeds the 92 bytes after it "
                              + "(truncated or not a safetensors file)")
    }

    func testHeaderOverTheLimitIsRefusedWithoutReadingIt() throws {
        // A sparse 200 MB file whose header length claims 150 MB: over the 100 MB limit.
        let url = directory.appendingPathComponent("sparse.safetensors")
        XCTAssertTrue(FileManager.default.createFile(atPath: url.path, contents: Data(raw("", length: 150_000_000))))
        let handle = try FileHandle(forWritingTo: url)
        try handle.truncate(atOffset: 200_000_000)
        try handle.close()
        let error = try withAddressSpaceLimit(extraMegabytes: 64) { Result { try SafeTensorsFile(contentsOf: url) }.error }
        XCTAssertEqual(error as? SafeTensorsError, .headerTooLong(length: 150_000_000, limit: 100_000_000))
        XCTAssertEqual(error.map { "\($0)" }, "safetensors: header length 150000000 is over the limit of 100000000 bytes "
                           + "(a corrupt file, or not a safetensors file)")
    }

    func testHeaderThatIsNotJSONMessage() throws {
        try assertRefused(raw("not json"), .invalidHeader("not JSON (8 bytes)"),
                          message: "safetensors: invalid header: not JSON (8 bytes)")
    }

    func testHeaderThatIsNotAnObjectMessage() throws {
        try assertRefused(raw("[1, 2]"), .invalidHeader("the header is not a JSON object"),
                          message: "safetensors: invalid header: the header is not a JSON object")
    }

    func testUnknownDTypeMessage() throws {
        try assertRefused(raw(#"{"a":{"dtype":"F33","shape":[1],"data_offsets":[0,4]}}"#, data: [0, 0, 0, 0]),
                          .unknownDType(tensor: "a", dtype: "F33"),
                          message: "safetensors: tensor 'a' has unknown dtype 'F33'")
    }

    func testOffsetsPastTheDataMessage() throws {
        try assertRefused(raw(#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#, data: [0, 0, 0, 0]),
                          .offsetsOutOfRange(tensor: "a", begin: 0, end: 8, dataSize: 4),
                          message: "safetensors: tensor 'a' has data_offsets [0, 8] outside the 4-byte data section")
    }

    func testOverlappingOffsetsMessage() throws {
        let header = #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#
        try assertRefused(raw(header, data: [UInt8](repeating: 0, count: 8)), .overlappingTensors("a", "b"),
                          message: "safetensors: tensors 'a' and 'b' have overlapping data_offsets")
    }

    func testElementCountDisagreeingWithTheByteRangeMessage() throws {
        try assertRefused(raw(#"{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}"#, data: [UInt8](repeating: 0, count: 8)),
                          .byteCountMismatch(tensor: "a", shape: [3], dtype: "F32", expected: 12, got: 8),
                          message: "safetensors: tensor 'a' of shape [3] and dtype F32 needs 12 bytes, its range has 8")
    }

    func testTwoToTheSixtyTwoElementShapeIsRefusedWithoutAllocating() throws {
        // 2^31 · 2^31 = 2^62 elements; times 4 bytes the count overflows Int.
        let header = #"{"a":{"dtype":"F32","shape":[2147483648,2147483648],"data_offsets":[0,8]}}"#
        try assertRefused(raw(header, data: [UInt8](repeating: 0, count: 8)),
                          .byteCountMismatch(tensor: "a", shape: [1 << 31, 1 << 31], dtype: "F32", expected: Int.max, got: 8),
                          message: "safetensors: tensor 'a' of shape [2147483648, 2147483648] and dtype F32 needs "
                              + "9223372036854775807 bytes, its range has 8")
    }

    func testElementCountOverflowIsRefusedWithoutAllocating() throws {
        let header = #"{"a":{"dtype":"U8","shape":[4294967296,4294967296,4294967296],"data_offsets":[0,1]}}"#
        try assertRefused(raw(header, data: [0]),
                          .byteCountMismatch(tensor: "a", shape: [1 << 32, 1 << 32, 1 << 32], dtype: "U8",
                                             expected: Int.max, got: 1),
                          message: "safetensors: tensor 'a' of shape [4294967296, 4294967296, 4294967296] and dtype U8 "
                              + "needs 9223372036854775807 bytes, its range has 1")
    }

    func testNegativeShapeMessage() throws {
        try assertRefused(raw(#"{"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}"#, data: [0, 0, 0, 0]),
                          .invalidHeader("entry 'a' has no valid shape (non-negative integers)"),
                          message: "safetensors: invalid header: entry 'a' has no valid shape (non-negative integers)")
    }

    func testMissingFileMessage() throws {
        let url = directory.appendingPathComponent("absent.safetensors")
        XCTAssertThrowsError(try SafeTensorsFile(contentsOf: url)) { error in
            guard case let .io(path, message) = error as? SafeTensorsError else { return XCTFail("got \(error)") }
            XCTAssertEqual(path, url.path)
            XCTAssertTrue("\(error)".hasPrefix("safetensors: \(url.path): cannot open: "), "\(error)")
            XCTAssertFalse(message.isEmpty)
        }
    }

    // MARK: checkpoint

    private func parameters() -> [(name: String, parameter: Parameter<Float>)] {
        [("dense/kernel", Parameter(path: "kernel", value: .zeros([2, 3]))),
         ("dense/bias", Parameter(path: "bias", value: .zeros([3])))]
    }

    private func assertLoadRefused(
        _ tensors: [String: SafeTensor], metadata: [String: String] = [:], _ expected: CheckpointError, message: String,
        file: StaticString = #filePath, line: UInt = #line
    ) throws {
        let url = directory.appendingPathComponent("ckpt-\(UUID().uuidString).safetensors")
        try SafeTensorsFile(tensors: tensors, metadata: metadata).write(to: url)
        let ps = parameters()
        XCTAssertThrowsError(try Checkpoint.load(into: ps, from: url), file: file, line: line) { error in
            XCTAssertEqual(error as? CheckpointError, expected, file: file, line: line)
            XCTAssertEqual("\(error)", message, file: file, line: line)
        }
        XCTAssertEqual(ps[0].parameter.value.scalars, [Float](repeating: 0, count: 6), "weights changed", file: file, line: line)
    }

    private let kernel = SafeTensor(Tensor<Float>.ones([2, 3]))
    private let bias = SafeTensor(Tensor<Float>.ones([3]))

    func testMissingTensorMessage() throws {
        try assertLoadRefused(["dense/kernel": kernel], .missingTensor("dense/bias"),
                              message: "checkpoint: tensor 'dense/bias' is missing from the file")
    }

    func testExtraTensorMessage() throws {
        try assertLoadRefused(["dense/kernel": kernel, "dense/bias": bias, "dense_1/kernel": bias],
                              .unexpectedTensor("dense_1/kernel"),
                              message: "checkpoint: the file has tensor 'dense_1/kernel', which the model does not have")
    }

    func testMisshapedTensorMessage() throws {
        try assertLoadRefused(["dense/kernel": SafeTensor(Tensor<Float>.ones([3, 2])), "dense/bias": bias],
                              .shapeMismatch(name: "dense/kernel", expected: [2, 3], got: [3, 2]),
                              message: "checkpoint: tensor 'dense/kernel' has shape [3, 2], the model expects [2, 3]")
    }

    func testWrongDTypeMessage() throws {
        try assertLoadRefused(["dense/kernel": kernel, "dense/bias": SafeTensor(Tensor<Double>.ones([3]))],
                              .dtypeMismatch(name: "dense/bias", expected: "F32", got: "F64"),
                              message: "checkpoint: tensor 'dense/bias' has dtype F64, the model expects F32")
    }

    func testUnreadableEpochMessage() throws {
        try assertLoadRefused(["dense/kernel": kernel, "dense/bias": bias], metadata: ["epoch": "two"],
                              .invalidMetadata(key: "epoch", value: "two"),
                              message: "checkpoint: metadata 'epoch' has the unreadable value 'two'")
    }
}

extension Result {
    /// The failure, if any.
    fileprivate var error: Failure? {
        if case let .failure(error) = self { return error }
        return nil
    }
}

/// Why ``withAddressSpaceLimit(extraMegabytes:_:)`` could not set its cap.
struct AddressSpaceLimitError: Error, CustomStringConvertible {
    let description: String
}

/// Runs `body` with the process's address space capped at its current size plus
/// `extraMegabytes`, so that any larger allocation fails instead of succeeding quietly.
func withAddressSpaceLimit<R>(extraMegabytes: Int, _ body: () throws -> R) throws -> R {
    let status = try String(contentsOfFile: "/proc/self/status", encoding: .utf8)
    // "VmSize:\t  123456 kB"; sanitizers' reservations make the number wide enough to fill the padding.
    guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmSize:") }),
          let kilobytes = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).dropFirst().first.flatMap({ Int($0) })
    else { throw AddressSpaceLimitError(description: "no VmSize in /proc/self/status") }
    var original = rlimit()
    let resource = __rlimit_resource_t(RLIMIT_AS.rawValue)
    guard getrlimit(resource, &original) == 0 else { throw AddressSpaceLimitError(description: "getrlimit failed") }
    var capped = original
    capped.rlim_cur = rlim_t(kilobytes * 1024 + extraMegabytes * 1024 * 1024)
    guard setrlimit(resource, &capped) == 0 else { throw AddressSpaceLimitError(description: "setrlimit failed") }
    defer { _ = setrlimit(resource, &original) }
    return try body()
}
