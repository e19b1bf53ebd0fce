import HTTPTypes

/// Why a request was refused, with the HTTP status it is answered with. Every error response is
/// the JSON `{"error": message}`.
enum ServeError: Error, Equatable, Sendable {
    /// 400: malformed JSON, wrong field types, empty or unusable inputs.
    case badRequest(String)
    /// 404: an unknown model or path.
    case notFound(String)
    /// 405: a known path with another method; `allow` lists the methods it takes.
    case methodNotAllowed(String, allow: String)
    /// 413: a body over `--max-body-bytes`.
    case tooLarge(String)
    /// 415: a body that is not `application/json`.
    case unsupportedMediaType(String)
    /// 503 with `Retry-After`: the model's queue is full, or the server is stopping. The request
    /// was not accepted.
    case unavailable(String, retryAfterSeconds: Int)
    /// 500: the model failed on accepted input (never expected; logged as an error).
    case internalError(String)

    var status: HTTPResponse.Status {
        switch self {
        case .badRequest: return .badRequest
        case .notFound: return .notFound
        case .methodNotAllowed: return .methodNotAllowed
        case .tooLarge: return .contentTooLarge
        case .unsupportedMediaType: return .unsupportedMediaType
        case .unavailable: return .serviceUnavailable
        case .internalError: return .internalServerError
        }
    }

    var message: String {
        switch self {
        case let .badRequest(m), let .notFound(m), let .methodNotAllowed(m, _), let .tooLarge(m),
             let .unsupportedMediaType(m), let .unavailable(m, _), let .internalError(m):
            return m
        }
    }
}
