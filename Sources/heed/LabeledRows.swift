import Foundation
import HeedText

/// Labelled examples read from a data file, with the line each one starts on, so messages
/// about a row can name it.
struct LabeledRows {
    /// The file as given on the command line.
    let file: String
    /// The texts and labels.
    let texts: LabeledTexts
    /// The line each example starts on (1-based, the header is line 1), `[count]`.
    let lines: [Int]

    var count: Int { texts.count }

    /// The examples at `indices`, in that order.
    func subset(_ indices: [Int]) -> LabeledRows {
        LabeledRows(file: file, texts: texts.subset(indices), lines: indices.map { lines[$0] })
    }

    /// The examples whose every text column holds at least one word after cleaning; the
    /// others are reported on standard error with their lines.
    ///
    /// - Throws: ``CLIError`` when no example is left.
    func droppingTextsWithoutWords(role: String, keepingDigits: Bool) throws -> LabeledRows {
        var kept: [Int] = []
        var empty: [Int] = []
        for row in 0..<count {
            if texts.texts.allSatisfy({ TextCleaner.hasTokens($0[row], keepingDigits: keepingDigits) }) { kept.append(row) } else { empty.append(lines[row]) }
        }
        if empty.isEmpty { return self }
        if kept.isEmpty {
            throw DataFileError("\(file): every \(role) text is empty after cleaning (no letters); "
                                + "check --text-column and the file's encoding")
        }
        printError("heed: warning: \(file): skipping \(empty.count) \(role) row\(empty.count == 1 ? "" : "s") "
                   + "with no words after cleaning (\(lineList(empty)))")
        return subset(kept)
    }

    /// Checks that every label is one of `classes`.
    ///
    /// - Throws: ``DataFileError`` naming the first unknown label and its line.
    func checkLabels(known classes: [String]) throws {
        let known = Set(classes)
        for (row, label) in texts.labels.enumerated() where !known.contains(label) {
            throw DataFileError("\(file): line \(lines[row]): unknown label \"\(label)\"; the model knows "
                                + classes.map { "\"\($0)\"" }.joined(separator: ", "))
        }
    }
}

/// A problem in a data file found by the command line itself (exit status 1, like the
/// reader's own errors).
struct DataFileError: Error, CustomStringConvertible {
    /// What is wrong, where, and what to do.
    let description: String

    init(_ description: String) {
        self.description = description
    }
}

/// "line 3" or "lines 3, 5, …", listing at most five.
func lineList(_ lines: [Int]) -> String {
    "line\(lines.count == 1 ? "" : "s") " + lines.prefix(5).map(String.init).joined(separator: ", ")
        + (lines.count > 5 ? ", …" : "")
}

/// Writes `text` to standard error.
func printError(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}
