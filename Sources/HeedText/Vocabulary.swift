import Foundation

/// A token ↔ id table: id 0 is padding, id 1 is `<UNK>`, then the most frequent training tokens.
///
/// Built from token lists: tokens are ranked by count, ties by first occurrence, and the table is
/// capped at `maxSize` ids, the two reserved ones included. Saved as `vocab.txt`, one token per
/// line, the line number (from 0) being the id; line 0 is `<PAD>` (an empty line is accepted
/// when loading). A token is a word, or a word n-gram whose words are joined by single spaces
/// (``NGrams``); no other whitespace.
public struct Vocabulary: Sendable, Equatable {
    /// The id of padding.
    public static let paddingID: Int32 = 0
    /// The id of every token not in the table.
    public static let unknownID: Int32 = 1
    /// The text of id 0 in `vocab.txt`.
    public static let paddingToken = "<PAD>"
    /// The text of id 1.
    public static let unknownToken = "<UNK>"

    /// The tokens by id: `tokens[0]` is `<PAD>`, `tokens[1]` is `<UNK>`.
    public let tokens: [String]
    private let ids: [String: Int32]

    /// The number of ids, the two reserved ones included.
    public var count: Int { tokens.count }

    /// The vocabulary of `texts` (each a token list), with at most `maxSize` ids in all.
    ///
    /// - Throws: ``TextDataError/invalidArgument(operation:message:)`` if `maxSize < 2`.
    public init(building texts: [[String]], maxSize: Int) throws {
        var counter = TokenCounter()
        for text in texts { counter.add(text) }
        try self.init(counter: counter, maxSize: maxSize)
    }

    /// The vocabulary of the tokens counted in `counter`, with at most `maxSize` ids in all.
    ///
    /// - Throws: ``TextDataError/invalidArgument(operation:message:)`` if `maxSize < 2`.
    public init(counter: TokenCounter, maxSize: Int) throws {
        guard maxSize >= 2 else {
            throw TextDataError.invalidArgument(
                operation: "Vocabulary", message: "maxSize \(maxSize) must be at least 2 (padding and <UNK>)")
        }
        let ranked = counter.rankedTokens(limit: maxSize - 2)
        try self.init(tokens: [Self.paddingToken, Self.unknownToken] + ranked)
    }

    /// A vocabulary with exactly these tokens by id.
    ///
    /// - Throws: ``TextDataError/invalidArgument(operation:message:)`` if id 0 is not `<PAD>`
    ///   (or empty), id 1 is not `<UNK>`, a token repeats, or a token is empty or holds whitespace
    ///   other than single spaces between words.
    public init(tokens: [String]) throws {
        func fail(_ message: String) -> TextDataError {
            .invalidArgument(operation: "Vocabulary(tokens:)", message: message)
        }
        guard tokens.count >= 2, tokens[0] == Self.paddingToken || tokens[0].isEmpty,
              tokens[1] == Self.unknownToken
        else { throw fail("ids 0 and 1 must be \(Self.paddingToken) and \(Self.unknownToken)") }
        var ids = [String: Int32](minimumCapacity: tokens.count)
        for (id, token) in tokens.enumerated().dropFirst(2) {
            guard Self.isWellFormed(token) else {
                throw fail("token \(id) \"\(token)\" \(Self.malformedTokenReason)")
            }
            guard ids.updateValue(Int32(id), forKey: token) == nil, token != Self.unknownToken,
                  token != Self.paddingToken
            else {
                throw fail("token \"\(token)\" appears twice")
            }
        }
        var normalized = tokens
        normalized[0] = Self.paddingToken
        self.tokens = normalized
        self.ids = ids
    }

    /// What is wrong with a token that is not ``isWellFormed(_:)``.
    static let malformedTokenReason = "is empty or holds whitespace other than single spaces between words"

    /// Whether `token` is a word or words joined by single spaces (an n-gram): not empty, no
    /// leading, trailing or doubled space, and no whitespace but the space.
    ///
    /// Read by Unicode scalars, as the words were cut: a word may begin with a letter that joins
    /// the space before it into one `Character` (Thai SARA AM in "น ำ", a halfwidth sound mark).
    static func isWellFormed(_ token: String) -> Bool {
        let scalars = token.unicodeScalars
        guard let first = scalars.first, let last = scalars.last, first != " ", last != " " else { return false }
        var previousWasSpace = false
        for scalar in scalars {
            if scalar == " " {
                if previousWasSpace { return false }
                previousWasSpace = true
            } else {
                if scalar.properties.isWhitespace { return false }
                previousWasSpace = false
            }
        }
        return true
    }

    /// The widest word n-gram in the table (1 when every token is a single word).
    public var widestNGram: Int {
        tokens.dropFirst(2).reduce(1) { Swift.max($0, NGrams.width(of: $1)) }
    }

    /// The id of `token`, or ``unknownID``.
    @inline(__always)
    public func id(for token: String) -> Int32 {
        ids[token] ?? Self.unknownID
    }

    /// The ids of `tokens`.
    public func encode(_ tokens: [String]) -> [Int32] {
        tokens.map { id(for: $0) }
    }

    /// The token of `id`, or `<UNK>` for an id outside the table.
    public func token(for id: Int32) -> String {
        id >= 0 && Int(id) < tokens.count ? tokens[Int(id)] : Self.unknownToken
    }

    /// Saves the table as `vocab.txt` (one token per line), atomically.
    ///
    /// - Throws: ``TextDataError/unwritableFile(file:reason:)`` if the file cannot be written.
    public func write(to url: URL) throws {
        let text = tokens.joined(separator: "\n") + "\n"
        try writeDataFile(Data(text.utf8), to: url)
    }

    /// Loads a `vocab.txt` written by ``write(to:)``.
    ///
    /// - Throws: ``TextDataError/unreadableFile(file:reason:)`` if it cannot be read, and
    ///   ``TextDataError/invalidVocabularyFile(file:line:reason:)`` naming the line that breaks the
    ///   layout.
    public init(contentsOf url: URL) throws {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw TextDataError.unreadableFile(file: url.path, reason: error.localizedDescription)
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw TextDataError.invalidVocabularyFile(file: url.path, line: 1, reason: "the file is not UTF-8")
        }
        // Lines may end in LF or CRLF.
        var lines = text.split(omittingEmptySubsequences: false) { $0 == "\n" || $0 == "\r\n" }.map(String.init)
        if lines.last == "" { lines.removeLast() }
        func fail(_ line: Int, _ reason: String) -> TextDataError {
            .invalidVocabularyFile(file: url.path, line: line, reason: reason)
        }
        guard lines.count >= 2 else { throw fail(lines.count + 1, "expected \(Self.paddingToken) and \(Self.unknownToken) on lines 1 and 2") }
        guard lines[0] == Self.paddingToken || lines[0].isEmpty else {
            throw fail(1, "expected \(Self.paddingToken) or an empty line for id 0, got \"\(lines[0])\"")
        }
        guard lines[1] == Self.unknownToken else {
            throw fail(2, "expected \(Self.unknownToken) for id 1, got \"\(lines[1])\"")
        }
        var seen = Set<String>()
        for (index, token) in lines.enumerated().dropFirst(2) {
            guard Self.isWellFormed(token) else {
                throw fail(index + 1, "token \"\(token)\" \(Self.malformedTokenReason)")
            }
            guard seen.insert(token).inserted, token != Self.unknownToken, token != Self.paddingToken else {
                throw fail(index + 1, "token \"\(token)\" appears twice")
            }
        }
        try self.init(tokens: lines)
    }
}
