/// Counts tokens and remembers where each first appeared, for ranking a vocabulary.
public struct TokenCounter: Sendable {
    private var index: [String: Int] = [:]
    private var counts: [Int] = []
    private var order: [String] = []

    /// An empty counter.
    public init() {}

    /// The number of distinct tokens seen.
    public var distinctCount: Int { order.count }

    /// Counts one token.
    @inline(__always)
    public mutating func add(_ token: String) {
        if let k = index[token] {
            counts[k] += 1
        } else {
            index[token] = order.count
            order.append(token)
            counts.append(1)
        }
    }

    /// Counts every token of `tokens`.
    public mutating func add(_ tokens: [String]) {
        for token in tokens { add(token) }
    }

    /// Adds every count of `other`; its tokens not seen here join after this counter's, in the
    /// order `other` first saw them, so counting two columns one after the other equals
    /// counting the first into one counter, the second into another, and adding them.
    public mutating func add(contentsOf other: TokenCounter) {
        for (k, token) in other.order.enumerated() {
            if let i = index[token] {
                counts[i] += other.counts[k]
            } else {
                index[token] = order.count
                order.append(token)
                counts.append(other.counts[k])
            }
        }
    }

    /// How often `token` was seen.
    public func count(of token: String) -> Int {
        index[token].map { counts[$0] } ?? 0
    }

    /// The `limit` most frequent tokens, most frequent first; ties go to the token seen first.
    public func rankedTokens(limit: Int) -> [String] {
        guard limit > 0 else { return [] }
        let ranked = counts.indices.sorted { a, b in
            counts[a] != counts[b] ? counts[a] > counts[b] : a < b
        }
        return ranked.prefix(limit).map { order[$0] }
    }
}
