/// Turns raw text into word tokens: HTML tags out, every non-letter a space, lowercase, split on
/// whitespace.
///
/// Precisely:
/// 1. An HTML tag is a `<` and everything up to the next `>` (like the pattern `<[^>]*>`); it
///    is replaced by a space, so `word<br />word` stays two words. A `<` with no later `>` is an
///    ordinary non-letter.
/// 2. Every Unicode scalar that is not a letter (general category `L`: `Lu Ll Lt Lm Lo`)
///    becomes a space, so digits, punctuation, combining marks and symbols split words.
/// 3. Letters are lowercased with Unicode's full lowercase mapping.
/// 4. The text is split on the spaces; empty pieces are dropped.
///
/// With `keepingDigits`, decimal digits (general category `Nd`, `0`–`9` among them) count as
/// letters in step 2, as Keras `TextVectorization`'s default standardisation keeps them:
/// `"$1.5 billion in 2003"` gives `["1", "5", "billion", "in", "2003"]`.
///
/// It walks the UTF-8 bytes once with an ASCII fast path; no regular expressions.
public enum TextCleaner {
    /// The tokens of `text`.
    ///
    /// `"It's <b>GREAT</b>, 10/10!"` gives `["it", "s", "great"]`.
    public static func tokens(in text: String, keepingDigits: Bool = false) -> [String] {
        var tokens: [String] = []
        forEachToken(in: text, keepingDigits: keepingDigits) { tokens.append($0) }
        return tokens
    }

    /// The cleaned text: the tokens joined by single spaces.
    public static func cleaned(_ text: String, keepingDigits: Bool = false) -> String {
        tokens(in: text, keepingDigits: keepingDigits).joined(separator: " ")
    }

    /// Whether `text` holds at least one token.
    public static func hasTokens(_ text: String, keepingDigits: Bool = false) -> Bool {
        var found = false
        forEachToken(in: text, keepingDigits: keepingDigits) { _ in found = true }
        return found
    }

    /// Calls `body` with each token of `text`, in order, without building an array.
    public static func forEachToken(in text: String, keepingDigits: Bool = false, _ body: (String) throws -> Void) rethrows {
        var text = text
        try text.withUTF8 { bytes in try forEachToken(utf8: bytes, keepingDigits: keepingDigits, body) }
    }

    static func forEachToken(
        utf8 bytes: UnsafeBufferPointer<UInt8>, keepingDigits: Bool = false, _ body: (String) throws -> Void
    ) rethrows {
        // The current word's bytes, lowercased; grown by doubling, never per byte.
        var capacity = 256
        var word = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity)
        defer { word.deallocate() }
        var length = 0
        let n = bytes.count
        var i = 0
        // Once a `<` has found no `>` after it, no later `<` can either.
        var noTagCloseAhead = false

        @inline(__always)
        func push(_ b: UInt8) {
            if length == capacity { grow(to: capacity * 2) }
            word[length] = b
            length += 1
        }

        func grow(to newCapacity: Int) {
            let bigger = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
            bigger.update(from: word, count: length)
            word.deallocate()
            word = bigger
            capacity = newCapacity
        }

        @inline(__always)
        func flush() throws {
            if length > 0 {
                try body(String(decoding: UnsafeBufferPointer(start: word, count: length), as: UTF8.self))
                length = 0
            }
        }

        while i < n {
            let b = bytes[i]
            if b < 0x80 {
                if b >= 0x61 && b <= 0x7A {  // a-z
                    push(b)
                } else if b >= 0x41 && b <= 0x5A {  // A-Z
                    push(b | 0x20)
                } else if keepingDigits && b >= 0x30 && b <= 0x39 {  // 0-9
                    push(b)
                } else {
                    try flush()
                    if b == 0x3C && !noTagCloseAhead {  // '<'
                        var j = i + 1
                        while j < n && bytes[j] != 0x3E { j += 1 }  // '>'
                        if j < n {
                            i = j
                        } else {
                            noTagCloseAhead = true
                        }
                    }
                }
                i += 1
                continue
            }
            let (scalar, scalarLength) = decodeScalar(bytes, at: i)
            i += scalarLength
            switch scalar.properties.generalCategory {
            case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter:
                if scalar.properties.changesWhenLowercased {
                    for b in scalar.properties.lowercaseMapping.utf8 { push(b) }
                } else {
                    for k in (i - scalarLength)..<i { push(bytes[k]) }
                }
            case .decimalNumber where keepingDigits:
                for k in (i - scalarLength)..<i { push(bytes[k]) }
            default:
                try flush()
            }
        }
        try flush()
    }

    /// Decodes the scalar starting at `i` in valid UTF-8 (a Swift string's storage).
    @inline(__always)
    private static func decodeScalar(_ bytes: UnsafeBufferPointer<UInt8>, at i: Int) -> (Unicode.Scalar, Int) {
        let b0 = UInt32(bytes[i])
        var value: UInt32
        var length: Int
        if b0 < 0xE0 {
            value = b0 & 0x1F
            length = 2
        } else if b0 < 0xF0 {
            value = b0 & 0x0F
            length = 3
        } else {
            value = b0 & 0x07
            length = 4
        }
        length = min(length, bytes.count - i)
        for k in 1..<max(length, 1) { value = (value << 6) | (UInt32(bytes[i + k]) & 0x3F) }
        return (Unicode.Scalar(value) ?? "\u{FFFD}", max(length, 1))
    }
}
