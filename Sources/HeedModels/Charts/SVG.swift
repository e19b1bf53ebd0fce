/// A tiny SVG writer: elements appended as text, with XML escaping and fixed-precision numbers.
struct SVG {
    let width: Double, height: Double
    private(set) var body: [String] = []

    init(width: Double, height: Double) {
        self.width = width
        self.height = height
    }

    /// `&`, `<`, `>`, `"` and `'` escaped for text and attribute values.
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.count)
        for c in text {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            // XML 1.0 allows no other control character, even escaped.
            case _ where c.unicodeScalars.contains { $0.value < 0x20 && $0 != "\t" && $0 != "\n" && $0 != "\r" }: out += "\u{FFFD}"
            default: out.append(c)
            }
        }
        return out
    }

    /// A number with at most two decimals, as SVG coordinates need no more.
    static func num(_ x: Double) -> String {
        guard x.isFinite else { return "0" }
        let r = (x * 100).rounded() / 100
        return r == r.rounded() ? String(Int(r)) : String(r)
    }

    mutating func line(_ x1: Double, _ y1: Double, _ x2: Double, _ y2: Double,
                       stroke: String = "#333", width: Double = 1, dash: String? = nil) {
        let d = dash.map { " stroke-dasharray=\"\($0)\"" } ?? ""
        body.append("<line x1=\"\(Self.num(x1))\" y1=\"\(Self.num(y1))\" x2=\"\(Self.num(x2))\" y2=\"\(Self.num(y2))\" stroke=\"\(stroke)\" stroke-width=\"\(Self.num(width))\"\(d)/>")
    }

    mutating func rect(_ x: Double, _ y: Double, _ w: Double, _ h: Double, fill: String, title: String? = nil) {
        let t = title.map { "<title>\(Self.escape($0))</title>" } ?? ""
        body.append("<rect x=\"\(Self.num(x))\" y=\"\(Self.num(y))\" width=\"\(Self.num(max(w, 0)))\" height=\"\(Self.num(max(h, 0)))\" fill=\"\(fill)\">\(t)</rect>")
    }

    mutating func polyline(_ points: [(Double, Double)], stroke: String, width: Double = 2, dash: String? = nil) {
        guard !points.isEmpty else { return }
        let p = points.map { "\(Self.num($0.0)),\(Self.num($0.1))" }.joined(separator: " ")
        let d = dash.map { " stroke-dasharray=\"\($0)\"" } ?? ""
        body.append("<polyline points=\"\(p)\" fill=\"none\" stroke=\"\(stroke)\" stroke-width=\"\(Self.num(width))\"\(d)/>")
    }

    mutating func circle(_ x: Double, _ y: Double, r: Double, fill: String) {
        body.append("<circle cx=\"\(Self.num(x))\" cy=\"\(Self.num(y))\" r=\"\(Self.num(r))\" fill=\"\(fill)\"/>")
    }

    enum Anchor: String { case start, middle, end }

    mutating func text(_ x: Double, _ y: Double, _ s: String, size: Double = 12, anchor: Anchor = .start,
                       weight: String = "normal", rotate: Double? = nil, fill: String = "#222") {
        let r = rotate.map { " transform=\"rotate(\(Self.num($0)) \(Self.num(x)) \(Self.num(y)))\"" } ?? ""
        body.append("<text x=\"\(Self.num(x))\" y=\"\(Self.num(y))\" font-size=\"\(Self.num(size))\" text-anchor=\"\(anchor.rawValue)\" font-weight=\"\(weight)\" fill=\"\(fill)\"\(r)>\(Self.escape(s))</text>")
    }

    /// The finished document.
    var document: String {
        """
        <?xml version="1.0" encoding="UTF-8"?>
        <svg xmlns="http://www.w3.org/2000/svg" width="\(Self.num(width))" height="\(Self.num(height))" viewBox="0 0 \(Self.num(width)) \(Self.num(height))" font-family="Helvetica, Arial, sans-serif">
        <rect x="0" y="0" width="\(Self.num(width))" height="\(Self.num(height))" fill="white"/>
        \(body.joined(separator: "\n"))
        </svg>

        """
    }
}

/// Tick positions at "nice" steps (1, 2 or 5 × 10ᵏ) covering a range.
enum NiceTicks {
    static func step(for span: Double, count: Int) -> Double {
        guard span > 0, span.isFinite else { return 1 }
        let raw = span / Double(max(count, 1))
        let magnitude = pow10(floorLog10(raw))
        let fraction = raw / magnitude
        let nice: Double = fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10
        return nice * magnitude
    }

    /// The extended range `[lo, hi]` rounded out to whole steps, and the ticks inside it.
    static func ticks(low: Double, high: Double, count: Int = 5) -> (low: Double, high: Double, ticks: [Double]) {
        var lo = low, hi = high
        if !(lo.isFinite && hi.isFinite) { lo = 0; hi = 1 }
        if !(hi - lo).isFinite { lo = Swift.max(lo, -1e307); hi = Swift.min(hi, 1e307) }  // a span past Double's range
        if hi <= lo { hi = lo + (lo == 0 ? 1 : Swift.abs(lo) * 0.1) }
        let s = step(for: hi - lo, count: count)
        let start = (lo / s).rounded(.down) * s
        let end = (hi / s).rounded(.up) * s
        var ticks: [Double] = []
        var t = start
        while t <= end + s * 1e-9, ticks.count < 100 {  // a step below the values' precision adds nothing
            ticks.append(Swift.abs(t) < s * 1e-9 ? 0 : t)
            t += s
        }
        return (start, end, ticks)
    }

    static func floorLog10(_ x: Double) -> Int {
        guard x > 0, x.isFinite else { return 0 }
        var e = 0
        var v = x
        while v >= 10 { v /= 10; e += 1 }
        while v < 1 { v *= 10; e -= 1 }
        return e
    }

    static func pow10(_ e: Int) -> Double {
        var r = 1.0
        if e >= 0 { for _ in 0..<e { r *= 10 } } else { for _ in 0..<(-e) { r /= 10 } }
        return r
    }

    /// A tick label without trailing noise (`0.30000000000000004` → `0.3`); `%g` for values
    /// past 15 significant digits, and `nan` or `inf` for those.
    static func label(_ x: Double, step: Double) -> String {
        let decimals = step > 0 && step.isFinite ? max(0, -floorLog10(step)) : 0
        guard x.isFinite, Swift.abs(x) * pow10(decimals) < 1e15 else { return String(format: "%g", x) }
        if decimals == 0 { return String(Int(x.rounded())) }
        var scaled = (x * pow10(decimals)).rounded()
        let negative = scaled < 0
        scaled = Swift.abs(scaled)
        let whole = Int(scaled) / Int(pow10(decimals))
        var frac = String(Int(scaled) % Int(pow10(decimals)))
        while frac.count < decimals { frac = "0" + frac }
        return (negative ? "-" : "") + "\(whole).\(frac)"
    }
}

/// Colours for series, distinguishable in print and for common colour blindness.
let chartPalette = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b"]
