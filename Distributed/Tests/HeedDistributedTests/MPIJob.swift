import Foundation
import XCTest

/// A run of `heed-mpi-train`, under `mpirun` or alone, with its exit status, output and time.
struct MPIJob {
    let status: Int32
    let output: String
    let errorOutput: String
    let seconds: Double
    let timedOut: Bool

    /// Lines `RESULT key=value …` of the output as one dictionary.
    var results: [String: String] {
        var out: [String: String] = [:]
        for line in output.split(separator: "\n") where line.hasPrefix("RESULT ") {
            for pair in line.dropFirst(7).split(separator: " ") {
                let parts = pair.split(separator: "=", maxSplits: 1)
                if parts.count == 2 { out[String(parts[0])] = String(parts[1]) }
            }
        }
        return out
    }

    /// The folder holding the built products (the test bundle's folder).
    static var productsDirectory: URL {
        #if os(macOS)
        for bundle in Bundle.allBundles where bundle.bundlePath.hasSuffix(".xctest") {
            return bundle.bundleURL.deletingLastPathComponent()
        }
        #endif
        return Bundle.main.bundleURL
    }

    /// Runs `heed-mpi-train arguments` on `processes` ranks of `mpirun` (or directly when
    /// `processes` is nil), killing it after `limit` seconds.
    static func run(processes: Int?, _ arguments: [String], limit: Double = 120) throws -> MPIJob {
        let program = productsDirectory.appendingPathComponent("heed-mpi-train").path
        guard FileManager.default.isExecutableFile(atPath: program) else {
            throw XCTSkip("heed-mpi-train is not built at \(program)")
        }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("heed-mpi-job-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let out = folder.appendingPathComponent("stdout"), err = folder.appendingPathComponent("stderr")
        _ = FileManager.default.createFile(atPath: out.path, contents: nil)
        _ = FileManager.default.createFile(atPath: err.path, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        if let processes {
            process.arguments = ["mpirun", "--allow-run-as-root", "--oversubscribe", "-np", String(processes), program] + arguments
        } else {
            process.arguments = [program] + arguments
        }
        // The job must not inherit launcher variables if the tests themselves run under one.
        process.environment = ProcessInfo.processInfo.environment.filter {
            !$0.key.hasPrefix("OMPI_") && !$0.key.hasPrefix("PMIX_") && !$0.key.hasPrefix("PMI_")
        }
        process.standardOutput = try FileHandle(forWritingTo: out)
        process.standardError = try FileHandle(forWritingTo: err)
        let start = Date()
        try process.run()
        var timedOut = false
        while process.isRunning {
            if Date().timeIntervalSince(start) > limit {
                timedOut = true
                process.terminate()
                Thread.sleep(forTimeInterval: 2)
                if process.isRunning { kill(process.processIdentifier, SIGKILL) }
                break
            }
            Thread.sleep(forTimeInterval: 0.05)
        }
        process.waitUntilExit()
        return MPIJob(status: process.terminationStatus,
                      output: (try? String(contentsOf: out, encoding: .utf8)) ?? "",
                      errorOutput: (try? String(contentsOf: err, encoding: .utf8)) ?? "",
                      seconds: Date().timeIntervalSince(start), timedOut: timedOut)
    }
}
