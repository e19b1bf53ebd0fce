import ArgumentParser
import Foundation
import Heed
import HeedServe
import Logging

/// `heed serve` (also runnable as `heed-serve`): answers prediction requests over HTTP for
/// trained model folders.
@main
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "heed serve",
        abstract: "Serve trained model folders over HTTP (TF Serving / KServe V1 and KServe V2 requests).",
        discussion: """
            Prints 'listening on http://HOST:PORT' once it accepts requests. Text models:
              curl -H 'Content-Type: application/json' -d '{"instances": ["A moving film."]}' \\
                http://127.0.0.1:8080/v1/models/NAME:predict
            Also POST /v2/models/NAME/infer (KServe V2, a BYTES input "text"), GET /v1/models/NAME,
            GET /v2/models/NAME (metadata), /v2/models/NAME/ready, /v2/health/live, /v2/health/ready
            and /metrics (Prometheus). SIGTERM or SIGINT stops accepting, answers every accepted
            request and exits 0.
            """)

    @Option(name: .customLong("model"), help: ArgumentHelp(
        "A model folder written by 'heed train', as DIR (named after the folder) or NAME=DIR; repeat for more.",
        valueName: "[NAME=]DIR"))
    var models: [String] = []

    @Option(help: "The address to listen on.")
    var host = "127.0.0.1"

    @Option(help: "The port to listen on (0: any free port).")
    var port = 8080

    @Option(help: "The most texts in one forward pass.")
    var maxBatch = 32

    @Option(help: "How long a request may wait for others to share its forward pass, in milliseconds.")
    var batchDelayMs = 2.0

    @Option(help: "The largest request body accepted, in bytes (larger: 413).")
    var maxBodyBytes = 1 << 20

    @Option(help: "The most texts (or pairs) in one request.")
    var maxTextsPerRequest = 256

    @Option(help: "The most texts waiting per model (beyond it: 503 with Retry-After).")
    var maxQueue = 4096

    @Option(help: "Seconds a connection may send nothing before it is closed (an idle keep-alive connection, or a stalled upload).")
    var idleTimeout = 60.0

    @Option(help: "Threads for each forward pass (default: Heed's, one per core).")
    var threads: Int?

    @Option(help: "The lowest log level written to standard error: trace, debug, info, notice, warning, error, critical.")
    var logLevel = "info"

    func validate() throws {
        if models.isEmpty { throw ValidationError("give at least one --model DIR or --model NAME=DIR") }
        if Logger.Level(rawValue: logLevel) == nil { throw ValidationError("--log-level \(logLevel) is not a log level") }
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1, got \(threads)") }
    }

    func run() async throws {
        let level = Logger.Level(rawValue: logLevel) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        if let threads { Heed.threads = threads }
        let settings = ServeSettings(
            host: host, port: port, maxBatch: maxBatch, batchDelay: batchDelayMs / 1000, maxBodyBytes: maxBodyBytes,
            maxTextsPerRequest: maxTextsPerRequest, maxQueue: maxQueue, idleTimeout: idleTimeout)
        let server: HeedServer
        do {
            server = try HeedServer(models: models.map(Self.nameAndFolder), settings: settings,
                                    logger: Logger(label: "heed.serve"))
        } catch {
            Self.fail("\(error)")
        }
        do {
            try await server.run { host, port in
                let address = host.contains(":") ? "[\(host)]" : host  // an IPv6 address takes brackets in a URL
                FileHandle.standardOutput.write(Data("listening on http://\(address):\(port)\n".utf8))
            }
        } catch {
            Self.fail("could not serve on \(host):\(port): \(error)")
        }
    }

    /// `NAME=DIR` → (NAME, DIR); a plain `DIR` (or one whose `=` comes after a `/`) → (nil, DIR).
    static func nameAndFolder(_ argument: String) -> (name: String?, folder: String) {
        guard let equals = argument.firstIndex(of: "="), !argument[..<equals].contains("/") else { return (nil, argument) }
        return (String(argument[..<equals]), String(argument[argument.index(after: equals)...]))
    }

    static func main() async {
        BLASKernelCheck.restartWithBetterKernelIfNeeded()
        Heed.retainFreedMemory()
        do {
            var command = try parseAsRoot()
            if var command = command as? AsyncParsableCommand {
                try await command.run()
            } else {
                try command.run()
            }
        } catch {
            exit(withError: error)
        }
    }

    static func fail(_ message: String) -> Never {
        let line = message.split(separator: "\n").first.map(String.init) ?? "failed"
        FileHandle.standardError.write(Data("heed serve: error: \(line)\n".utf8))
        Foundation.exit(1)
    }
}
