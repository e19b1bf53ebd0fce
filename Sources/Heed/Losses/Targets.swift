/// The targets a loss or metric compares a model's output with: integer class ids or values.
///
/// Class ids are `[batch]` (or `[batch, 1]`) for sparse cross-entropy and accuracy; values are
/// one-hot rows `[batch, classes]`, binary labels `[batch, 1]` or regression targets.
public enum Targets<Scalar: TensorScalar>: Sendable {
    /// Integer class ids.
    case classes(IntTensor)
    /// Float targets of the output's shape.
    case values(Tensor<Scalar>)

    /// The number of examples (size of the first axis).
    public var count: Int {
        switch self {
        case let .classes(ids): return ids.shape.first ?? 1
        case let .values(t): return t.shape.first ?? 1
        }
    }

    /// The targets as class ids; float values are truncated to integers, and NaN, infinities and
    /// values past `Int` become -1 (no class, which the metrics refuse).
    public var classIDs: [Int] {
        switch self {
        case let .classes(ids): return ids.scalars.map { Int($0) }
        case let .values(t): return t.scalars.map { Self.classID($0) ?? -1 }
        }
    }

    /// The class id of a float target: truncated to an integer; nil for NaN, infinities and
    /// values past `Int`.
    static func classID(_ value: Scalar) -> Int? { Int(exactly: value.rounded(.towardZero)) }

    /// The targets as a float tensor; class ids keep their shape.
    public var valueTensor: Tensor<Scalar> {
        switch self {
        case let .classes(ids): return Tensor(uncheckedShape: ids.shape, scalars: ids.scalars.map { Scalar($0) })
        case let .values(t): return t
        }
    }
}
