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
        if let output { try checkWritable(output, option: "--output") }
        let ready = try loadModelFolder(model)
        let pair = ready.config.kind == .pair
        if let text {
            if pair && pairText == nil { throw CLIError("this is a pair model: pass --pair-text too") }
            if !pair && pairText != nil { throw CLIError("--pair-text is only for pair models") }
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
        let columns = try file.readColumns(ready.config.textColumns, from: data)
        let probabilities = try ready.probabilities(ready.encode(columns))
        var lines = [(["label", "probability"] + ready.labels.classes.map { "p_" + $0 }).map(csvField).joined(separator: ",")]
        for row in probabilities {
            let best = row.indices.max { row[$0] < row[$1] } ?? 0
            lines.append(([csvField(ready.labels.classes[best]), String(format: "%.6f", row[best])]
                          + row.map { String(format: "%.6f", $0) }).joined(separator: ","))
        }
        try ModelFolder.write(Data((lines.joined(separator: "\n") + "\n").utf8), to: URL(fileURLWithPath: output))
        printOut("wrote \(probabilities.count) predictions to \(output)")
    }
}

/// A CSV field, quoted when it holds a comma, quote or line end.
func csvField(_ s: String) -> String {
    guard s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return s }
    return "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\""
}
