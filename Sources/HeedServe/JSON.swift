import Foundation

/// A parsed JSON value. Requests are read into this form so that each field's type can be checked
/// and named in the error (`instances[2] must be a string, got a number`).
enum JSONValue: Equatable, Sendable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    /// The value's JSON type with its article, for error messages.
    var typeName: String {
        switch self {
        case .null: return "null"
        case .bool: return "a boolean"
        case .number: return "a number"
        case .string: return "a string"
        case .array: return "an array"
        case .object: return "an object"
        }
    }

    /// Parses a request body: valid UTF-8 holding exactly one JSON value (RFC 8259, nested at most
    /// ``JSONParser/maxDepth`` deep).
    ///
    /// - Throws: ``ServeError/badRequest(_:)`` naming the first invalid UTF-8 byte, or the JSON
    ///   error with its line and column.
    static func parse(_ bytes: [UInt8]) throws -> JSONValue {
        if let offset = firstInvalidUTF8(bytes) {
            let hex = String(bytes[offset], radix: 16, uppercase: true)
            throw ServeError.badRequest(
                "request body is not valid UTF-8 (byte 0x\(hex.count == 1 ? "0" + hex : hex) at offset \(offset))")
        }
        var parser = JSONParser(bytes)
        return try parser.document()
    }

    /// The offset of the first byte that is not part of valid UTF-8, or nil.
    static func firstInvalidUTF8(_ bytes: [UInt8]) -> Int? {
        var decoder = UTF8()
        var iterator = bytes.makeIterator()
        var offset = 0
        while true {
            switch decoder.decode(&iterator) {
            case let .scalarValue(scalar): offset += UTF8.width(scalar)
            case .emptyInput: return nil
            case .error: return offset
            }
        }
    }
}

/// A strict recursive-descent JSON parser over UTF-8 bytes whose errors name the line and column.
struct JSONParser {
    /// The deepest nesting of arrays and objects accepted, so no body can exhaust the stack.
    static let maxDepth = 64

    private let bytes: [UInt8]
    private var i = 0
    private var depth = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    /// One value and nothing after it but white space.
    mutating func document() throws -> JSONValue {
        skipSpace()
        if i == bytes.count { throw failure("the body is empty") }
        let value = try self.value()
        skipSpace()
        if i < bytes.count { throw failure("unexpected \(describe(bytes[i])) after the JSON value") }
        return value
    }

    private mutating func value() throws -> JSONValue {
        guard i < bytes.count else { throw failure("unexpected end of the body") }
        switch bytes[i] {
        case UInt8(ascii: "{"): return try nested { try $0.object() }
        case UInt8(ascii: "["): return try nested { try $0.array() }
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"): try literal("true"); return .bool(true)
        case UInt8(ascii: "f"): try literal("false"); return .bool(false)
        case UInt8(ascii: "n"): try literal("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try number())
        default: throw failure("unexpected \(describe(bytes[i])) where a value should start")
        }
    }

    private mutating func nested(_ body: (inout JSONParser) throws -> JSONValue) throws -> JSONValue {
        depth += 1
        defer { depth -= 1 }
        if depth > Self.maxDepth { throw failure("arrays and objects are nested more than \(Self.maxDepth) deep") }
        return try body(&self)
    }

    private mutating func object() throws -> JSONValue {
        i += 1
        var fields: [String: JSONValue] = [:]
        skipSpace()
        if peek(UInt8(ascii: "}")) { i += 1; return .object(fields) }
        while true {
            skipSpace()
            guard peek(UInt8(ascii: "\"")) else { throw failure("expected a field name in quotes") }
            let key = try string()
            skipSpace()
            guard peek(UInt8(ascii: ":")) else { throw failure("expected ':' after the field name \"\(key)\"") }
            i += 1
            skipSpace()
            fields[key] = try value()
            skipSpace()
            if peek(UInt8(ascii: ",")) { i += 1; continue }
            if peek(UInt8(ascii: "}")) { i += 1; return .object(fields) }
            throw failure("expected ',' or '}' in an object")
        }
    }

    private mutating func array() throws -> JSONValue {
        i += 1
        var items: [JSONValue] = []
        skipSpace()
        if peek(UInt8(ascii: "]")) { i += 1; return .array(items) }
        while true {
            skipSpace()
            items.append(try value())
            skipSpace()
            if peek(UInt8(ascii: ",")) { i += 1; continue }
            if peek(UInt8(ascii: "]")) { i += 1; return .array(items) }
            throw failure("expected ',' or ']' in an array")
        }
    }

    private mutating func string() throws -> String {
        let start = i
        i += 1
        var out: [UInt8] = []
        while i < bytes.count {
            let b = bytes[i]
            switch b {
            case UInt8(ascii: "\""):
                i += 1
                return String(decoding: out, as: UTF8.self)
            case UInt8(ascii: "\\"):
                i += 1
                guard i < bytes.count else { break }
                let escape = bytes[i]
                i += 1
                switch escape {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(escape)
                case UInt8(ascii: "b"): out.append(8)
                case UInt8(ascii: "f"): out.append(12)
                case UInt8(ascii: "n"): out.append(10)
                case UInt8(ascii: "r"): out.append(13)
                case UInt8(ascii: "t"): out.append(9)
                case UInt8(ascii: "u"):
                    var scalar = try hex4()
                    if (0xD800..<0xDC00).contains(scalar) {
                        guard i + 1 < bytes.count, bytes[i] == UInt8(ascii: "\\"), bytes[i + 1] == UInt8(ascii: "u") else {
                            throw failure("a \\u escape of a high surrogate must be followed by its low surrogate")
                        }
                        i += 2
                        let low = try hex4()
                        guard (0xDC00..<0xE000).contains(low) else { throw failure("invalid low surrogate in a \\u escape") }
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    } else if (0xDC00..<0xE000).contains(scalar) {
                        throw failure("a lone low surrogate in a \\u escape")
                    }
                    guard let unicode = Unicode.Scalar(scalar) else { throw failure("invalid \\u escape") }
                    out.append(contentsOf: Array(String(Character(unicode)).utf8))
                default:
                    i -= 1
                    throw failure("invalid escape '\\\(describe(escape))' in a string")
                }
            case 0..<0x20:
                throw failure("a control character (byte \(b)) inside a string; escape it")
            default:
                out.append(b)
                i += 1
            }
        }
        i = start
        throw failure("a string that never ends")
    }

    private mutating func hex4() throws -> UInt32 {
        guard i + 4 <= bytes.count, let value = UInt32(String(decoding: bytes[i..<(i + 4)], as: UTF8.self), radix: 16) else {
            throw failure("a \\u escape needs four hexadecimal digits")
        }
        i += 4
        return value
    }

    private mutating func number() throws -> Double {
        let start = i
        func digits() -> Int {
            let from = i
            while i < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[i]) { i += 1 }
            return i - from
        }
        if peek(UInt8(ascii: "-")) { i += 1 }
        if peek(UInt8(ascii: "0")) {
            i += 1
        } else if digits() == 0 {
            throw failure("a number needs digits")
        }
        if peek(UInt8(ascii: ".")) {
            i += 1
            if digits() == 0 { throw failure("a number needs digits after '.'") }
        }
        if peek(UInt8(ascii: "e")) || peek(UInt8(ascii: "E")) {
            i += 1
            if peek(UInt8(ascii: "+")) || peek(UInt8(ascii: "-")) { i += 1 }
            if digits() == 0 { throw failure("a number needs digits in its exponent") }
        }
        guard let value = Double(String(decoding: bytes[start..<i], as: UTF8.self)) else {
            i = start
            throw failure("invalid number")
        }
        return value
    }

    private mutating func literal(_ word: String) throws {
        let expected = Array(word.utf8)
        guard i + expected.count <= bytes.count, Array(bytes[i..<(i + expected.count)]) == expected else {
            throw failure("unexpected \(describe(bytes[i])) where a value should start")
        }
        i += expected.count
    }

    private func peek(_ b: UInt8) -> Bool { i < bytes.count && bytes[i] == b }

    private mutating func skipSpace() {
        while i < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[i]) { i += 1 }
    }

    private func describe(_ b: UInt8) -> String {
        (0x21..<0x7F).contains(b) ? "'\(Character(Unicode.Scalar(b)))'" : "byte \(b)"
    }

    /// The error at the current position: `request body is not valid JSON: ... at line L, column C`.
    private func failure(_ message: String) -> ServeError {
        let upTo = bytes[0..<min(i, bytes.count)]
        let line = upTo.reduce(1) { $1 == 10 ? $0 + 1 : $0 }
        let lineStart = upTo.lastIndex(of: 10).map { $0 + 1 } ?? 0
        let column = String(decoding: bytes[lineStart..<min(i, bytes.count)], as: UTF8.self).count + 1
        return .badRequest("request body is not valid JSON: \(message) at line \(line), column \(column)")
    }
}

/// A JSON value to send, with object keys in a fixed order (classes in the model's order).
indirect enum ResponseJSON: Sendable {
    case string(String)
    /// A probability: written as the Float the model computed, in its shortest exact form.
    case probability(Double)
    case integer(Int)
    case bool(Bool)
    case array([ResponseJSON])
    case object([(String, ResponseJSON)])

    /// `{"error": message}`, the body of every error response.
    static func error(_ message: String) -> ResponseJSON { .object([("error", .string(message))]) }

    /// The JSON text.
    var text: String {
        var out = ""
        write(to: &out)
        return out
    }

    private func write(to out: inout String) {
        switch self {
        case let .string(s): Self.write(string: s, to: &out)
        case let .probability(p):
            let float = Float(p)
            out += float.isFinite ? "\(float)" : "null"
        case let .integer(n): out += String(n)
        case let .bool(b): out += b ? "true" : "false"
        case let .array(items):
            out += "["
            for (i, item) in items.enumerated() {
                if i > 0 { out += "," }
                item.write(to: &out)
            }
            out += "]"
        case let .object(pairs):
            out += "{"
            for (i, (key, value)) in pairs.enumerated() {
                if i > 0 { out += "," }
                Self.write(string: key, to: &out)
                out += ":"
                value.write(to: &out)
            }
            out += "}"
        }
    }

    private static func write(string s: String, to out: inout String) {
        out += "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        out += "\""
    }
}
