import ArgumentParser
import Foundation
import HeedModels
import HeedText

/// `heed predict`: the class of one text, or of every row of a file.
struct PredictCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "predict",
        abstract: "Predict the class of a text (--text) or of every row of a file (--data … --output …).",
        discussion: """
            With --data, the output file is CSV with the columns label, probability (of that label) and one probability column per class, in the rows' order.
            """)

    @Option(help: "The model folder written by 'heed train'.")
    var model: String

    @Option(help: "The text to classify.")
    var text: String?

    @Option(help: "The second text, for a pair model.")
    var pairText: String?

    @Option(help: "A data file with the model's text column(s); labels are not needed.")
    var data: String?

    @Option(help: "The CSV file to write the predictions of --data to.")
    var output: String?

    @OptionGroup var file: FileOptions

    func run() throws {
        if (text == nil) == (data == nil) { throw CLIError("pass either --text or --data") }
        if data != nil && output == nil { throw CLIError("--data needs --output FILE for the predictions") }
        if text != nil && output != nil { throw CLIError("--output writes the predictions of --data; those of --text are printed") }
        if let output { try checkWritable(output, option: "--output") }
        let ready = try loadModelFolder(model)
        let pair = ready.config.kind == .pair
        if let text {
            if pair && pairText == nil { throw CLIError("this is a pair model: pass --pair-text too") }
            if !pair && pairText != nil { throw CLIError("--pair-text is only for pair models") }
            let digits = ready.config.keepsDigits
            if !TextCleaner.hasTokens(text, keepingDigits: digits) { throw CLIError(Self.noWords("--text")) }
            if let pairText, !TextCleaner.hasTokens(pairText, keepingDigits: digits) { throw CLIError(Self.noWords("--pair-text")) }
            let columns = pair ? [[text], [pairText ?? ""]] : [[text]]
            let probabilities = try ready.probabilities(ready.encode(columns))[0]
            let best = probabilities.indices.max { probabilities[$0] < probabilities[$1] } ?? 0
            printOut("\(ready.labels.classes[best]) (\(String(format: "%.4f", probabilities[best])))")
            for (name, p) in zip(ready.labels.classes, probabilities) {
                printOut("  \(name): \(String(format: "%.4f", p))")
            }
            return
        }
        guard let data, let output else { return }
        let read = try file.readColumnsWithLines(ready.config.textColumns, from: data)
        // Rows with no words get an empty prediction: a model can only guess at padding.
        var usable: [Int] = [], empty: [Int] = []
        for row in 0..<read.lines.count {
            if read.columns.allSatisfy({ TextCleaner.hasTokens($0[row], keepingDigits: ready.config.keepsDigits) }) { usable.append(row) } else { empty.append(read.lines[row]) }
        }
        if usable.isEmpty { throw DataFileError("\(read.file): every text is empty after cleaning (no letters); check the file's encoding") }
        let columns = read.columns.map { column in usable.map { column[$0] } }
        var probabilities = [[Double]?](repeating: nil, count: read.lines.count)
        for (row, p) in zip(usable, try ready.probabilities(ready.encode(columns))) { probabilities[row] = p }
        if !empty.isEmpty {
            printError("heed: warning: \(read.file): \(empty.count) row\(empty.count == 1 ? "" : "s") with no words after "
                       + "cleaning get\(empty.count == 1 ? "s" : "") no prediction (\(lineList(empty)))")
        }
        var lines = [(["label", "probability"] + ready.labels.classes.map { "p_" + $0 }).map { TextFileFormat.csvField($0) }.joined(separator: ",")]
        for row in probabilities {
            guard let row else {
                lines.append(Array(repeating: "", count: 2 + ready.labels.classes.count).joined(separator: ","))
                continue
            }
            let best = row.indices.max { row[$0] < row[$1] } ?? 0
            lines.append(([TextFileFormat.csvField(ready.labels.classes[best]), String(format: "%.6f", row[best])]
                          + row.map { String(format: "%.6f", $0) }).joined(separator: ","))
        }
        try ModelFolder.write(Data((lines.joined(separator: "\n") + "\n").utf8), to: URL(fileURLWithPath: output))
        printOut("wrote \(probabilities.count) predictions to \(output)")
    }

    static func noWords(_ option: String) -> String {
        "\(option) holds no words after cleaning (only digits, punctuation or symbols); there is nothing to classify"
    }
}
