/// Counts of (actual class, predicted class) pairs, with precision, recall and F1 per class
/// and macro-averaged.
///
/// A class never predicted has precision 0, a class that never occurs has recall 0, and F1 is
/// 0 when precision and recall are both 0 (scikit-learn's `zero_division=0`).
public struct ConfusionMatrix: Sendable, Equatable {
    /// The number of classes.
    public let classCount: Int
    /// `counts[actual][predicted]`.
    public private(set) var counts: [[Int]]

    /// An empty matrix for `classCount` classes.
    public init(classCount: Int) {
        precondition(classCount > 0, "ConfusionMatrix needs at least one class")
        self.classCount = classCount
        self.counts = Array(repeating: Array(repeating: 0, count: classCount), count: classCount)
    }

    /// A matrix counting the given pairs.
    ///
    /// - Throws: ``TensorError/indexOutOfRange(operation:index:count:)`` for a class id outside
    ///   `0..<classCount`, or ``TensorError/invalidArgument(operation:message:)`` when the counts differ.
    public init(classCount: Int, actual: [Int], predicted: [Int]) throws {
        self.init(classCount: classCount)
        try add(actual: actual, predicted: predicted)
    }

    /// Adds pairs of actual and predicted class ids.
    ///
    /// - Throws: as ``init(classCount:actual:predicted:)``.
    public mutating func add(actual: [Int], predicted: [Int]) throws {
        guard actual.count == predicted.count else {
            throw TensorError.invalidArgument(operation: "ConfusionMatrix",
                                              message: "\(actual.count) actual classes for \(predicted.count) predictions")
        }
        for (a, p) in zip(actual, predicted) {
            for c in [a, p] where c < 0 || c >= classCount {
                throw TensorError.indexOutOfRange(operation: "ConfusionMatrix class", index: c, count: classCount)
            }
            counts[a][p] += 1
        }
    }

    /// The number of counted pairs.
    public var total: Int { counts.reduce(0) { $0 + $1.reduce(0, +) } }

    /// The fraction of pairs on the diagonal (0 when empty).
    public var accuracy: Double {
        let t = total
        return t == 0 ? 0 : Double((0..<classCount).reduce(0) { $0 + counts[$1][$1] }) / Double(t)
    }

    /// True positives / predicted positives for class `c`.
    public func precision(ofClass c: Int) -> Double {
        let predicted = (0..<classCount).reduce(0) { $0 + counts[$1][c] }
        return predicted == 0 ? 0 : Double(counts[c][c]) / Double(predicted)
    }

    /// True positives / actual positives for class `c`.
    public func recall(ofClass c: Int) -> Double {
        let actual = counts[c].reduce(0, +)
        return actual == 0 ? 0 : Double(counts[c][c]) / Double(actual)
    }

    /// The harmonic mean of precision and recall for class `c`.
    public func f1(ofClass c: Int) -> Double {
        let p = precision(ofClass: c), r = recall(ofClass: c)
        return p + r == 0 ? 0 : 2 * p * r / (p + r)
    }

    /// The unweighted mean of the per-class precisions.
    public var macroPrecision: Double { (0..<classCount).reduce(0) { $0 + precision(ofClass: $1) } / Double(classCount) }
    /// The unweighted mean of the per-class recalls.
    public var macroRecall: Double { (0..<classCount).reduce(0) { $0 + recall(ofClass: $1) } / Double(classCount) }
    /// The unweighted mean of the per-class F1 scores.
    public var macroF1: Double { (0..<classCount).reduce(0) { $0 + f1(ofClass: $1) } / Double(classCount) }
}
