/// A line chart with axes, ticks, axis labels and a legend, rendered as SVG: loss and accuracy
/// curves, ROC curves.
public struct LineChart: Sendable {
    /// One named line.
    public struct Series: Sendable {
        /// The name shown in the legend.
        public var name: String
        /// The points in drawing order.
        public var points: [(x: Double, y: Double)]
        /// Whether the line is dashed (e.g. validation curves).
        public var dashed: Bool
        /// A named line through `points`.
        public init(name: String, points: [(x: Double, y: Double)], dashed: Bool = false) {
            self.name = name
            self.points = points
            self.dashed = dashed
        }
    }

    /// The title above the chart.
    public var title: String
    /// The label of the horizontal axis.
    public var xLabel: String
    /// The label of the vertical axis.
    public var yLabel: String
    /// The lines, each with its own colour.
    public var series: [Series]
    /// Fixed axis ranges, or `nil` to fit the data.
    public var xRange: ClosedRange<Double>?
    /// A fixed vertical range, or `nil` to fit the data.
    public var yRange: ClosedRange<Double>?
    /// The width of the SVG in pixels.
    public var width: Double = 640
    /// The height of the SVG in pixels.
    public var height: Double = 400

    /// A chart of the given series.
    public init(title: String, xLabel: String, yLabel: String, series: [Series],
                xRange: ClosedRange<Double>? = nil, yRange: ClosedRange<Double>? = nil) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.series = series
        self.xRange = xRange
        self.yRange = yRange
    }

    /// The chart as an SVG document.
    public func svg() -> String {
        let left = 70.0, right = 150.0, top = 40.0, bottom = 55.0
        let plotW = width - left - right, plotH = height - top - bottom
        let xs = series.flatMap { $0.points.map(\.x) }.filter(\.isFinite)
        let ys = series.flatMap { $0.points.map(\.y) }.filter(\.isFinite)
        let xt = NiceTicks.ticks(low: xRange?.lowerBound ?? xs.min() ?? 0, high: xRange?.upperBound ?? xs.max() ?? 1)
        let yt = NiceTicks.ticks(low: yRange?.lowerBound ?? ys.min() ?? 0, high: yRange?.upperBound ?? ys.max() ?? 1)
        func px(_ x: Double) -> Double { left + (x - xt.low) / (xt.high - xt.low) * plotW }
        func py(_ y: Double) -> Double { top + plotH - (y - yt.low) / (yt.high - yt.low) * plotH }

        var s = SVG(width: width, height: height)
        s.text(width / 2 - right / 2 + left / 2, 24, title, size: 16, anchor: .middle, weight: "bold")
        let xStep = xt.ticks.count > 1 ? xt.ticks[1] - xt.ticks[0] : 1
        let yStep = yt.ticks.count > 1 ? yt.ticks[1] - yt.ticks[0] : 1
        for t in yt.ticks {
            s.line(left, py(t), left + plotW, py(t), stroke: "#e5e5e5")
            s.text(left - 8, py(t) + 4, NiceTicks.label(t, step: yStep), size: 11, anchor: .end)
        }
        for t in xt.ticks {
            s.line(px(t), top + plotH, px(t), top + plotH + 5)
            s.text(px(t), top + plotH + 19, NiceTicks.label(t, step: xStep), size: 11, anchor: .middle)
        }
        s.line(left, top, left, top + plotH)
        s.line(left, top + plotH, left + plotW, top + plotH)
        s.text(left + plotW / 2, height - 12, xLabel, size: 13, anchor: .middle)
        s.text(18, top + plotH / 2, yLabel, size: 13, anchor: .middle, rotate: -90)
        for (i, line) in series.enumerated() {
            let colour = chartPalette[i % chartPalette.count]
            let pts = line.points.filter { $0.x.isFinite && $0.y.isFinite }.map { (px($0.x), py($0.y)) }
            s.polyline(pts, stroke: colour, dash: line.dashed ? "6 4" : nil)
            if pts.count <= 60 { for p in pts { s.circle(p.0, p.1, r: 3, fill: colour) } }
            let ly = top + 10 + Double(i) * 20
            s.line(left + plotW + 15, ly, left + plotW + 40, ly, stroke: colour, width: 2, dash: line.dashed ? "6 4" : nil)
            s.text(left + plotW + 46, ly + 4, line.name, size: 12)
        }
        return s.document
    }
}
