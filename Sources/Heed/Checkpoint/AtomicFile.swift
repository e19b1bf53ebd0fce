import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes files so that readers see either the old or the new contents, never a mixture, and
/// the new contents are on disk when the call returns: a checkpoint, a model folder's files.
public enum AtomicFile {
    /// Why a write failed: the file it was for (or its temporary) and the system's reason.
    public struct Failure: Error, Equatable, CustomStringConvertible {
        /// The file written, or its temporary file when that could not be written.
        public let path: String
        /// What the system said (`strerror`), after the step that failed.
        public let reason: String
        /// `path: reason`.
        public var description: String { "\(path): \(reason)" }
    }

    /// Writes `bytes` to a new temporary file beside `url`, flushes it to disk (`fsync`),
    /// renames it over `url`, and flushes the folder, so that the rename survives a power loss
    /// too. On failure the temporary file is removed and `url` is unchanged.
    ///
    /// - Throws: ``Failure``.
    public static func write(_ bytes: [UInt8], to url: URL) throws {
        try bytes.withUnsafeBytes { try write($0, to: url) }
    }

    /// Writes `data` as ``write(_:to:)-([UInt8],_)`` does.
    ///
    /// - Throws: ``Failure``.
    public static func write(_ data: Data, to url: URL) throws {
        try data.withUnsafeBytes { try write($0, to: url) }
    }

    private static func write(_ raw: UnsafeRawBufferPointer, to url: URL) throws {
        func reason() -> String { String(cString: strerror(errno)) }
        let directory = url.deletingLastPathComponent()
        let temporary = directory.appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        let fd = open(temporary.path, O_WRONLY | O_CREAT | O_EXCL, 0o644)
        guard fd >= 0 else { throw Failure(path: temporary.path, reason: "cannot create: \(reason())") }
        var failure: Failure?
        var written = 0
        while written < raw.count, failure == nil {
            let n = systemWrite(fd, raw.baseAddress! + written, raw.count - written)
            if n >= 0 {
                written += n
            } else if errno != EINTR {
                failure = Failure(path: temporary.path, reason: reason())
            }
        }
        if failure == nil, fsync(fd) != 0 { failure = Failure(path: temporary.path, reason: "fsync: \(reason())") }
        if close(fd) != 0, failure == nil { failure = Failure(path: temporary.path, reason: "close: \(reason())") }
        if failure == nil, rename(temporary.path, url.path) != 0 {
            failure = Failure(path: url.path, reason: "cannot rename into place: \(reason())")
        }
        if let failure {
            unlink(temporary.path)
            throw failure
        }
        let directoryFD = open(directory.path, O_RDONLY)
        if directoryFD >= 0 {
            _ = fsync(directoryFD)
            close(directoryFD)
        }
    }
}

@inline(__always) private func systemWrite(_ fd: Int32, _ p: UnsafeRawPointer, _ n: Int) -> Int {
    write(fd, p, n)
}
