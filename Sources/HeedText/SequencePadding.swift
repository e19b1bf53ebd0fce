import Heed

/// Cuts or pads id sequences at the end to one length, padding with id 0.
public enum SequencePadding {
    /// `ids` cut to its first `maxLength` ids, or followed by zeros up to `maxLength`.
    public static func padded(_ ids: [Int32], toLength maxLength: Int) -> [Int32] {
        if ids.count >= maxLength { return Array(ids.prefix(maxLength)) }
        return ids + [Int32](repeating: Vocabulary.paddingID, count: maxLength - ids.count)
    }

    /// The sequences padded or cut at the end and stacked.
    ///
    /// Shape: `[sequences.count, maxLength]`.
    ///
    /// - Throws: ``TextDataError/invalidArgument(operation:message:)`` if `maxLength < 1`.
    public static func matrix(_ sequences: [[Int32]], maxLength: Int) throws -> IntTensor {
        guard maxLength >= 1 else {
            throw TextDataError.invalidArgument(
                operation: "SequencePadding.matrix", message: "maxLength \(maxLength) must be at least 1")
        }
        var scalars = [Int32](repeating: Vocabulary.paddingID, count: sequences.count * maxLength)
        scalars.withUnsafeMutableBufferPointer { out in
            for (row, ids) in sequences.enumerated() {
                let base = row * maxLength
                for (k, id) in ids.prefix(maxLength).enumerated() { out[base + k] = id }
            }
        }
        return try IntTensor(shape: [sequences.count, maxLength], scalars: scalars)
    }
}
