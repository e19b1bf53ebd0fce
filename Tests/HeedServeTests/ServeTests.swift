import Foundation
import HeedModels
@testable import HeedServe
import XCTest

/// `heed serve` in this process on an ephemeral loopback port, driven over real sockets.
final class ServeTests: XCTestCase {
    var root: URL!
    var textFolder: URL!
    var pairFolder: URL!

    override func setUpWithError() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("heed-serve-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        textFolder = try ServeFixtures.writeModel(.text, named: "reviews", under: root)
        pairFolder = try ServeFixtures.writeModel(.pair, named: "pairs", under: root)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: root)
    }

    /// The probabilities `heed predict` computes for one example, alone.
    func expected(_ folder: URL, _ texts: [String]) throws -> [Double] {
        let model = try ModelFolder.load(folder)
        return try model.probabilities(model.encode(texts.map { [$0] }))[0]
    }

    func assertClose(_ got: [Double], _ want: [Double], _ message: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(got.count, want.count, message, file: file, line: line)
        for (g, w) in zip(got, want) { XCTAssertEqual(g, w, accuracy: 1e-5, message, file: file, line: line) }
    }

    func jsonString(_ value: Any) throws -> String {
        String(decoding: try JSONSerialization.data(withJSONObject: value), as: UTF8.self)
    }

    // MARK: - Endpoints and conventions

    func testHealthStatusAndMetadataEndpoints() throws {
        let server = try RunningServer(models: [(nil, textFolder.path), ("pairs", pairFolder.path)])
        defer { XCTAssertNoThrow(try server.stop()) }
        let port = server.port

        XCTAssertEqual(try HTTPTestClient.get(port: port, "/v2/health/live").object()["live"] as? Bool, true)
        XCTAssertEqual(try HTTPTestClient.get(port: port, "/v2/health/ready").object()["ready"] as? Bool, true)
        let serverInfo = try HTTPTestClient.get(port: port, "/v2").object()
        XCTAssertEqual(serverInfo["name"] as? String, "heed")
        XCTAssertEqual(serverInfo["models"] as? [String], ["reviews", "pairs"], "a folder's name is its default model name")

        let status = try HTTPTestClient.get(port: port, "/v1/models/reviews")
        XCTAssertEqual(status.status, 200)
        XCTAssertEqual(status.headers["content-type"], "application/json")
        XCTAssertEqual(try status.object()["name"] as? String, "reviews")
        XCTAssertEqual(try status.object()["ready"] as? Bool, true)
        XCTAssertEqual(try HTTPTestClient.get(port: port, "/v2/models/pairs/ready").object()["ready"] as? Bool, true)

        let metadata = try HTTPTestClient.get(port: port, "/v2/models/pairs").object()
        XCTAssertEqual(metadata["name"] as? String, "pairs")
        XCTAssertEqual(metadata["classes"] as? [String], ["negative", "neutral", "positive"])
        let inputs = try XCTUnwrap(metadata["inputs"] as? [[String: Any]])
        XCTAssertEqual(inputs.map { $0["name"] as? String }, ["text", "pair"])
        XCTAssertEqual(inputs.map { $0["datatype"] as? String }, ["BYTES", "BYTES"])
        let outputs = try XCTUnwrap(metadata["outputs"] as? [[String: Any]])
        XCTAssertEqual(outputs.map { $0["name"] as? String }, ["probabilities", "label"])
        XCTAssertEqual(outputs[0]["shape"] as? [Int], [-1, 3])
    }

    func testV1AndV2PredictionsEqualPredictText() throws {
        let server = try RunningServer(models: [("reviews", textFolder.path)])
        defer { XCTAssertNoThrow(try server.stop()) }
        let texts = ["good film", "an awful boring plot, slow ending", "the music! the cast; the story..."]
        let want = try texts.map { try expected(textFolder, [$0]) }

        let v1 = try HTTPTestClient.post(port: server.port, "/v1/models/reviews:predict",
                                         json: try jsonString(["instances": texts]))
        XCTAssertEqual(v1.status, 200, v1.text)
        let predictions = try XCTUnwrap(try v1.object()["predictions"] as? [[String: Any]])
        XCTAssertEqual(predictions.count, texts.count)
        let classes = ["negative", "neutral", "positive"]
        for (i, prediction) in predictions.enumerated() {
            let probabilities = try XCTUnwrap(prediction["probabilities"] as? [String: Double])
            assertClose(classes.map { probabilities[$0] ?? .nan }, want[i], "V1 text \(i)")
            let best = want[i].indices.max { want[i][$0] < want[i][$1] }!
            XCTAssertEqual(prediction["label"] as? String, classes[best])
        }
        // The classes appear in the model's order.
        XCTAssertTrue(v1.text.contains("{\"negative\":"), v1.text)

        let v2Body: [String: Any] = ["id": "request-7", "inputs": [
            ["name": "text", "shape": [texts.count], "datatype": "BYTES", "data": texts],
        ]]
        let v2 = try HTTPTestClient.post(port: server.port, "/v2/models/reviews/infer", json: try jsonString(v2Body))
        XCTAssertEqual(v2.status, 200, v2.text)
        let object = try v2.object()
        XCTAssertEqual(object["model_name"] as? String, "reviews")
        XCTAssertEqual(object["id"] as? String, "request-7")
        let outputs = try XCTUnwrap(object["outputs"] as? [[String: Any]])
        let probabilities = try XCTUnwrap(outputs.first { $0["name"] as? String == "probabilities" })
        XCTAssertEqual(probabilities["datatype"] as? String, "FP32")
        XCTAssertEqual(probabilities["shape"] as? [Int], [3, 3])
        let flat = try XCTUnwrap(probabilities["data"] as? [Double])
        for i in 0..<texts.count { assertClose(Array(flat[(i * 3)..<(i * 3 + 3)]), want[i], "V2 text \(i)") }
        let labels = try XCTUnwrap(outputs.first { $0["name"] as? String == "label" })
        XCTAssertEqual(labels["datatype"] as? String, "BYTES")
        XCTAssertEqual(labels["shape"] as? [Int], [3])
        XCTAssertEqual(labels["data"] as? [String], predictions.map { $0["label"] as! String })

        // V2 data nested by a [N, 1] shape reads the same texts.
        let nested: [String: Any] = ["inputs": [
            ["name": "text", "shape": [texts.count, 1], "datatype": "BYTES", "data": texts.map { [$0] }],
        ]]
        let v2Nested = try HTTPTestClient.post(port: server.port, "/v2/models/reviews/infer", json: try jsonString(nested))
        XCTAssertEqual(v2Nested.status, 200, v2Nested.text)
        let nestedOutputs = try XCTUnwrap(try v2Nested.object()["outputs"] as? [[String: Any]])
        XCTAssertEqual(nestedOutputs[0]["data"] as? [Double], flat)
    }

    func testPairModelTakesTextAndPairInBothConventions() throws {
        let server = try RunningServer(models: [("pairs", pairFolder.path)])
        defer { XCTAssertNoThrow(try server.stop()) }
        let examples = [("good film", "great acting"), ("boring plot", "a wonderful moving story")]
        let want = try examples.map { try expected(pairFolder, [$0.0, $0.1]) }

        let v1 = try HTTPTestClient.post(port: server.port, "/v1/models/pairs:predict", json: try jsonString(
            ["instances": examples.map { ["text": $0.0, "pair": $0.1] }]))
        XCTAssertEqual(v1.status, 200, v1.text)
        let predictions = try XCTUnwrap(try v1.object()["predictions"] as? [[String: Any]])
        let classes = ["negative", "neutral", "positive"]
        for (i, prediction) in predictions.enumerated() {
            let probabilities = try XCTUnwrap(prediction["probabilities"] as? [String: Double])
            assertClose(classes.map { probabilities[$0] ?? .nan }, want[i], "V1 pair \(i)")
        }

        let v2 = try HTTPTestClient.post(port: server.port, "/v2/models/pairs/infer", json: try jsonString(["inputs": [
            ["name": "pair", "shape": [2], "datatype": "BYTES", "data": examples.map(\.1)],
            ["name": "text", "shape": [2], "datatype": "BYTES", "data": examples.map(\.0)],
        ]]))
        XCTAssertEqual(v2.status, 200, v2.text)
        let outputs = try XCTUnwrap(try v2.object()["outputs"] as? [[String: Any]])
        let flat = try XCTUnwrap(outputs[0]["data"] as? [Double])
        for i in 0..<2 { assertClose(Array(flat[(i * 3)..<(i * 3 + 3)]), want[i], "V2 pair \(i)") }

        let missing = try HTTPTestClient.post(port: server.port, "/v1/models/pairs:predict",
                                              json: #"{"instances": [{"text": "good film"}]}"#)
        XCTAssertEqual(missing.status, 400)
        XCTAssertEqual(try missing.errorMessage(), "instances[0] has no \"pair\" field")
    }

    // MARK: - Dynamic batching

    func testSixtyFourConcurrentClientsEachGetTheirOwnPredictions() throws {
        let server = try RunningServer(models: [("reviews", textFolder.path)],
                                       settings: ServeSettings(maxBatch: 16, batchDelay: 0.05))
        defer { XCTAssertNoThrow(try server.stop()) }
        let model = try ModelFolder.load(textFolder)
        let texts = (0..<64).map(ServeFixtures.text)
        let want = try texts.map { try model.probabilities(model.encode([[$0]]))[0] }
        let port = server.port

        let results = onThreads(64) { i -> [Double] in
            let body = i % 2 == 0
                ? #"{"instances": ["\#(texts[i])"]}"#
                : #"{"inputs": [{"name": "text", "shape": [1], "datatype": "BYTES", "data": ["\#(texts[i])"]}]}"#
            let path = i % 2 == 0 ? "/v1/models/reviews:predict" : "/v2/models/reviews/infer"
            let reply = try HTTPTestClient.post(port: port, path, json: body)
            guard reply.status == 200 else { throw HTTPTestClientError("client \(i): \(reply.status) \(reply.text)") }
            let object = try reply.object()
            if i % 2 == 0 {
                let prediction = (object["predictions"] as? [[String: Any]])?.first
                let probabilities = prediction?["probabilities"] as? [String: Double] ?? [:]
                return ["negative", "neutral", "positive"].map { probabilities[$0] ?? .nan }
            }
            return (object["outputs"] as? [[String: Any]])?.first?["data"] as? [Double] ?? []
        }
        for (i, result) in results.enumerated() {
            switch result {
            case let .success(got): assertClose(got, want[i], "client \(i) (\(texts[i]))")
            case let .failure(error): XCTFail("client \(i): \(error)")
            }
        }
        let passes = try server.forwardPasses(model: "reviews")
        XCTAssertGreaterThanOrEqual(passes, 4, "64 texts in passes of at most 16")
        XCTAssertLessThan(passes, 64, "concurrent requests share forward passes")
    }

    func testBatchOrderAndCompanyDoNotChangeAPrediction() throws {
        let server = try RunningServer(models: [("reviews", textFolder.path)], settings: ServeSettings(maxBatch: 8))
        defer { XCTAssertNoThrow(try server.stop()) }
        let target = "a slow story"
        let alone = try expected(textFolder, [target])
        // The same text among 1 to 20 others of every length, first, last and in the middle; 20
        // texts also run in passes of 8.
        for others in [1, 5, 7, 20] {
            var texts = (0..<others).map { ServeFixtures.text($0 + 3) }
            let position = others / 2
            texts.insert(target, at: position)
            let reply = try HTTPTestClient.post(port: server.port, "/v1/models/reviews:predict",
                                                json: try jsonString(["instances": texts]))
            let predictions = try XCTUnwrap(try reply.object()["predictions"] as? [[String: Any]])
            let probabilities = try XCTUnwrap(predictions[position]["probabilities"] as? [String: Double])
            assertClose(["negative", "neutral", "positive"].map { probabilities[$0]! }, alone, "among \(others) others")
        }
        // Requests of 2, 6, 8 and 21 texts: one pass each, the last three of at most 8.
        XCTAssertEqual(try server.forwardPasses(model: "reviews"), 6)
        XCTAssertEqual(try server.metric(#"heed_batch_texts_bucket{model="reviews",le="8.0"}"#), 6, "no pass over --max-batch")
        XCTAssertEqual(try server.metric(#"heed_batch_texts_sum{model="reviews"}"#), 37)
        XCTAssertEqual(try server.metric(#"heed_texts_total{model="reviews"}"#), 37)
    }

    func testALoneRequestDoesNotWaitTheBatchDelay() throws {
        // A delay far longer than a forward pass: a lone request that waited for it would show.
        let server = try RunningServer(models: [("reviews", textFolder.path)],
                                       settings: ServeSettings(maxBatch: 64, batchDelay: 2.0))
        defer { XCTAssertNoThrow(try server.stop()) }
        for _ in 0..<3 {
            let start = Date()
            let reply = try HTTPTestClient.post(port: server.port, "/v1/models/reviews:predict", json: #"{"instances": ["good film", "dull"]}"#)
            XCTAssertEqual(reply.status, 200, reply.text)
            XCTAssertLessThan(Date().timeIntervalSince(start), 1.0, "a lone request does not wait the batch delay")
        }
        XCTAssertEqual(try server.forwardPasses(model: "reviews"), 3)
    }

    // MARK: - Bad requests

    func testEveryBadRequestGetsItsStatusAndANamedError() throws {
        let server = try RunningServer(models: [("reviews", textFolder.path), ("pairs", pairFolder.path)],
                                       settings: ServeSettings(maxBodyBytes: 4096, maxTextsPerRequest: 4, maxQueue: 64))
        defer { XCTAssertNoThrow(try server.stop()) }
        let port = server.port
        let predict = "/v1/models/reviews:predict", infer = "/v2/models/reviews/infer"

        func check(_ reply: HTTPReply, _ status: Int, _ message: String, file: StaticString = #filePath, line: UInt = #line) {
            XCTAssertEqual(reply.status, status, reply.text, file: file, line: line)
            XCTAssertEqual(reply.headers["content-type"], "application/json", file: file, line: line)
            XCTAssertEqual(try reply.errorMessage(), message, file: file, line: line)
        }

        check(try HTTPTestClient.post(port: port, predict, json: #"{"instances": ["good film""#), 400,
              "request body is not valid JSON: expected ',' or ']' in an array at line 1, column 27")
        check(try HTTPTestClient.post(port: port, predict, json: "{\n  \"instances\": [tru]\n}"), 400,
              "request body is not valid JSON: unexpected 't' where a value should start at line 2, column 17")
        check(try HTTPTestClient.post(port: port, predict, json: ""), 400,
              "request body is not valid JSON: the body is empty at line 1, column 1")
        check(try HTTPTestClient.post(port: port, predict, json: String(repeating: "[", count: 1000)), 400,
              "request body is not valid JSON: arrays and objects are nested more than 64 deep at line 1, column 65")
        check(try HTTPTestClient.post(port: port, predict, json: #"["good film"]"#), 400,
              "the body must be a JSON object with \"instances\", got an array")
        check(try HTTPTestClient.post(port: port, predict, json: #"{"texts": ["good film"]}"#), 400,
              "the body has no \"instances\" field (it has \"texts\")")
        check(try HTTPTestClient.post(port: port, predict, json: #"{"instances": "good film"}"#), 400,
              "\"instances\" must be an array, got a string")
        check(try HTTPTestClient.post(port: port, predict, json: #"{"instances": ["good film", 7]}"#), 400,
              "instances[1] must be a string, got a number")
        check(try HTTPTestClient.post(port: port, predict, json: #"{"instances": []}"#), 400,
              "instances is empty: send at least one text")
        check(try HTTPTestClient.post(port: port, predict, json: #"{"instances": ["a", "b", "c", "d", "e"]}"#), 400,
              "instances holds 5 texts, more than the limit of 4 per request (--max-texts-per-request)")
        check(try HTTPTestClient.post(port: port, predict, json: #"{"instances": ["good film", "?! 42"]}"#), 400,
              "instances[1] holds no words after cleaning (only digits, punctuation or symbols); there is nothing to classify")
        check(try HTTPTestClient.send(port: port, "POST", predict, body: Array(#"{"instances": ["good "#.utf8) + [0xC3, 0x28]
                                      + Array(#""]}"#.utf8)), 400,
              "request body is not valid UTF-8 (byte 0xC3 at offset 21)")
        check(try HTTPTestClient.post(port: port, "/v1/models/nothing:predict", json: #"{"instances": ["good"]}"#), 404,
              "model \"nothing\" is not served here (models: \"reviews\", \"pairs\")")
        check(try HTTPTestClient.get(port: port, "/v2/models/nothing"), 404,
              "model \"nothing\" is not served here (models: \"reviews\", \"pairs\")")
        check(try HTTPTestClient.get(port: port, "/v3/anything"), 404, "no such path: GET /v3/anything")
        let wrongMethod = try HTTPTestClient.get(port: port, predict)
        check(wrongMethod, 405, "/v1/models/reviews:predict takes POST, not GET")
        XCTAssertEqual(wrongMethod.headers["allow"], "POST")
        check(try HTTPTestClient.send(port: port, "POST", predict, body: Array("instances=good".utf8),
                                      contentType: "application/x-www-form-urlencoded"), 415,
              "the body must be application/json, got application/x-www-form-urlencoded")
        let big = #"{"instances": [""# + String(repeating: "good ", count: 1000) + #""]}"#
        check(try HTTPTestClient.post(port: port, predict, json: big), 413,
              "the body has \(big.utf8.count) bytes, more than the limit of 4096 (--max-body-bytes)")
        // Without a length up front (chunked), the limit holds while reading.
        let chunked = try sendChunked(port: port, predict, Array(big.utf8))
        check(chunked, 413, "the body is longer than the limit of 4096 bytes (--max-body-bytes)")
        // A malformed chunk size is the client's error: 400, never 500.
        let badChunk = try HTTPTestClient.connect(port: port)
        defer { close(badChunk) }
        try HTTPTestClient.write(badChunk, Array(("POST \(predict) HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                                                 + "Transfer-Encoding: chunked\r\n\r\nzz\r\n").utf8))
        let badChunkReply = try HTTPTestClient.parse(HTTPTestClient.readAll(badChunk))
        XCTAssertEqual(badChunkReply.status, 400, badChunkReply.text)

        check(try HTTPTestClient.post(port: port, infer, json: #"{"inputs": [{"name": "text", "shape": [2], "datatype": "BYTES", "data": ["good"]}]}"#),
              400, "input \"text\" has 1 texts in \"data\" but shape [2]")
        check(try HTTPTestClient.post(port: port, infer, json: #"{"inputs": [{"name": "text", "shape": [1], "datatype": "FP32", "data": [1.5]}]}"#),
              400, "input \"text\" has datatype \"FP32\"; texts are \"BYTES\"")
        check(try HTTPTestClient.post(port: port, infer, json: #"{"inputs": [{"name": "words", "shape": [1], "datatype": "BYTES", "data": ["good"]}]}"#),
              400, "inputs[0]: model \"reviews\" has no input \"words\" (its inputs: \"text\")")
        check(try HTTPTestClient.post(port: port, infer, json: #"{"inputs": [{"name": "text", "shape": [1], "datatype": "BYTES", "data": [true]}]}"#),
              400, "input \"text\": \"data\" must hold strings (BYTES), got a boolean")
        check(try HTTPTestClient.post(port: port, infer, json: #"{"inputs": []}"#),
              400, "the request has no input \"text\" (model \"reviews\" reads \"text\")")
        check(try HTTPTestClient.post(port: port, infer, json: #"{"inputs": [{"name": "text", "shape": [1], "datatype": "BYTES", "data": ["..."]}]}"#),
              400, "input \"text\" [0] holds no words after cleaning (only digits, punctuation or symbols); there is nothing to classify")
        check(try HTTPTestClient.post(port: port, "/v2/models/pairs/infer", json: #"{"inputs": [{"name": "text", "shape": [1], "datatype": "BYTES", "data": ["good"]}]}"#),
              400, "the request has no input \"pair\" (model \"pairs\" reads \"text\" and \"pair\")")

        // After all of that the server still answers, correctly.
        let reply = try HTTPTestClient.post(port: port, predict, json: #"{"instances": ["good film"]}"#)
        XCTAssertEqual(reply.status, 200, reply.text)
        let probabilities = try XCTUnwrap(((try reply.object()["predictions"] as? [[String: Any]])?.first)?["probabilities"] as? [String: Double])
        assertClose(["negative", "neutral", "positive"].map { probabilities[$0]! }, try expected(textFolder, ["good film"]), "after errors")
        let metrics = try HTTPTestClient.get(port: port, "/metrics").text
        XCTAssertTrue(metrics.contains(#"heed_requests_total{route="/v1/models/{name}:predict",status="400"}"#), metrics)
        XCTAssertTrue(metrics.contains(#"heed_requests_total{route="/v1/models/{name}:predict",status="413"}"#), metrics)
        XCTAssertTrue(metrics.contains(#"heed_requests_total{route="other",status="404"} 1"#), metrics)
        XCTAssertFalse(metrics.contains(#"status="500""#), metrics)
    }

    /// A POST whose body is sent in chunks, with no Content-Length.
    func sendChunked(port: Int, _ path: String, _ body: [UInt8]) throws -> HTTPReply {
        let socket = try HTTPTestClient.connect(port: port)
        defer { close(socket) }
        var bytes = Array("POST \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n".utf8)
        for start in stride(from: 0, to: body.count, by: 1000) {
            let chunk = body[start..<min(body.count, start + 1000)]
            bytes += Array("\(String(chunk.count, radix: 16))\r\n".utf8) + chunk + [13, 10]
        }
        bytes += Array("0\r\n\r\n".utf8)
        try HTTPTestClient.write(socket, bytes)
        return try HTTPTestClient.parse(HTTPTestClient.readAll(socket))
    }

    func testAFullQueueRefusesWithRetryAfterAndLosesNothingAccepted() throws {
        // A long batch delay keeps the first request waiting in the queue.
        var settings = ServeSettings(maxBatch: 64, batchDelay: 1.0, maxTextsPerRequest: 3, maxQueue: 4)
        settings.batchesAlwaysWait = true
        let server = try RunningServer(models: [("reviews", textFolder.path)], settings: settings)
        defer { XCTAssertNoThrow(try server.stop()) }
        let port = server.port
        let texts = ["good film", "awful plot", "moving story"]
        let results = onThreads(2) { i -> HTTPReply in
            if i == 1 { usleep(300_000) }  // after the first is queued, well before its batch runs
            return try HTTPTestClient.post(port: port, "/v1/models/reviews:predict",
                                           json: i == 0 ? #"{"instances": ["good film", "awful plot", "moving story"]}"#
                                                        : #"{"instances": ["good film", "dull"]}"#)
        }
        let accepted = try results[0].get(), refused = try results[1].get()
        XCTAssertEqual(refused.status, 503, refused.text)
        XCTAssertEqual(refused.headers["retry-after"], "1")
        XCTAssertEqual(try refused.errorMessage(), "the model's queue is full (3 texts waiting, limit 4); retry later")
        XCTAssertEqual(accepted.status, 200, accepted.text)
        let predictions = try XCTUnwrap(try accepted.object()["predictions"] as? [[String: Any]])
        for (i, prediction) in predictions.enumerated() {
            let probabilities = try XCTUnwrap(prediction["probabilities"] as? [String: Double])
            assertClose(["negative", "neutral", "positive"].map { probabilities[$0]! }, try expected(textFolder, [texts[i]]), "text \(i)")
        }
    }

    // MARK: - Shutdown

    func testGracefulShutdownAnswersEveryRequestInFlight() throws {
        var settings = ServeSettings(maxBatch: 64, batchDelay: 1.5)
        settings.batchesAlwaysWait = true
        let server = try RunningServer(models: [("reviews", textFolder.path)], settings: settings)
        let port = server.port
        let texts = (0..<8).map(ServeFixtures.text)
        let want = try texts.map { try expected(textFolder, [$0]) }
        let stopped = LockedBox<Bool>(false)
        let results = onThreads(9) { i -> [Double] in
            if i == 8 {
                // Shut down while the other eight wait for their batch.
                usleep(500_000)
                try server.stop()
                stopped.value = true
                return []
            }
            let reply = try HTTPTestClient.post(port: port, "/v1/models/reviews:predict", json: #"{"instances": ["\#(texts[i])"]}"#)
            guard reply.status == 200 else { throw HTTPTestClientError("client \(i): \(reply.status) \(reply.text)") }
            let probabilities = ((try reply.object()["predictions"] as? [[String: Any]])?.first)?["probabilities"] as? [String: Double] ?? [:]
            return ["negative", "neutral", "positive"].map { probabilities[$0] ?? .nan }
        }
        for i in 0..<8 {
            switch results[i] {
            case let .success(got): assertClose(got, want[i], "client \(i)")
            case let .failure(error): XCTFail("request \(i) in flight was not answered: \(error)")
            }
        }
        XCTAssertNoThrow(try results[8].get())
        XCTAssertTrue(stopped.value)
        // Once stopped, the port takes no more connections.
        XCTAssertThrowsError(try HTTPTestClient.get(port: port, "/v2/health/live"))
    }

    func testAStalledUploadIsClosedAndDoesNotHoldUpShutdown() throws {
        let server = try RunningServer(models: [("reviews", textFolder.path)], settings: ServeSettings(idleTimeout: 0.5))
        // Headers that promise 100 bytes, then 10 of them, and nothing more.
        let stalled = try HTTPTestClient.connect(port: server.port, timeout: 20)
        defer { close(stalled) }
        try HTTPTestClient.write(stalled, Array(("POST /v1/models/reviews:predict HTTP/1.1\r\nHost: x\r\n"
                                                + "Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"instance").utf8))
        usleep(100_000)
        let start = Date()
        try server.stop()
        XCTAssertLessThan(Date().timeIntervalSince(start), 15, "the idle timeout closes the stalled connection")
        // The connection was closed (with or without a reply), not left open.
        let rest = try HTTPTestClient.readAll(stalled)
        XCTAssertTrue(rest.isEmpty || String(decoding: rest, as: UTF8.self).hasPrefix("HTTP/1.1 400"),
                      String(decoding: rest, as: UTF8.self))
    }

    // MARK: - Settings

    func testModelsAndSettingsAreCheckedBeforeListening() throws {
        func message(_ models: [(name: String?, folder: String)], _ settings: ServeSettings = ServeSettings()) -> String {
            do {
                _ = try HeedServer(models: models, settings: settings, logger: ServeFixtures.quietLogger)
                return "no error"
            } catch {
                return "\(error)"
            }
        }
        XCTAssertEqual(message([(nil, textFolder.path), ("reviews", pairFolder.path)]),
                       "two models are named \"reviews\"; name one with --model NAME=DIR")
        for name in ["a b", "café"] {
            XCTAssertEqual(message([(name, textFolder.path)]),
                           "model name \"\(name)\" (from \(textFolder.path)) may hold only ASCII letters, digits, '.', '_' and '-'; name it with --model NAME=\(textFolder.path)")
        }
        XCTAssertEqual(message([("Reviews-2.v_1", textFolder.path)]), "no error")
        XCTAssertEqual(message([(nil, textFolder.path)], ServeSettings(idleTimeout: 0)),
                       "--idle-timeout must be between 0.001 and 86400 seconds, got 0.0")
        XCTAssertEqual(message([]), "give at least one --model DIR or --model NAME=DIR")
        XCTAssertEqual(message([(nil, textFolder.path)], ServeSettings(maxBatch: 0)), "--max-batch must be at least 1, got 0")
        XCTAssertEqual(message([(nil, textFolder.path)], ServeSettings(maxTextsPerRequest: 100, maxQueue: 10)),
                       "--max-queue (10) must be at least --max-texts-per-request (100), or a full-size request could never be accepted")
        XCTAssertTrue(message([(nil, root.appendingPathComponent("missing").path)]).contains("missing"))
    }
}
