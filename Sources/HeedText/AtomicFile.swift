import Foundation

/// Writes a file so that readers see either the old content or the new, never half of it.
enum AtomicFile {
    /// Writes `data` to a temporary file in the destination's folder, then renames it into place.
    ///
    /// - Throws: ``TextDataError/unwritableFile(file:reason:)`` naming the destination if the
    ///   write or the rename fails.
    static func write(_ data: Data, to url: URL) throws {
        let folder = url.deletingLastPathComponent()
        let temporary = folder.appendingPathComponent(".\(url.lastPathComponent).\(UUID().uuidString).tmp")
        do {
            try data.write(to: temporary)
        } catch {
            throw TextDataError.unwritableFile(file: url.path, reason: error.localizedDescription)
        }
        guard rename(temporary.path, url.path) == 0 else {
            let reason = String(cString: strerror(errno))
            try? FileManager.default.removeItem(at: temporary)
            throw TextDataError.unwritableFile(file: url.path, reason: "cannot rename into place: \(reason)")
        }
    }
}
