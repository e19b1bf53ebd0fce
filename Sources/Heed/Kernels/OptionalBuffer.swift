extension Optional {
    /// Runs `body` with a pointer to the array's elements, or `nil` when there is no array.
    @inline(__always)
    func withOptionalBuffer<Element, R>(_ body: (UnsafePointer<Element>?) -> R) -> R where Wrapped == [Element] {
        switch self {
        case .some(let array): return array.withUnsafeBufferPointer { body($0.baseAddress) }
        case .none: return body(nil)
        }
    }
}
