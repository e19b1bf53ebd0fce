import HeedText

/// The message of one of Heed's errors as the command line shows it: the library's advice
/// names its Swift parameters (`maxFieldBytes`, "the lossy decoding"); here it names the options.
func commandLineMessage(for error: any Error) -> String {
    guard let error = error as? TextDataError else { return "\(error)" }
    switch error {
    case let .invalidUTF8(file, line, offset, byte):
        let hex = String(byte, radix: 16, uppercase: true)
        return "\(file): line \(line): invalid UTF-8 (byte 0x\(hex.count == 1 ? "0" + hex : hex)) at byte offset \(offset); "
            + "convert the file to UTF-8, or pass --encoding lossy (bad bytes become U+FFFD) or --encoding latin1"
    case let .fieldTooLarge(file, line, column, columnName, limit):
        let columnText = columnName.map { "column \(column) (\"\($0)\")" } ?? "column \(column)"
        return "\(file): line \(line), \(columnText): field is longer than the limit of \(limit) bytes; "
            + "raise --max-field-bytes if such fields are intended"
    case let .invalidArgument(operation, message) where operation == "StreamedTextDataset":
        return message  // it names the file and line, as the in-memory path's message does
    default:
        return "\(error)"
    }
}
