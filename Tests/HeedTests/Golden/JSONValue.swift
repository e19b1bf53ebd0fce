/// A heterogeneous JSON value, for the golden files' `layer_args`, `call_args` and `model`.
enum JSONValue: Decodable, Equatable, CustomStringConvertible {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null }
        else if let b = try? c.decode(Bool.self) { self = .bool(b) }
        else if let n = try? c.decode(Double.self) { self = .number(n) }
        else if let s = try? c.decode(String.self) { self = .string(s) }
        else if let a = try? c.decode([JSONValue].self) { self = .array(a) }
        else { self = .object(try c.decode([String: JSONValue].self)) }
    }

    subscript(key: String) -> JSONValue {
        if case let .object(o) = self { return o[key] ?? .null }
        return .null
    }

    var isNull: Bool { self == .null }
    var bool: Bool? { if case let .bool(b) = self { return b }; return nil }
    var double: Double? { if case let .number(n) = self { return n }; return nil }
    var int: Int? { double.map { Int($0) } }
    var string: String? { if case let .string(s) = self { return s }; return nil }
    var array: [JSONValue]? { if case let .array(a) = self { return a }; return nil }
    var object: [String: JSONValue]? { if case let .object(o) = self { return o }; return nil }
    /// An int, or a one-element list of ints (Keras writes `kernel_size` as `[3]`).
    var intOrFirst: Int? { int ?? array?.first?.int }
    /// A list of ints, or a single int as a one-element list.
    var ints: [Int]? { array?.compactMap(\.int) ?? int.map { [$0] } }

    var description: String {
        switch self {
        case .null: return "null"
        case let .bool(b): return "\(b)"
        case let .number(n): return "\(n)"
        case let .string(s): return "\"\(s)\""
        case let .array(a): return "[\(a.map(\.description).joined(separator: ", "))]"
        case let .object(o): return "{\(o.map { "\($0.key): \($0.value)" }.joined(separator: ", "))}"
        }
    }
}
