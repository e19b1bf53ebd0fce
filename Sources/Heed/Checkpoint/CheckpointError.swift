/// Why a checkpoint does not fit the model or optimizer it is loaded into. Each case names the
/// tensor.
public enum CheckpointError: Error, Equatable, CustomStringConvertible, Sendable {
    /// The model has a weight the file lacks.
    case missingTensor(String)
    /// The file has a tensor the model does not.
    case unexpectedTensor(String)
    /// A tensor's shape differs from the weight's.
    case shapeMismatch(name: String, expected: [Int], got: [Int])
    /// A tensor's dtype differs from the weight's.
    case dtypeMismatch(name: String, expected: String, got: String)
    /// Two weights of the model share a full name.
    case duplicateName(String)
    /// A metadata entry Heed writes is not readable (e.g. a non-integer epoch).
    case invalidMetadata(key: String, value: String)

    /// A message saying what was wrong and where.
    public var description: String {
        switch self {
        case let .missingTensor(name):
            return "checkpoint: tensor '\(name)' is missing from the file"
        case let .unexpectedTensor(name):
            return "checkpoint: the file has tensor '\(name)', which the model does not have"
        case let .shapeMismatch(name, expected, got):
            return "checkpoint: tensor '\(name)' has shape \(got), the model expects \(expected)"
        case let .dtypeMismatch(name, expected, got):
            return "checkpoint: tensor '\(name)' has dtype \(got), the model expects \(expected)"
        case let .duplicateName(name):
            return "checkpoint: two weights are both named '\(name)'; give the layers unique names"
        case let .invalidMetadata(key, value):
            return "checkpoint: metadata '\(key)' has the unreadable value '\(value)'"
        }
    }
}
