import Foundation
import Heed
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Encoded texts on disk: a `[count, width]` matrix of token ids, little-endian, 2 bytes per id
/// when the vocabulary has at most 65,536 tokens and 4 otherwise. Rows are read on demand with
/// `pread`, so only the rows of the current batch are in memory.
public final class CachedIDs: ExampleSource, @unchecked Sendable {
    /// The number of rows.
    public let exampleCount: Int
    /// The ids per row (the model's input length).
    public let width: Int
    /// Bytes per id: 2 or 4.
    public let idBytes: Int
    /// The file.
    public let url: URL
    private let descriptor: Int32

    /// Opens `url`, which must hold exactly `count` rows of `width` ids of `idBytes` bytes.
    ///
    /// - Throws: ``TextDataError/unreadableFile(file:reason:)`` if it cannot be opened or its
    ///   size does not fit.
    public init(url: URL, count: Int, width: Int, idBytes: Int) throws {
        guard idBytes == 2 || idBytes == 4, width >= 1, count >= 0 else {
            throw TextDataError.invalidArgument(operation: "CachedIDs", message: "bad layout: \(count)×\(width), \(idBytes) bytes per id")
        }
        let fd = open(url.path, O_RDONLY)
        guard fd >= 0 else {
            throw TextDataError.unreadableFile(file: url.path, reason: String(cString: strerror(errno)))
        }
        var info = stat()
        guard fstat(fd, &info) == 0, Int(info.st_size) == count * width * idBytes else {
            close(fd)
            throw TextDataError.unreadableFile(
                file: url.path, reason: "expected \(count * width * idBytes) bytes (\(count) rows of \(width) ids); the id cache is damaged")
        }
        self.url = url
        self.exampleCount = count
        self.width = width
        self.idBytes = idBytes
        self.descriptor = fd
    }

    deinit { close(descriptor) }

    /// The rows `indices`, in that order, as a `[indices.count, width]` id matrix.
    ///
    /// - Throws: ``TextDataError/unreadableFile(file:reason:)`` on a read error.
    public func examples(_ indices: [Int]) throws -> IntTensor {
        let rowBytes = width * idBytes
        var scalars = [Int32](repeating: 0, count: indices.count * width)
        var row = [UInt8](repeating: 0, count: rowBytes)
        for (k, i) in indices.enumerated() {
            precondition(i >= 0 && i < exampleCount, "row \(i) is out of range 0..<\(exampleCount)")
            try row.withUnsafeMutableBytes { buffer in
                var done = 0
                while done < rowBytes {
                    let n = pread(descriptor, buffer.baseAddress! + done, rowBytes - done, off_t(i * rowBytes + done))
                    if n > 0 {
                        done += n
                    } else if n < 0 && errno == EINTR {
                        continue
                    } else {
                        throw TextDataError.unreadableFile(
                            file: url.path, reason: n == 0 ? "ends early at row \(i)" : String(cString: strerror(errno)))
                    }
                }
            }
            let base = k * width
            if idBytes == 2 {
                for j in 0..<width { scalars[base + j] = Int32(UInt16(row[2 * j]) | UInt16(row[2 * j + 1]) << 8) }
            } else {
                for j in 0..<width {
                    scalars[base + j] = Int32(bitPattern: UInt32(row[4 * j]) | UInt32(row[4 * j + 1]) << 8
                                              | UInt32(row[4 * j + 2]) << 16 | UInt32(row[4 * j + 3]) << 24)
                }
            }
        }
        return try IntTensor(shape: [indices.count, width], scalars: scalars)
    }
}

/// Appends rows of ids to a file through a buffer, in ``CachedIDs``' layout.
final class CachedIDsWriter {
    let url: URL
    let width: Int
    let idBytes: Int
    private(set) var count = 0
    private let handle: FileHandle
    private var buffer: [UInt8] = []

    init(url: URL, width: Int, idBytes: Int) throws {
        guard FileManager.default.createFile(atPath: url.path, contents: nil) else {
            throw TextDataError.unwritableFile(file: url.path, reason: "cannot create it")
        }
        self.url = url
        self.width = width
        self.idBytes = idBytes
        handle = try FileHandle(forWritingTo: url)
        buffer.reserveCapacity(1 << 20)
    }

    /// Appends one row of exactly `width` ids.
    func append(_ ids: ArraySlice<Int32>) throws {
        precondition(ids.count == width)
        for id in ids {
            let v = UInt32(bitPattern: id)
            buffer.append(UInt8(v & 0xFF))
            buffer.append(UInt8((v >> 8) & 0xFF))
            if idBytes == 4 {
                buffer.append(UInt8((v >> 16) & 0xFF))
                buffer.append(UInt8(v >> 24))
            }
        }
        count += 1
        if buffer.count >= 1 << 20 { try flush() }
    }

    private func flush() throws {
        do {
            try handle.write(contentsOf: buffer)
        } catch {
            throw TextDataError.unwritableFile(file: url.path, reason: "\(error.localizedDescription)")
        }
        buffer.removeAll(keepingCapacity: true)
    }

    /// Writes what is buffered, syncs and closes the file.
    func finish() throws {
        try flush()
        try handle.synchronize()
        try handle.close()
    }
}
