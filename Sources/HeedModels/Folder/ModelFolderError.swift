import Foundation

/// An error reading or writing a model folder: a missing or corrupted file, or files that do
/// not belong together.
public enum ModelFolderError: Error, Equatable, Sendable, CustomStringConvertible, LocalizedError {
    /// The path is not a folder.
    case notAFolder(path: String)
    /// A file the folder needs is missing.
    case missingFile(file: String)
    /// `config.json` cannot be used.
    case invalidConfig(file: String, reason: String)
    /// A file is present but cannot be used (corrupted, wrong shapes, or inconsistent with the config).
    case invalidFile(file: String, reason: String)
    /// A file or the folder cannot be written.
    case unwritable(path: String, reason: String)

    /// The message a user reads.
    public var description: String {
        switch self {
        case let .notAFolder(path): return "\(path): not a model folder (expected a directory with config.json)"
        case let .missingFile(file): return "\(file): missing; the model folder is incomplete (train it again or restore the file)"
        case let .invalidConfig(file, reason): return "\(file): invalid model configuration: \(reason); restore the file or train the model again"
        case let .invalidFile(file, reason): return "\(file): \(reason)"
        case let .unwritable(path, reason): return "\(path): cannot write: \(reason)"
        }
    }

    /// The same text as ``description``.
    public var errorDescription: String? { description }
}
