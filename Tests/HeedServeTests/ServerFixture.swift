import Foundation
import Heed
import HeedModels
@testable import HeedServe
import HeedText
import Logging
import XCTest

/// Model folders written for the server tests, and a server on an ephemeral loopback port.
enum ServeFixtures {
    static let words = ["good", "bad", "film", "plot", "great", "awful", "acting", "story", "boring", "moving",
                        "wonderful", "dull", "music", "ending", "cast", "slow"]

    /// A fresh text (or pair) model with seeded weights, written as a model folder under `root`.
    ///
    /// `maxLength` is longer than most test texts, so rows carry padding: a prediction that
    /// depended on its batch's other rows would show.
    @discardableResult
    static func writeModel(_ kind: ModelKind, named name: String, under root: URL, maxLength: Int = 12) throws -> URL {
        let vocabulary = try Vocabulary(tokens: ["<PAD>", "<UNK>"] + words)
        let labels = try LabelEncoder(classes: ["negative", "neutral", "positive"])
        var config = ModelConfig(kind: kind, vocabSize: vocabulary.count, maxLength: maxLength, embedDim: 8,
                                 classes: labels.classes, textColumns: kind == .pair ? ["a", "b"] : ["text"],
                                 labelColumn: "label", format: "csv")
        config.filters = 5
        config.ffDim = 12
        config.keyDim = 4
        config.maskZero = true
        let model = try ReadyModel(config: config, vocabulary: vocabulary, labels: labels)
        let folder = root.appendingPathComponent(name)
        try ModelFolder.writeDescription(of: model, to: folder)
        try ModelFolder.writeEpoch(of: model, history: History(), completedEpochs: 1, to: folder)
        return folder
    }

    /// The `i`-th of many different texts of 1 to 9 words.
    static func text(_ i: Int) -> String {
        (0...(i % 9)).map { words[(i * 7 + $0 * 3) % words.count] }.joined(separator: " ")
    }

    /// A logger that writes nothing.
    static let quietLogger = Logger(label: "heed.serve.test") { _ in SwiftLogNoOpLogHandler() }
}

/// A server running in this process until ``stop()``.
final class RunningServer: @unchecked Sendable {
    let server: HeedServer
    let port: Int
    private let task: Task<Void, any Error>

    /// Starts `server` on an ephemeral port and waits until it listens.
    init(_ server: HeedServer) throws {
        self.server = server
        let bound = LockedBox<Int?>(nil)
        task = Task { try await server.run(handlesSignals: false) { _, port in bound.value = port } }
        let deadline = Date().addingTimeInterval(30)
        while bound.value == nil && Date() < deadline { usleep(2000) }
        guard let port = bound.value else { throw HTTPTestClientError("the server did not start listening within 30 s") }
        self.port = port
    }

    /// Starts a server for `models` with `settings` on an ephemeral port.
    convenience init(models: [(name: String?, folder: String)], settings: ServeSettings = ServeSettings()) throws {
        var settings = settings
        settings.port = 0
        try self.init(HeedServer(models: models, settings: settings, logger: ServeFixtures.quietLogger))
    }

    /// Shuts the server down gracefully and waits until `run` has returned.
    func stop() throws {
        let done = LockedBox<Result<Void, any Error>?>(nil)
        let server = self.server, task = self.task
        Task {
            await server.shutdown()
            do {
                try await task.value
                done.value = .success(())
            } catch {
                done.value = .failure(error)
            }
        }
        let deadline = Date().addingTimeInterval(60)
        while done.value == nil && Date() < deadline { usleep(2000) }
        guard let result = done.value else { throw HTTPTestClientError("the server did not stop within 60 s") }
        try result.get()
    }

    /// The count of forward passes `model` has run, read from `/metrics`.
    func forwardPasses(model: String) throws -> Int {
        Int(try metric("heed_batch_texts_count{model=\"\(model)\"}") ?? 0)
    }

    /// The value of the `/metrics` sample `series` (name and labels as exposed), nil when absent.
    func metric(_ series: String) throws -> Double? {
        let metrics = try HTTPTestClient.get(port: port, "/metrics").text
        let prefix = series + " "
        return metrics.split(separator: "\n").first(where: { $0.hasPrefix(prefix) }).flatMap { Double($0.dropFirst(prefix.count)) }
    }
}

/// Runs `body(i)` for `0..<count` on `count` threads at once and returns the results in order.
func onThreads<T>(_ count: Int, _ body: @escaping @Sendable (Int) throws -> T) -> [Result<T, any Error>] {
    let results = ThreadResults<T>()
    let group = DispatchGroup()
    for i in 0..<count {
        group.enter()
        let thread = Thread {
            let result = Result { try body(i) }
            results.lock.withLock { results.byIndex[i] = result }
            group.leave()
        }
        thread.stackSize = 1 << 20
        thread.start()
    }
    group.wait()
    return results.lock.withLock { (0..<count).map { results.byIndex[$0]! } }
}

/// Results written by several threads, under a lock.
final class ThreadResults<T>: @unchecked Sendable {
    let lock = NSLock()
    var byIndex: [Int: Result<T, any Error>] = [:]
}
