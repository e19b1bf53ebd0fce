/// The exact area under the ROC curve.
public enum ROCAUC {
    /// The probability that a random positive scores above a random negative, ties counting ½
    /// (the Mann–Whitney statistic), in O(n log n) by sorting and average ranks.
    ///
    /// Unlike Keras' `AUC` metric, which interpolates over 200 thresholds, this is exact.
    /// Returns `nil` when there are no positives or no negatives (the AUC is undefined).
    /// - Precondition: `scores` and `labels` have the same count.
    public static func compute<S: BinaryFloatingPoint>(scores: [S], labels: [Bool]) -> Double? {
        precondition(scores.count == labels.count, "ROCAUC: \(scores.count) scores for \(labels.count) labels")
        let positives = labels.reduce(0) { $0 + ($1 ? 1 : 0) }
        let negatives = labels.count - positives
        guard positives > 0, negatives > 0 else { return nil }
        let order = scores.indices.sorted { scores[$0] < scores[$1] }
        var positiveRankSum = 0.0
        var start = 0
        while start < order.count {
            var end = start + 1
            while end < order.count && scores[order[end]] == scores[order[start]] { end += 1 }
            // Ranks start..<end (1-based start+1 ... end) share their average.
            let averageRank = Double(start + 1 + end) / 2
            for k in start..<end where labels[order[k]] { positiveRankSum += averageRank }
            start = end
        }
        let p = Double(positives), n = Double(negatives)
        return (positiveRankSum - p * (p + 1) / 2) / (p * n)
    }
}
