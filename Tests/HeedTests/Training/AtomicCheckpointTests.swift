import Foundation
import XCTest
@testable import Heed

/// A checkpoint written by a process that is killed (SIGKILL) mid-save is never torn: the file
/// under its name always loads completely, as the previous or the new save, and the temporary
/// files a killed save leaves behind never take its name.
final class AtomicCheckpointTests: XCTestCase {
    var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("heed-crash-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: directory) }

    /// `heed-crash-writer`, built beside the test bundle.
    private func writerURL() throws -> URL {
        let bundleFolder = Bundle(for: Self.self).bundleURL.deletingLastPathComponent()
        let candidates = [bundleFolder, URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()]
        for folder in candidates {
            let url = folder.appendingPathComponent("heed-crash-writer")
            if FileManager.default.isExecutableFile(atPath: url.path) { return url }
        }
        throw XCTSkip("heed-crash-writer is not built beside the tests (looked in \(candidates.map(\.path)))")
    }

    /// The epochs the writer has reported as saved so far.
    private final class SavedEpochs: @unchecked Sendable {
        private let lock = NSLock()
        private var text = ""
        func append(_ data: Data) { lock.lock(); text += String(decoding: data, as: UTF8.self); lock.unlock() }
        var last: Int? {
            lock.lock(); defer { lock.unlock() }
            return text.split(separator: "\n").last.flatMap { Int($0) }
        }
        var count: Int { lock.lock(); defer { lock.unlock() }; return text.split(separator: "\n").count }
    }

    private func parameters() -> [(name: String, parameter: Parameter<Float>)] {
        [("dense/kernel", Parameter(path: "kernel", value: .zeros([512, 512]))),
         ("dense_1/kernel", Parameter(path: "kernel", value: .zeros([512, 512])))]
    }

    func testKilledWriterNeverLeavesATornCheckpoint() throws {
        let writer = try writerURL()
        let url = directory.appendingPathComponent("model.safetensors")
        var generator = SeededGenerator(seed: 11)
        var nextEpoch = 0
        var lastLoaded = -1
        var leftoverTemporaries = 0
        for round in 0..<8 {
            let process = Process()
            process.executableURL = writer
            process.arguments = [url.path, String(nextEpoch)]
            let pipe = Pipe()
            let saved = SavedEpochs()
            pipe.fileHandleForReading.readabilityHandler = { saved.append($0.availableData) }
            process.standardOutput = pipe
            try process.run()
            // Wait for a first save of this round, then kill at a random moment among later ones.
            let deadline = Date().addingTimeInterval(60)
            while saved.count == 0 && process.isRunning && Date() < deadline { usleep(1_000) }
            XCTAssertTrue(process.isRunning, "round \(round): the writer exited early")
            usleep(UInt32(5_000 + generator.nextInt(below: 200_000)))
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            pipe.fileHandleForReading.readabilityHandler = nil
            XCTAssertEqual(process.terminationReason, .uncaughtSignal, "round \(round)")

            // The file under the checkpoint's name loads completely and is one save, not a mixture.
            let ps = parameters()
            let info = try Checkpoint.load(into: ps, from: url)
            let epoch = try XCTUnwrap(info.epoch, "round \(round): no epoch in the metadata")
            XCTAssertGreaterThan(epoch, lastLoaded, "round \(round): an older save came back")
            XCTAssertGreaterThanOrEqual(epoch, saved.last ?? 0, "round \(round): a reported save is missing")
            for (name, p) in ps {
                XCTAssertTrue(p.value.scalars.allSatisfy { $0 == Float(epoch) }, "round \(round): \(name) is torn")
            }
            lastLoaded = epoch
            nextEpoch = epoch + 1

            // Whatever a killed save left behind is a hidden temporary, never the checkpoint.
            let names = try FileManager.default.contentsOfDirectory(atPath: directory.path)
            for name in names where name != url.lastPathComponent {
                XCTAssertTrue(name.hasPrefix(".model.safetensors.tmp-"), "round \(round): unexpected file \(name)")
                leftoverTemporaries += 1
                try FileManager.default.removeItem(at: directory.appendingPathComponent(name))
            }
        }
        print("AtomicCheckpointTests: 8 kills, last epoch \(lastLoaded), \(leftoverTemporaries) kills landed mid-save")
    }
}
