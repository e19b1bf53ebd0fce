import Foundation

/// What `fit` records per epoch: the loss, the metrics and their `val_` counterparts.
public struct History: Sendable, Equatable {
    /// The epochs run (0-based, as in Keras).
    public private(set) var epochs: [Int] = []
    /// The value of each log key per epoch, aligned with ``epochs``.
    public private(set) var values: [String: [Double]] = [:]

    /// An empty history.
    public init() {}

    /// The values of `key` (e.g. `loss`, `val_accuracy`) per epoch.
    public subscript(key: String) -> [Double]? { values[key] }

    /// Records one epoch's logs; a key absent in this epoch gets NaN.
    public mutating func append(epoch: Int, logs: [String: Double]) {
        for key in Set(values.keys).union(logs.keys) {
            var column = values[key] ?? [Double](repeating: .nan, count: epochs.count)
            column.append(logs[key] ?? .nan)
            values[key] = column
        }
        epochs.append(epoch)
    }

    /// The history as CSV (`epoch` then the keys in sorted order), as Keras' `CSVLogger` writes.
    public var csv: String {
        let keys = values.keys.sorted()
        var lines = [(["epoch"] + keys).joined(separator: ",")]
        for (row, epoch) in epochs.enumerated() {
            lines.append(([String(epoch)] + keys.map { String(values[$0]?[row] ?? .nan) }).joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
