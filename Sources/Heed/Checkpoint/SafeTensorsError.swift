/// Why a safetensors file could not be read or written. Each case names the file's problem
/// and, where there is one, the tensor.
public enum SafeTensorsError: Error, Equatable, CustomStringConvertible, Sendable {
    /// The file ends before the 8-byte header length.
    case truncated(byteCount: Int)
    /// The header length is larger than the rest of the file.
    case headerLengthOutOfRange(length: UInt64, available: Int)
    /// The header length fits in the file but is over ``SafeTensorsFile/maximumHeaderLength``.
    case headerTooLong(length: UInt64, limit: Int)
    /// The header is not the expected JSON.
    case invalidHeader(String)
    /// A tensor's dtype is not a safetensors dtype.
    case unknownDType(tensor: String, dtype: String)
    /// A tensor's byte range is reversed or runs past the data section.
    case offsetsOutOfRange(tensor: String, begin: Int, end: Int, dataSize: Int)
    /// Two tensors' byte ranges overlap.
    case overlappingTensors(String, String)
    /// A tensor's element count times its dtype size differs from its byte range.
    case byteCountMismatch(tensor: String, shape: [Int], dtype: String, expected: Int, got: Int)
    /// Reading or writing the file failed.
    case io(path: String, message: String)

    /// A message saying what was wrong and where.
    public var description: String {
        switch self {
        case let .truncated(n):
            return "safetensors: file of \(n) bytes is too short for the 8-byte header length"
        case let .headerLengthOutOfRange(length, available):
            return "safetensors: header length \(length) exceeds the \(available) bytes after it (truncated or not a safetensors file)"
        case let .headerTooLong(length, limit):
            return "safetensors: header length \(length) is over the limit of \(limit) bytes (a corrupt file, or not a safetensors file)"
        case let .invalidHeader(why):
            return "safetensors: invalid header: \(why)"
        case let .unknownDType(tensor, dtype):
            return "safetensors: tensor '\(tensor)' has unknown dtype '\(dtype)'"
        case let .offsetsOutOfRange(tensor, begin, end, size):
            return "safetensors: tensor '\(tensor)' has data_offsets [\(begin), \(end)] outside the \(size)-byte data section"
        case let .overlappingTensors(a, b):
            return "safetensors: tensors '\(a)' and '\(b)' have overlapping data_offsets"
        case let .byteCountMismatch(tensor, shape, dtype, expected, got):
            return "safetensors: tensor '\(tensor)' of shape \(shape) and dtype \(dtype) needs \(expected) bytes, its range has \(got)"
        case let .io(path, message):
            return "safetensors: \(path): \(message)"
        }
    }
}
