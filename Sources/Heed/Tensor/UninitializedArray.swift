extension Array where Element: TensorScalar {
    /// An array of `count` elements left uninitialised, for a kernel that writes every one.
    ///
    /// Zero elements give a plain `[]`: `init(unsafeUninitializedCapacity:)` with a capacity of
    /// zero writes the count of the one empty array the whole process shares, which races with
    /// any other thread doing the same (ThreadSanitizer reports it).
    static func uninitialized(count: Int) -> [Element] {
        guard count > 0 else { return [] }
        return [Element](unsafeUninitializedCapacity: count) { _, n in n = count }
    }
}
