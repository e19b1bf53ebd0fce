import Foundation
import XCTest

/// Runs the built `heed` executable as a child process.
enum HeedProcess {
    struct Result {
        let status: Int32
        let stdout: String
        let stderr: String
    }

    /// The `heed` binary beside the test bundle (the build products folder), or `HEED_BINARY`.
    static func binary() throws -> URL {
        if let path = ProcessInfo.processInfo.environment["HEED_BINARY"], !path.isEmpty {
            return URL(fileURLWithPath: path)
        }
        var candidates: [URL] = []
        for bundle in [Bundle.main] + Bundle.allBundles {
            candidates.append(bundle.bundleURL.appendingPathComponent("heed"))
            candidates.append(bundle.bundleURL.deletingLastPathComponent().appendingPathComponent("heed"))
        }
        candidates.append(URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("heed"))
        guard let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0.path) }) else {
            throw XCTSkip("no heed binary found next to the tests (looked in \(candidates.map(\.path)))")
        }
        return found
    }

    /// Runs `heed arguments…` in `directory` and waits for it.
    static func run(_ arguments: [String], in directory: URL) throws -> Result {
        let process = Process()
        process.executableURL = try binary()
        process.arguments = arguments
        process.currentDirectoryURL = directory
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        // Read both pipes to the end before waiting, so a full pipe cannot block the child.
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                      stderr: String(decoding: errData, as: UTF8.self))
    }
}

/// Small data files the tests write themselves.
enum Fixtures {
    /// A CSV of `rows` short reviews with three string labels (good, bad, meh) whose words
    /// tell the label; some texts are quoted and hold commas.
    static func reviewsCSV(rows: Int = 36) -> String {
        let words = [["great", "wonderful", "loved"], ["awful", "boring", "hated"], ["okay", "average", "plain"]]
        let labels = ["good", "bad", "meh"]
        var lines = ["review,sentiment"]
        for i in 0..<rows {
            let k = i % 3
            let text = "the \(words[k][i % 3]) film, \(words[k][(i + 1) % 3]) plot and \(words[k][(i + 2) % 3]) acting"
            lines.append("\"\(text)\",\(labels[k])")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// A TSV of sentence pairs (label 1 when the second sentence repeats the first's words),
    /// with a byte-order mark, CRLF line ends and unescaped quotes, as MSRP.
    static func pairsTSV(rows: Int = 24) -> String {
        let words = ["alpha", "beta", "gamma", "delta", "omega", "sigma", "kappa", "theta"]
        var lines = ["Quality\t#1 String\t#2 String"]
        for i in 0..<rows {
            let a = (0..<5).map { words[(i + $0 * 3) % words.count] }
            let b = i % 2 == 0 ? a.reversed() : (0..<5).map { words[(i * 5 + $0) % words.count] }
            lines.append("\(i % 2 == 0 ? 1 : 0)\t\"\(a.joined(separator: " "))\t\(b.joined(separator: " "))")
        }
        return "\u{FEFF}" + lines.joined(separator: "\r\n") + "\r\n"
    }
}
