import Heed

/// The standard charts of a training run, as SVG documents by file name.
public enum TrainingCharts {
    /// `loss.svg` (training and validation loss per epoch) and `accuracy.svg` (the same for
    /// accuracy), for the keys present in `history`.
    public static func curves(_ history: History) -> [(file: String, svg: String)] {
        let epochs = history.epochs.map { Double($0 + 1) }
        var out: [(file: String, svg: String)] = []
        for (metric, title) in [("loss", "Loss"), ("accuracy", "Accuracy")] {
            var series: [LineChart.Series] = []
            for (key, name, dashed) in [(metric, "train", false), ("val_" + metric, "validation", true)] {
                guard let values = history[key] else { continue }
                series.append(LineChart.Series(name: name, points: zip(epochs, values).map { (x: $0, y: $1) }, dashed: dashed))
            }
            guard !series.isEmpty else { continue }
            let chart = LineChart(title: title + " per epoch", xLabel: "epoch", yLabel: metric, series: series)
            out.append(("\(metric).svg", chart.svg()))
        }
        return out
    }
}
