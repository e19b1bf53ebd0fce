/// An error a caller can cause with data: shapes that do not fit, bad axes, bad ids.
///
/// Every case carries the operation's name and what it got, so that the message says what was
/// wrong and where.
public enum TensorError: Error, Equatable, CustomStringConvertible, Sendable {
    /// Two shapes that an operation needs to agree do not.
    case shapeMismatch(operation: String, lhs: [Int], rhs: [Int])
    /// A scalar count does not fit a shape (`from an array`, `reshape`).
    case elementCount(operation: String, shape: [Int], count: Int)
    /// An axis outside `-rank..<rank`.
    case invalidAxis(operation: String, axis: Int, rank: Int)
    /// A rank the operation cannot take.
    case invalidRank(operation: String, expected: String, shape: [Int])
    /// An integer id outside the table.
    case indexOutOfRange(operation: String, index: Int, count: Int)
    /// Any other invalid argument, described in words.
    case invalidArgument(operation: String, message: String)

    public var description: String {
        switch self {
        case let .shapeMismatch(op, lhs, rhs):
            return "\(op): shapes \(lhs) and \(rhs) are not compatible"
        case let .elementCount(op, shape, count):
            let needed = Shape.checkedCount(shape).map { "\($0) elements" } ?? "a count past Int or a negative size"
            return "\(op): shape \(shape) needs \(needed), got \(count)"
        case let .invalidAxis(op, axis, rank):
            return "\(op): axis \(axis) is out of range for a tensor of rank \(rank)"
        case let .invalidRank(op, expected, shape):
            return "\(op): expected \(expected), got shape \(shape)"
        case let .indexOutOfRange(op, index, count):
            return "\(op): index \(index) is out of range 0..<\(count)"
        case let .invalidArgument(op, message):
            return "\(op): \(message)"
        }
    }
}
