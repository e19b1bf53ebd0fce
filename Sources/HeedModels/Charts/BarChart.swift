/// A horizontal bar chart rendered as SVG, e.g. the most frequent words of a data set.
public struct BarChart: Sendable {
    /// The title above the chart.
    public var title: String
    /// The label of the value axis.
    public var valueLabel: String
    /// (label, value) pairs, drawn top to bottom in this order.
    public var bars: [(label: String, value: Double)]
    /// The width of the SVG in pixels (the height follows from the number of bars).
    public var width: Double = 640

    /// A chart of the given bars.
    public init(title: String, valueLabel: String, bars: [(label: String, value: Double)]) {
        self.title = title
        self.valueLabel = valueLabel
        self.bars = bars
    }

    /// The chart as an SVG document.
    public func svg() -> String {
        let left = 130.0, right = 40.0, top = 45.0, barH = 20.0, gap = 6.0
        let plotW = width - left - right
        let height = top + Double(bars.count) * (barH + gap) + 55
        let maxValue = bars.map(\.value).filter(\.isFinite).max() ?? 1
        let xt = NiceTicks.ticks(low: 0, high: max(maxValue, 1e-12))
        func px(_ v: Double) -> Double { left + v / xt.high * plotW }
        var s = SVG(width: width, height: height)
        s.text(width / 2, 24, title, size: 16, anchor: .middle, weight: "bold")
        let plotBottom = top + Double(bars.count) * (barH + gap)
        let step = xt.ticks.count > 1 ? xt.ticks[1] - xt.ticks[0] : 1
        for t in xt.ticks {
            s.line(px(t), top - 4, px(t), plotBottom, stroke: "#e5e5e5")
            s.text(px(t), plotBottom + 16, NiceTicks.label(t, step: step), size: 11, anchor: .middle)
        }
        for (i, bar) in bars.enumerated() {
            let y = top + Double(i) * (barH + gap)
            s.rect(left, y, px(bar.value) - left, barH, fill: chartPalette[0], title: "\(bar.label): \(bar.value)")
            s.text(left - 8, y + barH * 0.72, bar.label, size: 12, anchor: .end)
        }
        s.line(left, top - 4, left, plotBottom)
        s.line(left, plotBottom, left + plotW, plotBottom)
        s.text(left + plotW / 2, height - 12, valueLabel, size: 13, anchor: .middle)
        return s.document
    }
}
