import Foundation

/// How `heed serve` listens, batches and limits requests.
public struct ServeSettings: Sendable {
    /// The address to listen on.
    public var host: String
    /// The port; 0 picks a free one (the `listening on` line names it).
    public var port: Int
    /// The most texts in one forward pass.
    public var maxBatch: Int
    /// How long the oldest waiting request may wait for others to join its batch, in seconds.
    public var batchDelay: TimeInterval
    /// The largest request body accepted, in bytes.
    public var maxBodyBytes: Int
    /// The most texts (or pairs) in one request.
    public var maxTextsPerRequest: Int
    /// The most texts waiting per model; a request beyond it gets 503 with `Retry-After`.
    public var maxQueue: Int
    /// How long a connection may send nothing, in seconds, before it is closed: an idle
    /// keep-alive connection, or a request whose body stalls (which would otherwise hold up a
    /// graceful shutdown for ever). A request being answered is never cut.
    public var idleTimeout: TimeInterval
    /// Whether a lone request also waits ``batchDelay`` (by default only requests that arrive
    /// together do); tests use it to hold requests in the queue.
    var batchesAlwaysWait = false

    public init(host: String = "127.0.0.1", port: Int = 8080, maxBatch: Int = 32, batchDelay: TimeInterval = 0.002,
                maxBodyBytes: Int = 1 << 20, maxTextsPerRequest: Int = 256, maxQueue: Int = 4096,
                idleTimeout: TimeInterval = 60) {
        self.host = host
        self.port = port
        self.maxBatch = maxBatch
        self.batchDelay = batchDelay
        self.maxBodyBytes = maxBodyBytes
        self.maxTextsPerRequest = maxTextsPerRequest
        self.maxQueue = maxQueue
        self.idleTimeout = idleTimeout
    }

    /// Checks that every limit is usable.
    ///
    /// - Throws: ``ServeSettingsError`` naming the setting.
    public func validate() throws {
        func positive(_ value: Int, _ name: String) throws {
            if value < 1 { throw ServeSettingsError("\(name) must be at least 1, got \(value)") }
        }
        try positive(maxBatch, "--max-batch")
        try positive(maxBodyBytes, "--max-body-bytes")
        try positive(maxTextsPerRequest, "--max-texts-per-request")
        try positive(maxQueue, "--max-queue")
        if !(batchDelay >= 0 && batchDelay <= 10) {
            throw ServeSettingsError("--batch-delay-ms must be between 0 and 10000, got \(batchDelay * 1000)")
        }
        if !(idleTimeout >= 0.001 && idleTimeout <= 86400) {
            throw ServeSettingsError("--idle-timeout must be between 0.001 and 86400 seconds, got \(idleTimeout)")
        }
        if !(0...65535).contains(port) { throw ServeSettingsError("--port must be between 0 and 65535, got \(port)") }
        if maxQueue < maxTextsPerRequest {
            throw ServeSettingsError(
                "--max-queue (\(maxQueue)) must be at least --max-texts-per-request (\(maxTextsPerRequest)), "
                    + "or a full-size request could never be accepted")
        }
    }
}

/// A setting or model list `heed serve` cannot start with.
public struct ServeSettingsError: Error, CustomStringConvertible, Equatable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
