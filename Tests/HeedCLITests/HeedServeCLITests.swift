import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import XCTest

/// `heed serve` as a user runs it: a child process that prints its address, answers over HTTP
/// what `heed predict` prints, and exits 0 on SIGTERM.
final class HeedServeCLITests: XCTestCase {
    var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("heed-serve-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try Fixtures.reviewsCSV().write(to: folder.appendingPathComponent("reviews.csv"), atomically: true, encoding: .utf8)
        let trained = try HeedProcess.run(
            ["train", "--data", "reviews.csv", "--text-column", "review", "--label-column", "sentiment", "--epochs", "2",
             "--embed-dim", "6", "--max-len", "12", "--batch-size", "8", "--vocab-size", "30", "--out", "films", "--quiet"],
            in: folder)
        XCTAssertEqual(trained.status, 0, trained.stderr)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: folder)
    }

    /// Sends one request and returns the status and body.
    func request(_ url: URL, method: String = "GET", json: String? = nil) throws -> (Int, String) {
        var request = URLRequest(url: url)
        request.httpMethod = method
        if let json {
            request.httpBody = Data(json.utf8)
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        }
        let done = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var outcome: (Int, String)?
        nonisolated(unsafe) var failure: (any Error)?
        URLSession.shared.dataTask(with: request) { data, response, error in
            if let error { failure = error }
            outcome = ((response as? HTTPURLResponse)?.statusCode ?? 0, String(decoding: data ?? Data(), as: UTF8.self))
            done.signal()
        }.resume()
        guard done.wait(timeout: .now() + 60) == .success else { throw HeedServeCLIError("no answer from \(url) in 60 s") }
        if let failure { throw failure }
        return outcome ?? (0, "")
    }

    func testServeAnswersAsPredictDoesAndStopsCleanlyOnSIGTERM() throws {
        let process = Process()
        process.executableURL = try HeedProcess.binary()
        process.arguments = ["serve", "--model", "films", "--port", "0", "--max-batch", "4"]
        process.currentDirectoryURL = folder
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        defer { if process.isRunning { process.terminate() } }

        // The first line names the address, once the server accepts requests.
        var line = Data()
        while !line.contains(10) {
            let byte = out.fileHandleForReading.readData(ofLength: 1)
            if byte.isEmpty { break }
            line.append(byte)
        }
        let listening = String(decoding: line, as: UTF8.self).trimmingCharacters(in: .newlines)
        XCTAssertTrue(listening.hasPrefix("listening on http://127.0.0.1:"), listening)
        let base = try XCTUnwrap(URL(string: String(listening.dropFirst("listening on ".count))))

        let (status, body) = try request(base.appendingPathComponent("v1/models/films"))
        XCTAssertEqual(status, 200, body)
        XCTAssertEqual(body, #"{"name":"films","ready":true}"#)

        let text = "a wonderful film with great acting"
        let (predictStatus, predictBody) = try request(
            URL(string: "v1/models/films:predict", relativeTo: base)!, method: "POST", json: #"{"instances": ["\#(text)"]}"#)
        XCTAssertEqual(predictStatus, 200, predictBody)
        let object = try JSONSerialization.jsonObject(with: Data(predictBody.utf8)) as? [String: Any]
        let prediction = try XCTUnwrap((object?["predictions"] as? [[String: Any]])?.first, predictBody)
        let served = try XCTUnwrap(prediction["probabilities"] as? [String: Double])

        // `heed predict` prints "label (p)" and then "  class: p" for each class, to 4 decimals.
        let predicted = try HeedProcess.run(["predict", "--model", "films", "--text", text], in: folder)
        XCTAssertEqual(predicted.status, 0, predicted.stderr)
        let lines = predicted.stdout.split(separator: "\n")
        XCTAssertEqual(prediction["label"] as? String, lines.first?.split(separator: " ").first.map(String.init))
        for classLine in lines.dropFirst() {
            let parts = classLine.split(separator: ":").map { $0.trimmingCharacters(in: .whitespaces) }
            XCTAssertEqual(served[parts[0]] ?? .nan, Double(parts[1]) ?? .infinity, accuracy: 0.00005, String(classLine))
        }

        process.interrupt()  // SIGINT; the next test sends SIGTERM
        process.waitUntilExit()
        XCTAssertEqual(process.terminationReason, .exit)
        XCTAssertEqual(process.terminationStatus, 0)
        let log = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        XCTAssertTrue(log.contains("POST /v1/models/films:predict"), log)
        XCTAssertTrue(log.contains("status=200"), log)
    }

    func testSIGTERMEndsServeWithStatusZero() throws {
        let process = Process()
        process.executableURL = try HeedProcess.binary()
        process.arguments = ["serve", "--model", "named=films", "--port", "0"]
        process.currentDirectoryURL = folder
        let out = Pipe()
        process.standardOutput = out
        process.standardError = Pipe()
        try process.run()
        let first = out.fileHandleForReading.readData(ofLength: 12)
        XCTAssertEqual(String(decoding: first, as: UTF8.self), "listening on")
        process.terminate()  // SIGTERM
        process.waitUntilExit()
        XCTAssertEqual(process.terminationReason, .exit)
        XCTAssertEqual(process.terminationStatus, 0)
    }

    func testServeRefusesAMissingFolderWithOneLine() throws {
        let result = try HeedProcess.run(["serve", "--model", "nowhere", "--port", "0"], in: folder)
        XCTAssertEqual(result.status, 1)
        XCTAssertEqual(result.stderr, "heed serve: error: \(folder.appendingPathComponent("nowhere").path): "
                       + "not a model folder (expected a directory with config.json)\n")
    }
}

struct HeedServeCLIError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
