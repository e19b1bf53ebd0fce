import Foundation
import Heed

/// Reads back the CSV that `History.csv` writes (`epoch` then one column per log key).
public enum HistoryCSV {
    /// The history in `text`.
    ///
    /// - Throws: ``ModelFolderError/invalidFile(file:reason:)`` naming the line that does not fit.
    public static func parse(_ text: String, file: String) throws -> History {
        var lines = text.split(omittingEmptySubsequences: false) { $0 == "\n" || $0 == "\r\n" }.map(String.init)
        while lines.last == "" { lines.removeLast() }
        guard let header = lines.first?.split(separator: ",", omittingEmptySubsequences: false).map(String.init),
              header.first == "epoch" else {
            throw ModelFolderError.invalidFile(file: file, reason: "line 1: expected a header starting with \"epoch\"")
        }
        var history = History()
        for (index, line) in lines.enumerated().dropFirst() {
            let fields = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            guard fields.count == header.count, let epoch = Int(fields[0]) else {
                throw ModelFolderError.invalidFile(file: file, reason: "line \(index + 1): expected \(header.count) fields starting with the epoch")
            }
            var logs: [String: Double] = [:]
            for (key, field) in zip(header.dropFirst(), fields.dropFirst()) {
                guard let value = Double(field) ?? (field == "nan" ? .nan : nil) else {
                    throw ModelFolderError.invalidFile(file: file, reason: "line \(index + 1): \"\(field)\" is not a number")
                }
                logs[key] = value
            }
            history.append(epoch: epoch, logs: logs)
        }
        return history
    }
}
