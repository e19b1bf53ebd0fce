import ArgumentParser
import Foundation

/// `heed serve`: runs the `heed-serve` program built beside `heed` with the same arguments, so
/// that `heed` itself does not carry the HTTP stack (`swift build -c release` builds both).
struct ServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve trained model folders over HTTP (TF Serving / KServe V1 and V2); see 'heed serve --help'.")

    @Argument(parsing: .captureForPassthrough, help: "The options of heed-serve: --model [NAME=]DIR, --port, ...")
    var arguments: [String] = []

    func run() throws {
        let folder = Self.executableFolder()
        let server = folder.appendingPathComponent("heed-serve").path
        guard FileManager.default.isExecutableFile(atPath: server) else {
            throw CLIError("heed serve runs heed-serve, which is not built beside heed in \(folder.path); "
                           + "build it with 'swift build -c release --product heed-serve' (or 'swift build -c release')")
        }
        let argv = ([server] + arguments).map { strdup($0) } + [nil]
        execv(server, argv)
        throw CLIError("could not start \(server): \(String(cString: strerror(errno)))")
    }

    /// The folder of the running executable.
    static func executableFolder() -> URL {
        let link = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
            ?? Bundle.main.executablePath ?? CommandLine.arguments[0]
        return URL(fileURLWithPath: link).deletingLastPathComponent()
    }
}
