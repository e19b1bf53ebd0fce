import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The element types of the safetensors format.
public enum SafeTensorsDType: String, Sendable, CaseIterable {
    /// Booleans and 8/16-bit types (readable and checked; Heed stores none of them).
    case bool = "BOOL", u8 = "U8", i8 = "I8", i16 = "I16", u16 = "U16", f16 = "F16", bf16 = "BF16"
    /// 32- and 64-bit types; Heed stores `F32`, `F64` and `I64`.
    case i32 = "I32", u32 = "U32", f32 = "F32", f64 = "F64", i64 = "I64", u64 = "U64"

    /// Bytes per element.
    public var byteSize: Int {
        switch self {
        case .bool, .u8, .i8: return 1
        case .i16, .u16, .f16, .bf16: return 2
        case .i32, .u32, .f32: return 4
        case .f64, .i64, .u64: return 8
        }
    }
}

/// One tensor of a safetensors file: dtype, shape and little-endian bytes.
public struct SafeTensor: Sendable, Equatable {
    /// The element type.
    public let dtype: SafeTensorsDType
    /// The shape (`[]` for a scalar).
    public let shape: [Int]
    /// The elements as little-endian bytes, row-major.
    public let bytes: [UInt8]

    /// A tensor from raw parts; the byte count must be `count(shape) · dtype.byteSize`.
    public init(dtype: SafeTensorsDType, shape: [Int], bytes: [UInt8]) {
        precondition(Shape.count(shape) * dtype.byteSize == bytes.count,
                     "SafeTensor: \(bytes.count) bytes for shape \(shape) of \(dtype.rawValue)")
        self.dtype = dtype
        self.shape = shape
        self.bytes = bytes
    }

    /// A float tensor, stored as `F32` or `F64`.
    public init<Scalar: TensorScalar>(_ tensor: Tensor<Scalar>) {
        if let dtype = Self.nativeDType(Scalar.self) {
            // The file's little-endian IEEE layout is the memory's: the bytes copy as they are.
            self.init(dtype: dtype, shape: tensor.shape, bytes: tensor.scalars.withUnsafeBytes { Array($0) })
        } else if Scalar.self == Float.self {
            let bits = tensor.scalars.map { Float($0).bitPattern.littleEndian }
            self.init(dtype: .f32, shape: tensor.shape, bytes: bits.withUnsafeBytes { Array($0) })
        } else {
            let bits = tensor.scalars.map { Double($0).bitPattern.littleEndian }
            self.init(dtype: .f64, shape: tensor.shape, bytes: bits.withUnsafeBytes { Array($0) })
        }
    }

    /// The dtype whose bytes are `Scalar`'s own in memory (Float or Double on a little-endian
    /// machine), or `nil` when values must be converted one by one.
    private static func nativeDType<Scalar: TensorScalar>(_: Scalar.Type) -> SafeTensorsDType? {
        #if _endian(little)
        if Scalar.self == Float.self { return .f32 }
        if Scalar.self == Double.self { return .f64 }
        #endif
        return nil
    }

    /// Integers stored as `I64`.
    public init(int64 values: [Int64], shape: [Int]) {
        let bits = values.map { $0.littleEndian }
        self.init(dtype: .i64, shape: shape, bytes: bits.withUnsafeBytes { Array($0) })
    }

    /// The values as a float tensor; the stored dtype must be the tensor's (`F32` for Float,
    /// `F64` for Double).
    ///
    /// - Throws: ``SafeTensorsError/invalidHeader(_:)`` when the dtype differs (callers that
    ///   know the tensor's name report it; see ``CheckpointError``).
    public func tensor<Scalar: TensorScalar>(_: Scalar.Type = Scalar.self) throws -> Tensor<Scalar> {
        let expected: SafeTensorsDType = Scalar.self == Float.self ? .f32 : .f64
        guard dtype == expected else {
            throw SafeTensorsError.invalidHeader("dtype \(dtype.rawValue) where \(expected.rawValue) was expected")
        }
        let n = Shape.count(shape)
        if Self.nativeDType(Scalar.self) == dtype {
            // The stored bytes are the values' own (see nativeDType): copied as they are.
            let values = [Scalar](unsafeUninitializedCapacity: n) { out, count in
                bytes.withUnsafeBytes {
                    UnsafeMutableRawBufferPointer(out).copyMemory(from: UnsafeRawBufferPointer(rebasing: $0.prefix(n * MemoryLayout<Scalar>.stride)))
                }
                count = n
            }
            return Tensor(uncheckedShape: shape, scalars: values)
        }
        var values = [Scalar](repeating: 0, count: n)
        bytes.withUnsafeBytes { raw in
            if dtype == .f32 {
                for i in 0..<n {
                    values[i] = Scalar(Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self))))
                }
            } else {
                for i in 0..<n {
                    values[i] = Scalar(Double(bitPattern: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: 8 * i, as: UInt64.self))))
                }
            }
        }
        return Tensor(uncheckedShape: shape, scalars: values)
    }

    /// The values of an `I64` tensor.
    public var int64Values: [Int64]? {
        guard dtype == .i64 else { return nil }
        return bytes.withUnsafeBytes { raw in
            (0..<(bytes.count / 8)).map { Int64(littleEndian: raw.loadUnaligned(fromByteOffset: 8 * $0, as: Int64.self)) }
        }
    }
}

/// The safetensors format: an 8-byte little-endian header length, a JSON header
/// `{name: {"dtype", "shape", "data_offsets": [begin, end]}, "__metadata__": {…}}`, then the
/// raw little-endian data.
///
/// Reading validates the whole header (dtypes, offsets in range and not overlapping, byte
/// counts matching shapes) before the data section is read, and never allocates more than the
/// file's size. Writing is atomic: a temporary file in the same folder, `fsync`, `rename`.
public struct SafeTensorsFile: Sendable, Equatable {
    /// The tensors by name.
    public var tensors: [String: SafeTensor]
    /// The free-form string metadata (`__metadata__`).
    public var metadata: [String: String]

    /// The largest header accepted (as the reference implementation).
    public static let maximumHeaderLength = 100_000_000

    /// A file's contents.
    public init(tensors: [String: SafeTensor] = [:], metadata: [String: String] = [:]) {
        self.tensors = tensors
        self.metadata = metadata
    }

    /// The file's bytes; tensors are laid out in name order, the header padded with spaces
    /// to a multiple of 8 bytes.
    ///
    /// - Throws: ``SafeTensorsError/invalidHeader(_:)`` if the header cannot be encoded.
    public func encoded() throws -> [UInt8] {
        var header: [String: Any] = [:]
        var offset = 0
        let names = tensors.keys.sorted()
        for name in names {
            guard let t = tensors[name] else { continue }
            header[name] = ["dtype": t.dtype.rawValue, "shape": t.shape,
                            "data_offsets": [offset, offset + t.bytes.count]] as [String: Any]
            offset += t.bytes.count
        }
        if !metadata.isEmpty { header["__metadata__"] = metadata }
        var json: [UInt8]
        do {
            json = Array(try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys]))
        } catch {
            throw SafeTensorsError.invalidHeader("cannot encode the header: \(error)")
        }
        while json.count % 8 != 0 { json.append(0x20) }
        var out = [UInt8]()
        out.reserveCapacity(8 + json.count + offset)
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { out.append(contentsOf: $0) }
        out.append(contentsOf: json)
        for name in names { out.append(contentsOf: tensors[name]?.bytes ?? []) }
        return out
    }

    /// Parses a whole file held in memory.
    ///
    /// - Throws: ``SafeTensorsError`` for a malformed file.
    public init(bytes: [UInt8]) throws {
        guard bytes.count >= 8 else { throw SafeTensorsError.truncated(byteCount: bytes.count) }
        let length = bytes.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) }
        let headerLength = try Self.checkedHeaderLength(length, available: bytes.count - 8)
        let layout = try Self.parseHeader(Array(bytes[8..<(8 + headerLength)]), dataSize: bytes.count - 8 - headerLength)
        self = Self.assemble(layout, data: bytes[(8 + headerLength)...])
    }

    /// Reads and validates a file; the data section is read only after the header checks pass.
    ///
    /// - Throws: ``SafeTensorsError`` for a malformed or unreadable file.
    public init(contentsOf url: URL) throws {
        let handle: FileHandle
        do { handle = try FileHandle(forReadingFrom: url) } catch {
            throw SafeTensorsError.io(path: url.path, message: "cannot open: \(error.localizedDescription)")
        }
        defer { try? handle.close() }
        do {
            let fileSize = Int(try handle.seekToEnd())
            try handle.seek(toOffset: 0)
            guard fileSize >= 8, let prefix = try handle.read(upToCount: 8), prefix.count == 8 else {
                throw SafeTensorsError.truncated(byteCount: fileSize)
            }
            let length = prefix.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) }
            let headerLength = try Self.checkedHeaderLength(length, available: fileSize - 8)
            let headerBytes = headerLength == 0 ? Data() : (try handle.read(upToCount: headerLength) ?? Data())
            guard headerBytes.count == headerLength else { throw SafeTensorsError.truncated(byteCount: fileSize) }
            let dataSize = fileSize - 8 - headerLength
            let layout = try Self.parseHeader(Array(headerBytes), dataSize: dataSize)
            let data = dataSize == 0 ? Data() : (try handle.read(upToCount: dataSize) ?? Data())
            guard data.count == dataSize else { throw SafeTensorsError.truncated(byteCount: 8 + headerLength + data.count) }
            self = Self.assemble(layout, data: Array(data)[...])
        } catch let error as SafeTensorsError {
            throw error
        } catch {
            throw SafeTensorsError.io(path: url.path, message: error.localizedDescription)
        }
    }

    /// Writes the file atomically: to a temporary file in the same folder, `fsync`, then
    /// `rename` over `url`.
    ///
    /// - Throws: ``SafeTensorsError/io(path:message:)`` when writing fails (the original file,
    ///   if any, is then unchanged).
    public func write(to url: URL) throws {
        let bytes = try encoded()
        do {
            try AtomicFile.write(bytes, to: url)
        } catch let failure as AtomicFile.Failure {
            throw SafeTensorsError.io(path: failure.path, message: failure.reason)
        }
    }

    struct Layout {
        var entries: [(name: String, dtype: SafeTensorsDType, shape: [Int], begin: Int, end: Int)]
        var metadata: [String: String]
    }

    static func checkedHeaderLength(_ length: UInt64, available: Int) throws -> Int {
        guard length <= UInt64(available) else {
            throw SafeTensorsError.headerLengthOutOfRange(length: length, available: available)
        }
        guard length <= UInt64(maximumHeaderLength) else {
            throw SafeTensorsError.headerTooLong(length: length, limit: maximumHeaderLength)
        }
        return Int(length)
    }

    static func parseHeader(_ bytes: [UInt8], dataSize: Int) throws -> Layout {
        let object: Any
        do { object = try JSONSerialization.jsonObject(with: Data(bytes), options: []) } catch {
            throw SafeTensorsError.invalidHeader("not JSON (\(bytes.count) bytes)")
        }
        guard let header = object as? [String: Any] else {
            throw SafeTensorsError.invalidHeader("the header is not a JSON object")
        }
        var layout = Layout(entries: [], metadata: [:])
        for (name, value) in header.sorted(by: { $0.key < $1.key }) {  // sorted: the same defect is reported each run
            if name == "__metadata__" {
                guard let meta = value as? [String: Any] else {
                    throw SafeTensorsError.invalidHeader("__metadata__ is not an object")
                }
                for (k, v) in meta {
                    guard let s = v as? String else {
                        throw SafeTensorsError.invalidHeader("__metadata__ value for '\(k)' is not a string")
                    }
                    layout.metadata[k] = s
                }
                continue
            }
            guard let info = value as? [String: Any] else {
                throw SafeTensorsError.invalidHeader("entry '\(name)' is not an object")
            }
            guard let dtypeName = info["dtype"] as? String else {
                throw SafeTensorsError.invalidHeader("entry '\(name)' has no dtype string")
            }
            guard let dtype = SafeTensorsDType(rawValue: dtypeName) else {
                throw SafeTensorsError.unknownDType(tensor: name, dtype: dtypeName)
            }
            guard let shape = integers(info["shape"]), shape.allSatisfy({ $0 >= 0 }) else {
                throw SafeTensorsError.invalidHeader("entry '\(name)' has no valid shape (non-negative integers)")
            }
            guard let offsets = integers(info["data_offsets"]), offsets.count == 2 else {
                throw SafeTensorsError.invalidHeader("entry '\(name)' has no data_offsets [begin, end]")
            }
            let (begin, end) = (offsets[0], offsets[1])
            guard begin >= 0, begin <= end, end <= dataSize else {
                throw SafeTensorsError.offsetsOutOfRange(tensor: name, begin: begin, end: end, dataSize: dataSize)
            }
            var elements = 1
            for d in shape {
                let (product, overflow) = elements.multipliedReportingOverflow(by: d)
                guard !overflow else {
                    throw SafeTensorsError.byteCountMismatch(tensor: name, shape: shape, dtype: dtypeName,
                                                             expected: Int.max, got: end - begin)
                }
                elements = product
            }
            let (needed, overflow) = elements.multipliedReportingOverflow(by: dtype.byteSize)
            guard !overflow, needed == end - begin else {
                throw SafeTensorsError.byteCountMismatch(tensor: name, shape: shape, dtype: dtypeName,
                                                         expected: overflow ? Int.max : needed, got: end - begin)
            }
            layout.entries.append((name, dtype, shape, begin, end))
        }
        let sorted = layout.entries.sorted { ($0.begin, $0.end, $0.name) < ($1.begin, $1.end, $1.name) }
        for (a, b) in zip(sorted, sorted.dropFirst()) where b.begin < a.end {
            throw SafeTensorsError.overlappingTensors(a.name, b.name)
        }
        return layout
    }

    static func integers(_ value: Any?) -> [Int]? {
        guard let array = value as? [Any] else { return nil }
        var out: [Int] = []
        for element in array {
            guard let number = element as? NSNumber else { return nil }
            let d = number.doubleValue
            guard d == d.rounded(), Swift.abs(d) < 9.0e15 else { return nil }
            out.append(number.intValue)
        }
        return out
    }

    static func assemble(_ layout: Layout, data: ArraySlice<UInt8>) -> SafeTensorsFile {
        var tensors: [String: SafeTensor] = [:]
        let base = data.startIndex
        for e in layout.entries {
            tensors[e.name] = SafeTensor(dtype: e.dtype, shape: e.shape,
                                         bytes: Array(data[(base + e.begin)..<(base + e.end)]))
        }
        return SafeTensorsFile(tensors: tensors, metadata: layout.metadata)
    }
}
