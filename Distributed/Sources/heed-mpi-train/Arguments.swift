import Foundation

/// A command followed by `--name value` options.
struct Arguments {
    let command: String
    private var options: [String: String] = [:]

    init<C: Collection>(_ words: C) where C.Element == String {
        command = words.first ?? ""
        var rest = Array(words.dropFirst())[...]
        while let word = rest.popFirst() {
            guard word.hasPrefix("--") else { continue }
            options[String(word.dropFirst(2))] = rest.popFirst() ?? ""
        }
    }

    func string(_ name: String, default value: String) -> String { options[name] ?? value }

    func int(_ name: String, default value: Int) throws -> Int {
        guard let text = options[name] else { return value }
        guard let n = Int(text) else { throw UsageError(message: "--\(name) wants an integer, got '\(text)'") }
        return n
    }
}

/// A command line that does not make sense.
struct UsageError: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}
