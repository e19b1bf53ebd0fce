/// A heatmap rendered as SVG, e.g. attention weights of query tokens (rows) over key tokens
/// (columns), with a colour scale.
public struct Heatmap: Sendable {
    /// The title above the heatmap.
    public var title: String
    /// One label per row, drawn on the left.
    public var rowLabels: [String]
    /// One label per column, drawn on top.
    public var columnLabels: [String]
    /// Row-major values, `rowLabels.count × columnLabels.count`.
    public var values: [Double]
    /// The side of one cell in pixels.
    public var cellSize: Double = 22

    /// A heatmap of `values` with the given labels.
    public init(title: String, rowLabels: [String], columnLabels: [String], values: [Double]) {
        precondition(values.count == rowLabels.count * columnLabels.count,
                     "Heatmap: \(values.count) values for \(rowLabels.count)×\(columnLabels.count) cells")
        self.title = title
        self.rowLabels = rowLabels
        self.columnLabels = columnLabels
        self.values = values
    }

    /// White (low) to dark blue (high).
    static func colour(_ t: Double) -> String {
        let u = min(max(t.isFinite ? t : 0, 0), 1)
        let r = Int(255 - u * (255 - 8)), g = Int(255 - u * (255 - 48)), b = Int(255 - u * (255 - 107))
        func hex(_ v: Int) -> String { let s = String(v, radix: 16); return s.count == 1 ? "0" + s : s }
        return "#\(hex(r))\(hex(g))\(hex(b))"
    }

    /// The heatmap as an SVG document.
    public func svg() -> String {
        let labelW = 10.0 + 7.0 * Double(rowLabels.map(\.count).max() ?? 4)
        let labelH = 10.0 + 7.0 * Double(columnLabels.map(\.count).max() ?? 4)
        let left = max(labelW, 60), top = 40 + labelH
        let width = left + Double(columnLabels.count) * cellSize + 120
        let height = max(top + Double(rowLabels.count) * cellSize + 30, top + 135)
        let finite = values.filter(\.isFinite)
        let lo = finite.min() ?? 0, hi = finite.max() ?? 1
        let span = hi > lo ? hi - lo : 1
        var s = SVG(width: width, height: height)
        s.text(width / 2, 22, title, size: 16, anchor: .middle, weight: "bold")
        for (j, label) in columnLabels.enumerated() {
            let x = left + (Double(j) + 0.6) * cellSize
            s.text(x, top - 6, label, size: 11, anchor: .start, rotate: -60)
        }
        for (i, label) in rowLabels.enumerated() {
            let y = top + Double(i) * cellSize
            s.text(left - 6, y + cellSize * 0.7, label, size: 11, anchor: .end)
            for j in 0..<columnLabels.count {
                let v = values[i * columnLabels.count + j]
                s.rect(left + Double(j) * cellSize, y, cellSize - 1, cellSize - 1, fill: Self.colour((v - lo) / span),
                       title: "\(label) → \(columnLabels[j]): \(v)")
            }
        }
        // colour scale
        let scaleX = left + Double(columnLabels.count) * cellSize + 30
        for k in 0..<10 {
            s.rect(scaleX, top + Double(9 - k) * 12, 16, 12, fill: Self.colour(Double(k) / 9))
        }
        s.text(scaleX + 22, top + 10, NiceTicks.label(hi, step: span / 100), size: 10)
        s.text(scaleX + 22, top + 120, NiceTicks.label(lo, step: span / 100), size: 10)
        return s.document
    }
}
