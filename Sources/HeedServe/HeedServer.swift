import Foundation
import HeedModels
import Hummingbird
import Logging
import ServiceLifecycle

/// Serves trained model folders over HTTP: TF Serving / KServe V1 (`POST /v1/models/{name}:predict`)
/// and KServe V2 (`POST /v2/models/{name}/infer`), with health, metadata and Prometheus metrics.
///
/// Concurrent requests for one model are batched into one forward pass (``ServeSettings/maxBatch``,
/// ``ServeSettings/batchDelay``). On SIGTERM or SIGINT (or ``shutdown()``) the server stops
/// accepting connections, answers every request it has accepted, and ``run(handlesSignals:onListening:)``
/// returns.
public final class HeedServer: Sendable {
    /// The served models by name, and their names in the order given.
    let models: [String: ServedModel]
    let modelNames: [String]
    let settings: ServeSettings
    let metrics = ServerMetrics()
    let logger: Logger
    private let group = LockedBox<ServiceGroup?>(nil)

    /// Loads every model folder. A name defaults to its folder's last component.
    ///
    /// - Throws: ``ServeSettingsError`` for an invalid setting, a bad or repeated name; what
    ///   ``ModelFolder/load(_:)`` throws for a folder that does not load.
    public init(models: [(name: String?, folder: String)], settings: ServeSettings, logger: Logger) throws {
        try settings.validate()
        guard !models.isEmpty else { throw ServeSettingsError("give at least one --model DIR or --model NAME=DIR") }
        var loaded: [String: ServedModel] = [:]
        var names: [String] = []
        let metrics = self.metrics
        do {
            for (given, folder) in models {
                let name = given ?? URL(fileURLWithPath: folder).standardizedFileURL.lastPathComponent
                guard !name.isEmpty, name.unicodeScalars.allSatisfy(Self.nameCharacters.contains) else {
                    throw ServeSettingsError(
                        "model name \"\(name)\" (from \(folder)) may hold only ASCII letters, digits, '.', '_' and '-'; "
                            + "name it with --model NAME=\(folder)")
                }
                guard loaded[name] == nil else {
                    throw ServeSettingsError("two models are named \"\(name)\"; name one with --model NAME=DIR")
                }
                let ready = try ModelFolder.load(URL(fileURLWithPath: folder))
                loaded[name] = ServedModel(name: name, folder: folder, ready: ready, settings: settings, metrics: metrics)
                names.append(name)
            }
        } catch {
            for model in loaded.values { model.batcher.stop() }  // their threads end with the server that failed
            throw error
        }
        self.models = loaded
        self.modelNames = names
        self.settings = settings
        self.logger = logger
    }

    /// A name stands in URL paths as it is: ASCII only, as paths are not percent-decoded.
    private static let nameCharacters = CharacterSet(
        charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-")

    /// Runs until shut down: listens, calls `onListening` with the host and the bound port once
    /// requests are accepted, and after a graceful shutdown answers every accepted request.
    /// With `handlesSignals`, SIGTERM and SIGINT start the graceful shutdown.
    ///
    /// - Throws: binding errors (address in use, bad host).
    public func run(handlesSignals: Bool = true,
                    onListening: @escaping @Sendable (String, Int) async -> Void) async throws {
        let host = settings.host, port = settings.port
        let app = Application(
            responder: ServeResponder(server: self),
            server: .http1(configuration: .init(idleTimeout: .milliseconds(Int64((settings.idleTimeout * 1000).rounded())))),
            configuration: .init(address: .hostname(host, port: port), serverName: "heed"),
            onServerRunning: { channel in await onListening(host, channel.localAddress?.port ?? port) },
            logger: logger)
        let serviceGroup = ServiceGroup(configuration: .init(
            services: [app], gracefulShutdownSignals: handlesSignals ? [.sigterm, .sigint] : [], logger: logger))
        group.value = serviceGroup
        defer { stopBatchers() }
        try await serviceGroup.run()
    }

    /// Starts a graceful shutdown: no new connections; accepted requests are answered.
    public func shutdown() async {
        await group.value?.triggerGracefulShutdown()
    }

    /// Refuses new work on every batcher and answers what is queued.
    private func stopBatchers() {
        for model in models.values { model.batcher.stop() }
    }
}

/// A value behind a lock.
final class LockedBox<Value: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: Value

    init(_ value: Value) { stored = value }

    var value: Value {
        get { lock.withLock { stored } }
        set { lock.withLock { stored = newValue } }
    }
}
