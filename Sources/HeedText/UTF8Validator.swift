/// A byte-at-a-time UTF-8 validator that keeps its state across chunk boundaries.
///
/// It follows the well-formed byte sequences of the Unicode standard (table 3-7): no overlong
/// forms, no surrogates, nothing above U+10FFFF.
struct UTF8Validator {
    /// Continuation bytes still expected for the current sequence.
    private(set) var pending = 0
    private var lower: UInt8 = 0x80
    private var upper: UInt8 = 0xBF
    /// File offset and line of the current sequence's lead byte.
    private(set) var sequenceOffset = 0
    private(set) var sequenceLine = 0
    private(set) var sequenceLead: UInt8 = 0

    /// Whether everything fed so far ends on a sequence boundary.
    var isComplete: Bool { pending == 0 }

    /// Feeds one byte at `offset` on `line`; returns the bad sequence's `(offset, line, byte)`
    /// when the byte makes the input invalid.
    @inline(__always)
    mutating func feed(_ b: UInt8, offset: Int, line: Int) -> (offset: Int, line: Int, byte: UInt8)? {
        if pending == 0 {
            if b < 0x80 { return nil }
            sequenceOffset = offset
            sequenceLine = line
            sequenceLead = b
            switch b {
            case 0xC2...0xDF: pending = 1
            case 0xE0: pending = 2; lower = 0xA0
            case 0xE1...0xEC, 0xEE...0xEF: pending = 2
            case 0xED: pending = 2; upper = 0x9F
            case 0xF0: pending = 3; lower = 0x90
            case 0xF1...0xF3: pending = 3
            case 0xF4: pending = 3; upper = 0x8F
            default: return (offset, line, b)
            }
            return nil
        }
        guard b >= lower && b <= upper else { return (sequenceOffset, sequenceLine, sequenceLead) }
        lower = 0x80
        upper = 0xBF
        pending -= 1
        return nil
    }
}
