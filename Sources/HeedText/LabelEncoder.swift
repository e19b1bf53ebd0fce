import Foundation

/// Maps string labels to class ids `0..<classCount` in sorted order, and back.
///
/// Labels are sorted numerically when every one is a number (`"2"` before `"10"`), otherwise by
/// their Unicode text (`"negative"` before `"positive"`). Saved as `labels.json`:
/// `{"classes": ["negative", "positive"]}`, the position being the id.
public struct LabelEncoder: Sendable, Equatable {
    /// The class names by id.
    public let classes: [String]
    private let ids: [String: Int32]

    /// The number of classes.
    public var classCount: Int { classes.count }

    /// The encoder for the distinct values of `labels` (training labels).
    ///
    /// - Throws: ``TextDataError/singleClass(labels:)`` if there are fewer than two classes.
    public init(fitting labels: [String]) throws {
        let distinct = Array(Set(labels))
        guard distinct.count >= 2 else { throw TextDataError.singleClass(labels: distinct) }
        try self.init(classes: Self.sorted(distinct))
    }

    /// The encoder with exactly these classes by id.
    ///
    /// - Throws: ``TextDataError/singleClass(labels:)`` for fewer than two classes and
    ///   ``TextDataError/invalidArgument(operation:message:)`` if a class repeats.
    public init(classes: [String]) throws {
        guard classes.count >= 2 else { throw TextDataError.singleClass(labels: classes) }
        var ids = [String: Int32]()
        for (id, name) in classes.enumerated() {
            guard ids.updateValue(Int32(id), forKey: name) == nil else {
                throw TextDataError.invalidArgument(
                    operation: "LabelEncoder(classes:)", message: "class \"\(name)\" appears twice")
            }
        }
        self.classes = classes
        self.ids = ids
    }

    /// The class id of `label`.
    ///
    /// - Throws: ``TextDataError/unknownLabel(label:known:)`` naming it and the known classes.
    public func encode(_ label: String) throws -> Int32 {
        guard let id = ids[label] else { throw TextDataError.unknownLabel(label: label, known: classes) }
        return id
    }

    /// The class ids of `labels`, shape `[labels.count]`.
    ///
    /// - Throws: ``TextDataError/unknownLabel(label:known:)`` for the first unknown label.
    public func encode(_ labels: [String]) throws -> [Int32] {
        try labels.map { try encode($0) }
    }

    /// The class name of `id`, or `nil` outside `0..<classCount`.
    public func label(for id: Int32) -> String? {
        id >= 0 && Int(id) < classes.count ? classes[Int(id)] : nil
    }

    /// Saves `labels.json` atomically.
    ///
    /// - Throws: ``TextDataError/unwritableFile(file:reason:)`` if it cannot be written.
    public func write(to url: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let data: Data
        do {
            data = try encoder.encode(File(classes: classes))
        } catch {
            throw TextDataError.invalidLabelsFile(file: url.path, reason: "cannot encode: \(error)")
        }
        try writeDataFile(data + Data("\n".utf8), to: url)
    }

    /// Loads a `labels.json` written by ``write(to:)``.
    ///
    /// - Throws: ``TextDataError/unreadableFile(file:reason:)`` if it cannot be read,
    ///   ``TextDataError/invalidLabelsFile(file:reason:)`` if it is not `{"classes": [strings]}`
    ///   with distinct classes, and ``TextDataError/singleClass(labels:)`` for fewer than two.
    public init(contentsOf url: URL) throws {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw TextDataError.unreadableFile(file: url.path, reason: error.localizedDescription)
        }
        let file: File
        do {
            file = try JSONDecoder().decode(File.self, from: data)
        } catch {
            throw TextDataError.invalidLabelsFile(
                file: url.path, reason: "expected {\"classes\": [\"label\", ...]}")
        }
        guard Set(file.classes).count == file.classes.count else {
            throw TextDataError.invalidLabelsFile(file: url.path, reason: "a class appears twice")
        }
        try self.init(classes: file.classes)
    }

    private struct File: Codable {
        var classes: [String]
    }

    /// Numeric order when every label is a number, text order otherwise.
    static func sorted(_ labels: [String]) -> [String] {
        let numbers = labels.compactMap { Double($0.trimmingCharacters(in: .whitespaces)) }
        if numbers.count == labels.count && numbers.allSatisfy(\.isFinite) {
            return zip(labels, numbers).sorted { a, b in
                a.1 != b.1 ? a.1 < b.1 : a.0 < b.0
            }.map(\.0)
        }
        return labels.sorted()
    }
}
