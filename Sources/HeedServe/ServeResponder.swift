import Foundation
import HeedModels
import HTTPTypes
import Hummingbird
import Logging
import NIOCore

/// Routes each request, turns every failure into `{"error": ...}` with its status, and records
/// the access log line and the request metrics.
struct ServeResponder: HTTPResponder {
    typealias Context = BasicRequestContext

    let server: HeedServer

    /// A route: its template (the metrics label), the methods it takes, and what it does.
    private enum Route {
        case live, ready, serverMetadata, metrics
        case v1Status(String), v1Predict(String)
        case v2Metadata(String), v2Ready(String), v2Infer(String)

        var template: String {
            switch self {
            case .live: return "/v2/health/live"
            case .ready: return "/v2/health/ready"
            case .serverMetadata: return "/v2"
            case .metrics: return "/metrics"
            case .v1Status: return "/v1/models/{name}"
            case .v1Predict: return "/v1/models/{name}:predict"
            case .v2Metadata: return "/v2/models/{name}"
            case .v2Ready: return "/v2/models/{name}/ready"
            case .v2Infer: return "/v2/models/{name}/infer"
            }
        }

        var method: HTTPRequest.Method {
            switch self {
            case .v1Predict, .v2Infer: return .post
            default: return .get
            }
        }

        init?(path: String) {
            let parts = path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
            switch parts.count {
            case 1 where parts[0] == "metrics": self = .metrics
            case 1 where parts[0] == "v2": self = .serverMetadata
            case 3 where parts[0] == "v2" && parts[1] == "health" && parts[2] == "live": self = .live
            case 3 where parts[0] == "v2" && parts[1] == "health" && parts[2] == "ready": self = .ready
            case 3 where parts[0] == "v1" && parts[1] == "models":
                if parts[2].hasSuffix(":predict") {
                    self = .v1Predict(String(parts[2].dropLast(":predict".count)))
                } else if parts[2].contains(":") {
                    return nil
                } else {
                    self = .v1Status(parts[2])
                }
            case 3 where parts[0] == "v2" && parts[1] == "models": self = .v2Metadata(parts[2])
            case 4 where parts[0] == "v2" && parts[1] == "models" && parts[3] == "ready": self = .v2Ready(parts[2])
            case 4 where parts[0] == "v2" && parts[1] == "models" && parts[3] == "infer": self = .v2Infer(parts[2])
            default: return nil
            }
        }
    }

    func respond(to request: Request, context: Context) async throws -> Response {
        let start = ContinuousClock.now
        let route = Route(path: request.uri.path)
        var texts = 0
        let response: Response
        do {
            guard let route else {
                throw ServeError.notFound("no such path: \(request.method) \(request.uri.path)")
            }
            guard request.method == route.method else {
                throw ServeError.methodNotAllowed(
                    "\(request.uri.path) takes \(route.method), not \(request.method)", allow: route.method.rawValue)
            }
            (response, texts) = try await answer(route, request)
        } catch {
            response = errorResponse(error, request: request)
        }
        let seconds = Double((ContinuousClock.now - start) / .nanoseconds(1)) / 1e9
        let status = response.status.code
        server.metrics.recordRequest(route: route?.template ?? "other", status: status, seconds: seconds)
        var metadata: Logger.Metadata = ["status": "\(status)", "ms": "\(String(format: "%.2f", seconds * 1000))"]
        if texts > 0 { metadata["texts"] = "\(texts)" }
        server.logger.info("\(request.method) \(request.uri.path)", metadata: metadata)
        return response
    }

    /// The answer to a routed request with the right method, and the number of texts classified.
    private func answer(_ route: Route, _ request: Request) async throws -> (Response, Int) {
        switch route {
        case .live:
            return (json(.object([("live", .bool(true))])), 0)
        case .ready:
            return (json(.object([("ready", .bool(true))])), 0)
        case .serverMetadata:
            return (json(.object([
                ("name", .string("heed")), ("version", .string(HeedModelsInfo.version)),
                ("extensions", .array([])),
                ("models", .array(server.modelNames.map(ResponseJSON.string))),
            ])), 0)
        case .metrics:
            var headers = HTTPFields()
            headers[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
            return (Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: server.metrics.exposition()))), 0)
        case let .v1Status(name):
            let model = try model(name)
            return (json(.object([("name", .string(model.name)), ("ready", .bool(true))])), 0)
        case let .v2Metadata(name):
            return (json(Conventions.v2Metadata(try model(name))), 0)
        case let .v2Ready(name):
            let model = try model(name)
            return (json(.object([("name", .string(model.name)), ("ready", .bool(true))])), 0)
        case let .v1Predict(name):
            let model = try model(name)
            let body = try await readJSON(request)
            let columns = try Conventions.v1Texts(body, model: model, maxTexts: server.settings.maxTextsPerRequest)
            let rows = try await model.batcher.submit(model.encode(columns, label: Conventions.v1Label(model: model)))
            return (json(Conventions.v1Response(rows, model: model)), rows.count)
        case let .v2Infer(name):
            let model = try model(name)
            let body = try await readJSON(request)
            let parsed = try Conventions.v2Request(body, model: model, maxTexts: server.settings.maxTextsPerRequest)
            let rows = try await model.batcher.submit(model.encode(parsed.columns, label: Conventions.v2Label(model: model)))
            return (json(Conventions.v2Response(rows, model: model, id: parsed.id)), rows.count)
        }
    }

    private func model(_ name: String) throws -> ServedModel {
        guard let model = server.models[name] else {
            let served = server.modelNames.map { "\"\($0)\"" }.joined(separator: ", ")
            throw ServeError.notFound("model \"\(name)\" is not served here (models: \(served))")
        }
        return model
    }

    /// The body as JSON, after checking its content type and size.
    private func readJSON(_ request: Request) async throws -> JSONValue {
        if let type = request.headers[.contentType] {
            let media = type.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
            guard media == "application/json" else {
                throw ServeError.unsupportedMediaType("the body must be application/json, got \(type)")
            }
        }
        let limit = server.settings.maxBodyBytes
        if let length = request.headers[.contentLength].flatMap(Int.init), length > limit {
            throw ServeError.tooLarge("the body has \(length) bytes, more than the limit of \(limit) (--max-body-bytes)")
        }
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: limit)
        } catch is NIOTooManyBytesError {
            throw ServeError.tooLarge("the body is longer than the limit of \(limit) bytes (--max-body-bytes)")
        } catch {  // malformed framing (a bad chunk size), or the client gone mid-body
            throw ServeError.badRequest("the body could not be read: \(error)")
        }
        return try JSONValue.parse(Array(buffer.readableBytesView))
    }

    private func json(_ value: ResponseJSON, status: HTTPResponse.Status = .ok, headers extra: HTTPFields = [:]) -> Response {
        var headers = extra
        headers[.contentType] = "application/json"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: value.text)))
    }

    private func errorResponse(_ error: any Error, request: Request) -> Response {
        let serveError = error as? ServeError ?? .internalError("\(error)")
        var headers = HTTPFields()
        switch serveError {
        case let .unavailable(_, seconds): headers[.retryAfter] = String(seconds)
        case let .methodNotAllowed(_, allow): headers[.allow] = allow
        default: break
        }
        if case .internalError = serveError {
            server.logger.error("\(request.method) \(request.uri.path): \(serveError.message)")
        } else {
            server.logger.notice("\(request.method) \(request.uri.path): \(serveError.message)")
        }
        return json(.error(serveError.message), status: serveError.status, headers: headers)
    }
}
