import Foundation
import XCTest
@testable import HeedText

/// A fresh folder under the system temporary directory, removed when the test ends.
final class TemporaryDirectory {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory
            .appendingPathComponent("heedtext-tests-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit {
        try? FileManager.default.removeItem(at: url)
    }

    /// Writes `bytes` to `name` in the folder and returns its URL.
    func file(_ name: String, bytes: [UInt8]) throws -> URL {
        let file = url.appendingPathComponent(name)
        try Data(bytes).write(to: file)
        return file
    }

    /// Writes the UTF-8 of `text` to `name` in the folder and returns its URL.
    func file(_ name: String, _ text: String) throws -> URL {
        try file(name, bytes: Array(text.utf8))
    }
}

/// The package root, found from this source file's path.
func packageRoot() -> URL {
    URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // HeedTextTests
        .deletingLastPathComponent()  // Tests
        .deletingLastPathComponent()
}

/// Asserts that `body` throws exactly `expected`, and that its message reads `message`.
func assertThrows<T>(
    _ expected: TextDataError, message: String, file: StaticString = #filePath, line: UInt = #line,
    _ body: () throws -> T
) {
    do {
        _ = try body()
        XCTFail("expected the error: \(message)", file: file, line: line)
    } catch {
        XCTAssertEqual(error as? TextDataError, expected, file: file, line: line)
        XCTAssertEqual("\(error)", message, file: file, line: line)
    }
}
