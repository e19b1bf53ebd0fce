import Foundation
import XCTest
@testable import HeedText

final class LabelEncoderTests: XCTestCase {
    func testTextLabelsAreSortedAlphabetically() throws {
        let encoder = try LabelEncoder(fitting: ["positive", "negative", "positive", "neutral"])
        XCTAssertEqual(encoder.classes, ["negative", "neutral", "positive"])
        XCTAssertEqual(try encoder.encode(["positive", "negative", "neutral"]), [2, 0, 1])
        XCTAssertEqual(encoder.label(for: 1), "neutral")
    }

    func testNumericLabelsAreSortedNumerically() throws {
        let encoder = try LabelEncoder(fitting: ["10", "2", "1", "2", "-3"])
        XCTAssertEqual(encoder.classes, ["-3", "1", "2", "10"])
    }

    func testUnknownLabelErrorListsTheKnownLabels() throws {
        let encoder = try LabelEncoder(fitting: ["positive", "negative"])
        assertThrows(
            .unknownLabel(label: "neutral", known: ["negative", "positive"]),
            message: "unknown label \"neutral\"; the known labels are \"negative\", \"positive\""
        ) { try encoder.encode("neutral") }
    }

    func testOneClassIsAnErrorForTraining() {
        assertThrows(
            .singleClass(labels: ["positive"]),
            message: "the training labels hold only 1 class (\"positive\"); a classifier needs at least two"
        ) { try LabelEncoder(fitting: ["positive", "positive"]) }
    }

    func testLabelsFileRoundTrip() throws {
        let folder = try TemporaryDirectory()
        let url = folder.url.appendingPathComponent("labels.json")
        let encoder = try LabelEncoder(fitting: ["1", "0", "1"])
        try encoder.write(to: url)
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: [String]]
        XCTAssertEqual(json, ["classes": ["0", "1"]])
        XCTAssertEqual(try LabelEncoder(contentsOf: url), encoder)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.url.path), ["labels.json"])
    }

    func testMalformedLabelsFileIsRejected() throws {
        let folder = try TemporaryDirectory()
        let url = try folder.file("labels.json", "[\"a\", \"b\"]")
        assertThrows(
            .invalidLabelsFile(file: url.path, reason: "expected {\"classes\": [\"label\", ...]}"),
            message: "\(url.path): expected {\"classes\": [\"label\", ...]}"
        ) { try LabelEncoder(contentsOf: url) }
    }
}
