extension Array where Element: TensorScalar {
    /// An array of `count` elements, left uninitialised for `body` to write every one: `body`
    /// gets the first element's address, and is not called for zero elements.
    ///
    /// Zero elements give a plain `[]`: `init(unsafeUninitializedCapacity:)` with a capacity of
    /// zero writes the count of the one empty array the whole process shares, which races with
    /// any other thread doing the same (ThreadSanitizer reports it).
    static func uninitialized(count: Int, writing body: (UnsafeMutablePointer<Element>) -> Void = { _ in }) -> [Element] {
        guard count > 0 else { return [] }
        return [Element](unsafeUninitializedCapacity: count) { buffer, n in
            body(buffer.baseAddress.unsafelyUnwrapped)
            n = count
        }
    }
}
