import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import XCTest
import Heed
@testable import HeedModels

final class ChartTests: XCTestCase {
    /// Parses the document as XML and returns the element names seen.
    func elements(of svg: String) throws -> [String] {
        final class Collector: NSObject, XMLParserDelegate {
            var names: [String] = []
            func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?,
                        qualifiedName: String?, attributes: [String: String] = [:]) { names.append(name) }
        }
        let parser = XMLParser(data: Data(svg.utf8))
        let collector = Collector()
        parser.delegate = collector
        XCTAssertTrue(parser.parse(), "not well-formed XML: \(parser.parserError.map { "\($0)" } ?? "")")
        return collector.names
    }

    func testLineChartIsWellFormedWithAxesAndLegend() throws {
        let chart = LineChart(title: "loss <train & val>", xLabel: "epoch", yLabel: "loss", series: [
            .init(name: "train", points: [(1, 0.7), (2, 0.5), (3, 0.4)]),
            .init(name: "validation", points: [(1, 0.72), (2, 0.55), (3, 0.5)], dashed: true),
        ])
        let svg = chart.svg()
        let names = try elements(of: svg)
        XCTAssertEqual(names.first, "svg")
        XCTAssertEqual(names.filter { $0 == "polyline" }.count, 2)
        XCTAssertTrue(svg.contains("loss &lt;train &amp; val&gt;"), "the title is escaped")
        XCTAssertTrue(svg.contains(">validation</text>"), "the legend names each series")
        XCTAssertTrue(svg.contains(">epoch</text>"))
    }

    func testBarChartDrawsOneBarPerWord() throws {
        let svg = BarChart(title: "top words", valueLabel: "count",
                           bars: [("movie", 120), ("film", 100), ("good", 40)]).svg()
        let names = try elements(of: svg)
        XCTAssertEqual(names.filter { $0 == "rect" }.count, 1 + 3, "background plus one bar each")
        XCTAssertTrue(svg.contains(">movie</text>"))
    }

    func testHeatmapHasACellPerPair() throws {
        let svg = Heatmap(title: "attention", rowLabels: ["a", "b"], columnLabels: ["x", "y", "z"],
                          values: [0.1, 0.2, 0.7, 0.5, 0.5, 0]).svg()
        let names = try elements(of: svg)
        XCTAssertEqual(names.filter { $0 == "rect" }.count, 1 + 6 + 10, "background, cells, colour scale")
        XCTAssertEqual(Heatmap.colour(0), "#ffffff")
        XCTAssertEqual(Heatmap.colour(1), "#08306b")
    }

    func testNiceTicksUseOneTwoFiveSteps() {
        let t = NiceTicks.ticks(low: 0.31, high: 0.72, count: 5)
        XCTAssertEqual(t.ticks.map { NiceTicks.label($0, step: 0.1) }, ["0.3", "0.4", "0.5", "0.6", "0.7", "0.8"])
        XCTAssertEqual(NiceTicks.ticks(low: 1, high: 10, count: 5).ticks, [0, 2, 4, 6, 8, 10])
        XCTAssertEqual(NiceTicks.label(-0.25, step: 0.05), "-0.25")
    }

    func testROCPointsAndAreaOnAHandWorkedCase() {
        // scores 0.9(+) 0.8(−) 0.8(+) 0.1(−): pairs ranked right = (0.9>0.8, 0.9>0.1, 0.8>0.1) + tie 1/2 = 3.5 of 4
        let pts = ROCCurve.points(scores: [0.9, 0.8, 0.8, 0.1], labels: [true, false, true, false])
        XCTAssertEqual(pts.map(\.x), [0, 0, 0.5, 1])
        XCTAssertEqual(pts.map(\.y), [0, 0.5, 1, 1])
        XCTAssertEqual(ROCCurve.area(pts), 0.875, accuracy: 1e-12)
        XCTAssertTrue(ROCCurve.points(scores: [0.1], labels: [true]).isEmpty)
    }

    func testROCOfOneClassOrNaNScoresStillDraws() throws {
        // Held-out rows of one class (IMDb's rows 25,001-37,500 are all positive): no curve, no trap.
        let oneClass = ROCCurve.chart(scores: [0.9, 0.2], labels: [true, true]).svg()
        XCTAssertTrue(oneClass.contains("AUC undefined: the rows hold one class"), oneClass)
        XCTAssertTrue(try elements(of: oneClass).contains("polyline"))
        // A model that diverged scores NaN: every score still moves the threshold once.
        let pts = ROCCurve.points(scores: [.nan, 0.7, .nan, 0.2], labels: [true, false, false, true])
        XCTAssertEqual(pts.count, 5)
        XCTAssertEqual(pts.last?.x, 1)
        XCTAssertEqual(pts.last?.y, 1)
        _ = ROCCurve.chart(scores: [.nan, .nan], labels: [true, false]).svg()
    }

    func testControlCharactersInTextStayWellFormedXML() throws {
        let svg = BarChart(title: "class \u{1}a\u{7F}", valueLabel: "weight", bars: [("a\u{0}b", 0.5), ("<c>", 0.25)]).svg()
        XCTAssertFalse(svg.unicodeScalars.contains { $0.value < 0x20 && $0 != "\n" }, svg)
        XCTAssertTrue(try elements(of: svg).contains("text"))
    }

    func testChartsOfExtremeValuesNeitherTrapNorHang() {
        XCTAssertEqual(NiceTicks.label(.nan, step: 0.001), "nan")
        XCTAssertEqual(NiceTicks.label(.infinity, step: 1), "inf")
        XCTAssertEqual(NiceTicks.label(1e19, step: 1e18), "1e+19")
        XCTAssertEqual(NiceTicks.label(123456, step: 1e-12), "123456")
        XCTAssertTrue((2...12).contains(NiceTicks.ticks(low: -1e308, high: 1e308).ticks.count))
        XCTAssertLessThanOrEqual(NiceTicks.ticks(low: 1e20, high: 1e20.nextUp).ticks.count, 100)
        var history = History()
        for loss in [1e19, -1e300, 5e-324] { history.append(epoch: history.epochs.count, logs: ["loss": loss]) }
        XCTAssertEqual(TrainingCharts.curves(history).map(\.file), ["loss.svg"])
    }
}
