import Foundation
import XCTest
@testable import Heed

final class SafeTensorsTests: XCTestCase {
    var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("heed-st-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    /// A file written byte by byte: the length prefix, `header`, then `data`.
    func rawFile(_ header: String, data: [UInt8] = [], length: UInt64? = nil) throws -> URL {
        var bytes = [UInt8]()
        let h = Array(header.utf8)
        withUnsafeBytes(of: (length ?? UInt64(h.count)).littleEndian) { bytes.append(contentsOf: $0) }
        bytes += h + data
        let url = directory.appendingPathComponent("raw-\(UUID().uuidString).safetensors")
        try Data(bytes).write(to: url)
        return url
    }

    func assertReadError(_ url: URL, _ expected: SafeTensorsError, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try SafeTensorsFile(contentsOf: url), file: file, line: line) { error in
            XCTAssertEqual(error as? SafeTensorsError, expected, file: file, line: line)
        }
    }

    func testRoundTripKeepsValuesDTypesAndMetadata() throws {
        let f = try Tensor<Float>(shape: [2, 3], scalars: [1, -2, 3.5, 0, 1e-30, -7])
        let d = Tensor<Double>([0.1, -0.2, 1e300])
        let file = SafeTensorsFile(tensors: ["dense/kernel": SafeTensor(f), "x": SafeTensor(d),
                                             "n": SafeTensor(int64: [42], shape: [])],
                                   metadata: ["epoch": "3", "note": "a \"quoted\" value"])
        let url = directory.appendingPathComponent("m.safetensors")
        try file.write(to: url)
        let back = try SafeTensorsFile(contentsOf: url)
        XCTAssertEqual(back, file)
        XCTAssertEqual(try back.tensors["dense/kernel"]?.tensor(Float.self).scalars, f.scalars)
        XCTAssertEqual(try back.tensors["x"]?.tensor(Double.self).scalars, d.scalars)
        XCTAssertEqual(back.tensors["n"]?.int64Values, [42])
    }

    func testHeaderIsPaddedToEightBytesAndLittleEndian() throws {
        let bytes = try SafeTensorsFile(tensors: ["a": SafeTensor(Tensor<Float>([1]))]).encoded()
        let length = Int(bytes[0]) | Int(bytes[1]) << 8
        XCTAssertEqual(length % 8, 0)
        XCTAssertEqual(Array(bytes.suffix(4)), [0x00, 0x00, 0x80, 0x3F])  // 1.0f little-endian
    }

    func testAtomicWriteLeavesNoTemporaryFile() throws {
        let url = directory.appendingPathComponent("w.safetensors")
        try SafeTensorsFile(tensors: ["a": SafeTensor(Tensor<Float>([1]))]).write(to: url)
        try SafeTensorsFile(tensors: ["a": SafeTensor(Tensor<Float>([2]))]).write(to: url)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory.path), ["w.safetensors"])
        XCTAssertEqual(try SafeTensorsFile(contentsOf: url).tensors["a"]?.tensor(Float.self).scalars, [2])
    }

    func testAtomicFileReplacesWholeOrFailsNamingTheFileAndLeavesNoTemporary() throws {
        let url = directory.appendingPathComponent("notes.txt")
        try AtomicFile.write(Data("first".utf8), to: url)
        try AtomicFile.write([UInt8]("second, longer".utf8), to: url)
        try AtomicFile.write(Data(), to: directory.appendingPathComponent("empty.txt"))
        XCTAssertEqual(try String(contentsOf: url, encoding: .utf8), "second, longer")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted(), ["empty.txt", "notes.txt"])
        // A missing folder: the temporary file cannot be created.
        let missing = directory.appendingPathComponent("none/notes.txt")
        XCTAssertThrowsError(try AtomicFile.write(Data("x".utf8), to: missing)) { error in
            let failure = error as? AtomicFile.Failure
            XCTAssertTrue(failure?.path.hasPrefix(directory.appendingPathComponent("none/.notes.txt.tmp-").path) == true, "\(error)")
            XCTAssertEqual(failure?.reason, "cannot create: No such file or directory")
        }
        // A folder in the way: the rename fails, and the folder keeps nothing of the write.
        let folder = directory.appendingPathComponent("taken")
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("inside"), withIntermediateDirectories: true)
        XCTAssertThrowsError(try AtomicFile.write(Data("x".utf8), to: folder)) { error in
            XCTAssertEqual((error as? AtomicFile.Failure)?.path, folder.path)
            XCTAssertTrue((error as? AtomicFile.Failure)?.reason.hasPrefix("cannot rename into place: ") == true, "\(error)")
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted(), ["empty.txt", "notes.txt", "taken"])
    }

    func testTruncatedFileIsRefused() throws {
        let url = directory.appendingPathComponent("short")
        try Data([1, 2, 3, 4]).write(to: url)
        assertReadError(url, .truncated(byteCount: 4))
    }

    func testHeaderLengthPastTheEndIsRefusedBeforeAllocating() throws {
        assertReadError(try rawFile("{}", length: 1000), .headerLengthOutOfRange(length: 1000, available: 2))
        assertReadError(try rawFile("{}", length: UInt64.max), .headerLengthOutOfRange(length: UInt64.max, available: 2))
    }

    func testNonJSONHeaderIsRefused() throws {
        XCTAssertThrowsError(try SafeTensorsFile(contentsOf: rawFile("not json"))) { error in
            guard case .invalidHeader = error as? SafeTensorsError else { return XCTFail("got \(error)") }
        }
    }

    func testUnknownDTypeIsRefused() throws {
        let url = try rawFile(#"{"a":{"dtype":"F33","shape":[1],"data_offsets":[0,4]}}"#, data: [0, 0, 0, 0])
        assertReadError(url, .unknownDType(tensor: "a", dtype: "F33"))
    }

    func testOffsetsOutOfRangeAreRefused() throws {
        let past = try rawFile(#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#, data: [0, 0, 0, 0])
        assertReadError(past, .offsetsOutOfRange(tensor: "a", begin: 0, end: 8, dataSize: 4))
        let reversed = try rawFile(#"{"a":{"dtype":"F32","shape":[0],"data_offsets":[4,0]}}"#, data: [0, 0, 0, 0])
        assertReadError(reversed, .offsetsOutOfRange(tensor: "a", begin: 4, end: 0, dataSize: 4))
    }

    func testOverlappingOffsetsAreRefused() throws {
        let url = try rawFile(#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#,
                              data: [UInt8](repeating: 0, count: 8))
        assertReadError(url, .overlappingTensors("a", "b"))
    }

    func testElementCountNotMatchingByteRangeIsRefused() throws {
        let url = try rawFile(#"{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}"#, data: [UInt8](repeating: 0, count: 8))
        assertReadError(url, .byteCountMismatch(tensor: "a", shape: [3], dtype: "F32", expected: 12, got: 8))
    }

    func testHugeShapeIsRefusedWithoutAllocating() throws {
        let url = try rawFile(#"{"a":{"dtype":"F64","shape":[4294967296,4294967296],"data_offsets":[0,8]}}"#,
                              data: [UInt8](repeating: 0, count: 8))
        XCTAssertThrowsError(try SafeTensorsFile(contentsOf: url)) { error in
            guard case .byteCountMismatch(tensor: "a", _, _, _, _) = error as? SafeTensorsError else {
                return XCTFail("got \(error)")
            }
        }
    }

    // MARK: strict loading by name

    func parameters() -> [(name: String, parameter: Parameter<Float>)] {
        [("dense/kernel", Parameter(path: "kernel", value: .zeros([2, 3]))),
         ("dense/bias", Parameter(path: "bias", value: .zeros([3])))]
    }

    func savedFile(_ tensors: [String: SafeTensor]) throws -> URL {
        let url = directory.appendingPathComponent("ckpt-\(UUID().uuidString).safetensors")
        try SafeTensorsFile(tensors: tensors).write(to: url)
        return url
    }

    func assertLoadError(_ url: URL, _ expected: CheckpointError, file: StaticString = #filePath, line: UInt = #line) {
        let ps = parameters()
        XCTAssertThrowsError(try Checkpoint.load(into: ps, from: url), file: file, line: line) { error in
            XCTAssertEqual(error as? CheckpointError, expected, file: file, line: line)
        }
        XCTAssertEqual(ps[0].parameter.value.scalars, [Float](repeating: 0, count: 6), "weights changed", file: file, line: line)
    }

    func testLoadRefusesMissingTensorNamingIt() throws {
        assertLoadError(try savedFile(["dense/kernel": SafeTensor(Tensor<Float>.ones([2, 3]))]), .missingTensor("dense/bias"))
    }

    func testLoadRefusesExtraTensorNamingIt() throws {
        let url = try savedFile(["dense/kernel": SafeTensor(Tensor<Float>.ones([2, 3])), "dense/bias": SafeTensor(Tensor<Float>.ones([3])),
                                 "dense_1/kernel": SafeTensor(Tensor<Float>.ones([1]))])
        assertLoadError(url, .unexpectedTensor("dense_1/kernel"))
    }

    func testLoadRefusesMisshapedTensorNamingIt() throws {
        let url = try savedFile(["dense/kernel": SafeTensor(Tensor<Float>.ones([3, 2])), "dense/bias": SafeTensor(Tensor<Float>.ones([3]))])
        assertLoadError(url, .shapeMismatch(name: "dense/kernel", expected: [2, 3], got: [3, 2]))
    }

    func testLoadRefusesWronglyTypedTensorNamingIt() throws {
        let url = try savedFile(["dense/kernel": SafeTensor(Tensor<Float>.ones([2, 3])), "dense/bias": SafeTensor(Tensor<Double>.ones([3]))])
        assertLoadError(url, .dtypeMismatch(name: "dense/bias", expected: "F32", got: "F64"))
    }

    func testSaveRefusesDuplicateNames() throws {
        let p = Parameter<Float>(path: "kernel", value: .zeros([1]))
        XCTAssertThrowsError(try Checkpoint.save(parameters: [("d/kernel", p), ("d/kernel", p)],
                                                 to: directory.appendingPathComponent("dup"))) { error in
            XCTAssertEqual(error as? CheckpointError, .duplicateName("d/kernel"))
        }
    }

    func testOptimizerStateAndEpochRoundTrip() throws {
        let ps = parameters()
        try setGradient(ps[0].parameter, [1, 2, 3, 4, 5, 6])
        try setGradient(ps[1].parameter, [1, 1, 1])
        let adam = Adam<Float>()
        adam.apply(to: ps)
        let url = directory.appendingPathComponent("opt.safetensors")
        try Checkpoint.save(parameters: ps, optimizer: adam, epoch: 7, to: url)
        let file = try SafeTensorsFile(contentsOf: url)
        XCTAssertEqual(file.tensors["optimizer/iterations"]?.int64Values, [1])
        XCTAssertNotNil(file.tensors["optimizer/dense/kernel/m"])
        let fresh = parameters(), adam2 = Adam<Float>()
        let info = try Checkpoint.load(into: fresh, optimizer: adam2, from: url)
        XCTAssertEqual(info.epoch, 7)
        XCTAssertEqual(adam2.iterations, 1)
        XCTAssertEqual(fresh[0].parameter.value.scalars, ps[0].parameter.value.scalars)
        XCTAssertEqual(adam2.exportState(parameters: fresh).slots["dense/kernel/v"]?.scalars,
                       adam.exportState(parameters: ps).slots["dense/kernel/v"]?.scalars)
    }

    // MARK: interoperability

    func pythonAvailable() throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", "-c", "import safetensors, numpy"]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        do { try p.run() } catch { throw XCTSkip("python3 not available") }
        p.waitUntilExit()
        if p.terminationStatus != 0 { throw XCTSkip("python3 with safetensors and numpy not available") }
    }

    func runPython(_ script: String) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", "-c", script]
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 0, "python failed")
        return String(decoding: data, as: UTF8.self)
    }

    func testPythonSafetensorsReadsOurFile() throws {
        try pythonAvailable()
        let f = try Tensor<Float>(shape: [2, 3], scalars: [1, -2, 3.5, 0, 0.25, -7])
        let url = directory.appendingPathComponent("py.safetensors")
        try SafeTensorsFile(tensors: ["dense/kernel": SafeTensor(f), "x": SafeTensor(Tensor<Double>([0.1, -3])),
                                      "optimizer/iterations": SafeTensor(int64: [12], shape: [])],
                            metadata: ["epoch": "2"]).write(to: url)
        let script = """
        import json, sys
        from safetensors import safe_open
        out = {}
        with safe_open(sys.argv[1] if len(sys.argv) > 1 else '\(url.path)', framework='np') as f:
            out['__metadata__'] = f.metadata()
            for k in f.keys():
                t = f.get_tensor(k)
                out[k] = [str(t.dtype), list(t.shape), t.reshape(-1).tolist()]
        print(json.dumps(out, sort_keys=True))
        """
        let json = try runPython(script)
        let parsed = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        XCTAssertEqual(parsed["__metadata__"] as? [String: String], ["epoch": "2"])
        let kernel = try XCTUnwrap(parsed["dense/kernel"] as? [Any])
        XCTAssertEqual(kernel[0] as? String, "float32")
        XCTAssertEqual(kernel[1] as? [Int], [2, 3])
        XCTAssertEqual((kernel[2] as? [Double])?.map { Float($0) }, f.scalars)
        let x = try XCTUnwrap(parsed["x"] as? [Any])
        XCTAssertEqual(x[0] as? String, "float64")
        XCTAssertEqual(x[2] as? [Double], [0.1, -3])
        let it = try XCTUnwrap(parsed["optimizer/iterations"] as? [Any])
        XCTAssertEqual(it[0] as? String, "int64")
        XCTAssertEqual(it[1] as? [Int], [])
        XCTAssertEqual(it[2] as? [Int], [12])
    }

    func testWeReadAFileWrittenByPythonSafetensors() throws {
        try pythonAvailable()
        let url = directory.appendingPathComponent("from-py.safetensors")
        _ = try runPython("""
        import numpy as np
        from safetensors.numpy import save_file
        save_file({'w': np.array([[1.5, -2.0], [0.0, 3.25]], dtype=np.float32), 'b': np.array([1e-3], dtype=np.float64)},
                  '\(url.path)', metadata={'k': 'v'})
        """)
        let file = try SafeTensorsFile(contentsOf: url)
        XCTAssertEqual(file.metadata, ["k": "v"])
        XCTAssertEqual(try file.tensors["w"]?.tensor(Float.self).shape, [2, 2])
        XCTAssertEqual(try file.tensors["w"]?.tensor(Float.self).scalars, [1.5, -2, 0, 3.25])
        XCTAssertEqual(try file.tensors["b"]?.tensor(Double.self).scalars, [1e-3])
    }
}

final class SafeTensorsMemoryTests: XCTestCase {
    func testEncodeThenDecodeInMemory() throws {
        let file = SafeTensorsFile(tensors: ["a": SafeTensor(Tensor<Double>([1, 2])), "b": SafeTensor(int64: [-3, 4], shape: [2, 1])],
                                   metadata: ["k": "v"])
        XCTAssertEqual(try SafeTensorsFile(bytes: file.encoded()), file)
    }

    func testTruncatedDataSectionIsRefusedInMemory() throws {
        let bytes = try SafeTensorsFile(tensors: ["a": SafeTensor(Tensor<Float>([1, 2]))]).encoded()
        XCTAssertThrowsError(try SafeTensorsFile(bytes: Array(bytes.dropLast(4)))) { error in
            guard case .offsetsOutOfRange(tensor: "a", begin: 0, end: 8, dataSize: 4) = error as? SafeTensorsError else {
                return XCTFail("got \(error)")
            }
        }
    }
}
