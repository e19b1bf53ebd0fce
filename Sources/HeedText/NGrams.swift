/// Word n-grams as Keras' `TextVectorization(ngrams: n)` makes them.
///
/// The tokens of a text are its words, then every two neighbouring words joined by a space,
/// then every three, and so on up to `n` words: the order of `tf.strings.ngrams` with widths
/// `1…n`. `["not", "a", "good", "film"]` with `n = 2` gives
/// `["not", "a", "good", "film", "not a", "a good", "good film"]`. A vocabulary counts them
/// all alike, and sequences are cut to their length after the n-grams are added, as in Keras.
public enum NGrams {
    /// What joins the words of an n-gram (a space, as in Keras).
    public static let separator = " "

    /// The words of `words` followed by their n-grams of widths 2 through `n`.
    ///
    /// - Precondition: `n >= 1`.
    public static func tokens(_ words: [String], upTo n: Int) -> [String] {
        precondition(n >= 1, "NGrams: width \(n) must be at least 1")
        guard n > 1, words.count > 1 else { return words }
        var out = words
        for width in 2...min(n, words.count) {
            for start in 0...(words.count - width) {
                out.append(words[start..<(start + width)].joined(separator: separator))
            }
        }
        return out
    }

    /// The tokens of `text` after cleaning (``TextCleaner``, digits kept with `keepingDigits`)
    /// with n-grams up to width `n`.
    ///
    /// - Precondition: `n >= 1`.
    public static func tokens(in text: String, upTo n: Int, keepingDigits: Bool = false) -> [String] {
        tokens(TextCleaner.tokens(in: text, keepingDigits: keepingDigits), upTo: n)
    }

    /// The widest n-gram `token` is, counting the words its separators join (1 for a word).
    public static func width(of token: String) -> Int {
        1 + token.utf8.reduce(0) { $0 + ($1 == UInt8(ascii: " ") ? 1 : 0) }
    }
}
