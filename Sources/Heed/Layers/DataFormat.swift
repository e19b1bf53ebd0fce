/// Where the channel axis of a sequence tensor sits, with Keras' names.
public enum DataFormat: String, Sendable, CaseIterable, Codable {
    /// `[batch, time, channels]` (Keras `channels_last`, the default).
    case channelsLast = "channels_last"
    /// `[batch, channels, time]` (Keras `channels_first`).
    case channelsFirst = "channels_first"

    /// Parses a Keras `data_format` value; `nil` means `channels_last`.
    ///
    /// - Throws: ``TensorError/invalidArgument(operation:message:)`` for an unknown name.
    public init(kerasName: String?) throws {
        guard let kerasName else { self = .channelsLast; return }
        guard let value = DataFormat(rawValue: kerasName) else {
            throw TensorError.invalidArgument(
                operation: "DataFormat",
                message: "unknown data format '\(kerasName)'; expected one of \(DataFormat.allCases.map(\.rawValue))")
        }
        self = value
    }
}
