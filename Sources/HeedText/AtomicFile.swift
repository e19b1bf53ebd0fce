import Foundation
import Heed

/// Writes `data` over `url` as Heed's `AtomicFile.write` does (atomically, flushed to
/// disk): `vocab.txt`, `labels.json`.
///
/// - Throws: ``TextDataError/unwritableFile(file:reason:)`` naming `url`.
func writeDataFile(_ data: Data, to url: URL) throws {
    do {
        try AtomicFile.write(data, to: url)
    } catch let failure as AtomicFile.Failure {
        throw TextDataError.unwritableFile(file: url.path, reason: failure.reason)
    }
}
