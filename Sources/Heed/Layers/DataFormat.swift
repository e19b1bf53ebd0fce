/// Where the channel axis of a sequence tensor is, with Keras' names.
public enum DataFormat: String, Sendable, CaseIterable, Codable {
    /// `[batch, time, channels]` (Keras `"channels_last"`, the default).
    case channelsLast = "channels_last"
    /// `[batch, channels, time]` (Keras `"channels_first"`).
    case channelsFirst = "channels_first"

    /// Parses a Keras data format name (`"channels_last"` or `"channels_first"`).
    ///
    /// - Throws: ``TensorError/invalidArgument(operation:message:)`` for another name.
    public init(kerasName: String) throws {
        guard let value = DataFormat(rawValue: kerasName.lowercased()) else {
            throw TensorError.invalidArgument(
                operation: "DataFormat", message: "unknown data format '\(kerasName)'; expected one of \(DataFormat.allCases.map(\.rawValue))")
        }
        self = value
    }
}
