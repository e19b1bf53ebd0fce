import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One HTTP/1.1 exchange over a plain loopback socket, so tests can send exactly the bytes they
/// mean (a wrong content type, invalid UTF-8, an oversized body) and read exactly what came back.
struct HTTPReply {
    let status: Int
    /// Header names in lower case.
    let headers: [String: String]
    let body: [UInt8]

    var text: String { String(decoding: body, as: UTF8.self) }

    /// The body parsed as a JSON object.
    func object() throws -> [String: Any] {
        guard let object = try JSONSerialization.jsonObject(with: Data(body)) as? [String: Any] else {
            throw HTTPTestClientError("the body is not a JSON object: \(text)")
        }
        return object
    }

    /// The `error` message of a JSON error body.
    func errorMessage() throws -> String {
        guard let message = try object()["error"] as? String else {
            throw HTTPTestClientError("no \"error\" string in \(text)")
        }
        return message
    }
}

/// The system calls, under names the client's own methods do not shadow.
private func systemConnect(_ fd: Int32, _ address: UnsafePointer<sockaddr>, _ length: socklen_t) -> Int32 {
    connect(fd, address, length)
}

private func systemSend(_ fd: Int32, _ bytes: UnsafeRawPointer?, _ count: Int) -> Int {
    #if canImport(Glibc)
    send(fd, bytes, count, Int32(MSG_NOSIGNAL))
    #else
    send(fd, bytes, count, 0)
    #endif
}

struct HTTPTestClientError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

enum HTTPTestClient {
    /// Sends one request with `Connection: close` and reads the whole reply.
    static func send(port: Int, _ method: String, _ path: String, body: [UInt8]? = nil,
                     contentType: String? = "application/json", extraHeaders: [String] = [],
                     timeout: Int = 60) throws -> HTTPReply {
        let socket = try connect(port: port, timeout: timeout)
        defer { close(socket) }
        var head = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\n"
        if let body {
            if let contentType { head += "Content-Type: \(contentType)\r\n" }
            head += "Content-Length: \(body.count)\r\n"
        }
        for header in extraHeaders { head += header + "\r\n" }
        head += "\r\n"
        try write(socket, Array(head.utf8) + (body ?? []))
        return try parse(readAll(socket))
    }

    /// POSTs a JSON text.
    static func post(port: Int, _ path: String, json: String) throws -> HTTPReply {
        try send(port: port, "POST", path, body: Array(json.utf8))
    }

    static func get(port: Int, _ path: String) throws -> HTTPReply {
        try send(port: port, "GET", path)
    }

    /// A connected TCP socket to 127.0.0.1:`port` with send and receive timeouts.
    static func connect(port: Int, timeout: Int = 60) throws -> Int32 {
        #if canImport(Glibc)
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
        let fd = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        guard fd >= 0 else { throw HTTPTestClientError("socket: \(String(cString: strerror(errno)))") }
        var limit = timeval(tv_sec: timeout, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                systemConnect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard result == 0 else {
            let message = String(cString: strerror(errno))
            close(fd)
            throw HTTPTestClientError("connect to port \(port): \(message)")
        }
        return fd
    }

    static func write(_ fd: Int32, _ bytes: [UInt8]) throws {
        var sent = 0
        while sent < bytes.count {
            let n = bytes[sent...].withUnsafeBytes { systemSend(fd, $0.baseAddress, $0.count) }
            guard n > 0 else { throw HTTPTestClientError("send: \(String(cString: strerror(errno)))") }
            sent += n
        }
    }

    /// Everything the server sends until it closes the connection.
    static func readAll(_ fd: Int32) throws -> [UInt8] {
        var data: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n == 0 { return data }
            guard n > 0 else {
                // A server that answers before reading the whole body may reset the connection
                // after its reply; keep what arrived.
                if errno == ECONNRESET, !data.isEmpty { return data }
                throw HTTPTestClientError("recv: \(String(cString: strerror(errno)))")
            }
            data.append(contentsOf: chunk[0..<n])
        }
    }

    /// Status line, headers and body (by Content-Length, chunked, or to the end).
    static func parse(_ data: [UInt8]) throws -> HTTPReply {
        let separator: [UInt8] = [13, 10, 13, 10]
        guard let end = (0...max(0, data.count - 4)).first(where: { Array(data[$0..<min($0 + 4, data.count)]) == separator })
        else { throw HTTPTestClientError("no complete reply head in \(data.count) bytes") }
        let lines = String(decoding: data[0..<end], as: UTF8.self).components(separatedBy: "\r\n")
        let statusParts = lines[0].split(separator: " ")
        guard statusParts.count >= 2, let status = Int(statusParts[1]) else {
            throw HTTPTestClientError("bad status line \(lines[0])")
        }
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        var body = Array(data[(end + 4)...])
        if let length = headers["content-length"].flatMap(Int.init) {
            body = Array(body.prefix(length))
        } else if headers["transfer-encoding"]?.lowercased() == "chunked" {
            body = try dechunk(body)
        }
        return HTTPReply(status: status, headers: headers, body: body)
    }

    private static func dechunk(_ data: [UInt8]) throws -> [UInt8] {
        var out: [UInt8] = []
        var i = 0
        while i < data.count {
            guard let lineEnd = (i..<(data.count - 1)).first(where: { data[$0] == 13 && data[$0 + 1] == 10 }),
                  let size = Int(String(decoding: data[i..<lineEnd], as: UTF8.self).split(separator: ";")[0], radix: 16)
            else { throw HTTPTestClientError("bad chunk header") }
            if size == 0 { break }
            out.append(contentsOf: data[(lineEnd + 2)..<(lineEnd + 2 + size)])
            i = lineEnd + 2 + size + 2
        }
        return out
    }
}
