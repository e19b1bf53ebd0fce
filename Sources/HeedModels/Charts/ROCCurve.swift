/// The receiver operating characteristic of scores against binary labels, and its chart.
public enum ROCCurve {
    /// The ROC points (false-positive rate, true-positive rate) from `(0, 0)` to `(1, 1)`,
    /// lowering the threshold one distinct score at a time (tied scores move together, giving
    /// a diagonal step).
    ///
    /// Returns `[]` when either class is missing. A NaN score (a model that diverged) forms a
    /// group of its own.
    public static func points(scores: [Double], labels: [Bool]) -> [(x: Double, y: Double)] {
        precondition(scores.count == labels.count, "ROCCurve: \(scores.count) scores for \(labels.count) labels")
        let positives = labels.filter { $0 }.count, negatives = labels.count - positives
        guard positives > 0, negatives > 0 else { return [] }
        let order = scores.indices.sorted { scores[$0] > scores[$1] }
        var points: [(x: Double, y: Double)] = [(0, 0)]
        var tp = 0, fp = 0, i = 0
        while i < order.count {
            let s = scores[order[i]]
            repeat {  // at least one score per point: NaN equals nothing, not even itself
                if labels[order[i]] { tp += 1 } else { fp += 1 }
                i += 1
            } while i < order.count && scores[order[i]] == s
            points.append((Double(fp) / Double(negatives), Double(tp) / Double(positives)))
        }
        return points
    }

    /// The area under the trapezoids through ``points(scores:labels:)``: equal to the pairwise
    /// ROC AUC with ties counted as one half.
    public static func area(_ points: [(x: Double, y: Double)]) -> Double {
        var a = 0.0
        for k in 1..<max(points.count, 1) {
            a += (points[k].x - points[k - 1].x) * (points[k].y + points[k - 1].y) / 2
        }
        return a
    }

    /// A chart of the curve with the chance diagonal, titled with the AUC (undefined, and no
    /// curve, when the rows hold one class only).
    public static func chart(scores: [Double], labels: [Bool], title: String = "ROC curve") -> LineChart {
        let pts = points(scores: scores, labels: labels)
        let auc = pts.isEmpty ? "undefined: the rows hold one class" : NiceTicks.label(area(pts), step: 0.001)
        return LineChart(
            title: "\(title) (AUC \(auc))", xLabel: "false positive rate",
            yLabel: "true positive rate",
            series: [.init(name: "model", points: pts), .init(name: "chance", points: [(0, 0), (1, 1)], dashed: true)],
            xRange: 0...1, yRange: 0...1)
    }
}
