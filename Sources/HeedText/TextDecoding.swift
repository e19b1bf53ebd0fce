/// How the bytes of a text file become characters.
public enum TextDecoding: Sendable, Equatable {
    /// UTF-8; any invalid byte is an error naming its line and byte offset. The default.
    case strict
    /// UTF-8; each invalid sequence becomes U+FFFD (the replacement character).
    case lossy
    /// ISO 8859-1: every byte is the Unicode scalar of the same value. Never fails.
    case latin1

    /// Whether a leading UTF-8 byte-order mark is skipped (it is for the UTF-8 decodings only).
    var skipsByteOrderMark: Bool { self != .latin1 }

    /// The string for `bytes`, which the strict decoding has already validated.
    func string(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
        switch self {
        case .strict, .lossy:
            return String(decoding: bytes, as: UTF8.self)
        case .latin1:
            var ascii = true
            for b in bytes where b >= 0x80 { ascii = false; break }
            if ascii { return String(decoding: bytes, as: UTF8.self) }
            var utf8 = [UInt8]()
            utf8.reserveCapacity(bytes.count * 2)
            for b in bytes {
                if b < 0x80 {
                    utf8.append(b)
                } else {
                    utf8.append(0xC0 | (b >> 6))
                    utf8.append(0x80 | (b & 0x3F))
                }
            }
            return String(decoding: utf8, as: UTF8.self)
        }
    }
}
