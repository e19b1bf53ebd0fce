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

/// Pins `arrays` for the duration of `body`, which gets their base addresses in order (`nil` for
/// an empty array): one call where nested `withUnsafeBufferPointer` closures take a level each.
func withPinned<T, R>(_ arrays: [[T]], _ body: ([UnsafePointer<T>?]) -> R) -> R {
    var pointers: [UnsafePointer<T>?] = []
    pointers.reserveCapacity(arrays.count)
    func pin(_ i: Int) -> R {
        guard i < arrays.count else { return body(pointers) }
        return arrays[i].withUnsafeBufferPointer { buffer in
            pointers.append(buffer.isEmpty ? nil : buffer.baseAddress)
            return pin(i + 1)
        }
    }
    return pin(0)
}

extension Array where Element: TensorScalar {
    /// New arrays of `counts` elements, left uninitialised for `body` to write every element
    /// through their base addresses (`nil` for a count of 0), as
    /// ``uninitialized(count:writing:)`` makes one.
    static func uninitialized(counts: [Int], writing body: ([UnsafeMutablePointer<Element>?]) -> Void) -> [[Element]] {
        var pointers: [UnsafeMutablePointer<Element>?] = []
        pointers.reserveCapacity(counts.count)
        func make(_ i: Int) -> [[Element]] {
            guard i < counts.count else {
                body(pointers)
                return []
            }
            var rest: [[Element]] = []
            let array = [Element].uninitialized(count: counts[i]) { p in
                pointers.append(p)
                rest = make(i + 1)
            }
            if counts[i] == 0 {
                pointers.append(nil)
                rest = make(i + 1)
            }
            return [array] + rest
        }
        return make(0)
    }
}
