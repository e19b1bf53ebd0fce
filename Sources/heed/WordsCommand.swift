import ArgumentParser
import Foundation
import HeedModels
import HeedText

/// `heed words`: a bar chart of the most frequent words of a text column.
struct WordsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "words",
        abstract: "Count the words of a text column (after cleaning) and draw the most frequent as an SVG bar chart.")

    @Option(help: "The data file (CSV or TSV).")
    var data: String

    @Option(help: "The column holding the text.")
    var textColumn: String

    @Option(help: "How many words to show.")
    var top: Int = 20

    @Option(help: "The SVG file to write.")
    var out: String

    @OptionGroup var file: FileOptions

    func run() throws {
        if top < 1 { throw CLIError("--top must be at least 1, got \(top)") }
        try checkWritable(out, option: "--out")
        let texts = try file.readColumns([textColumn], from: data)[0]
        var counter = TokenCounter()
        for text in texts { TextCleaner.forEachToken(in: text) { counter.add($0) } }
        let words = counter.rankedTokens(limit: top)
        let chart = BarChart(title: "Most frequent words in \(textColumn)", valueLabel: "count",
                             bars: words.map { ($0, Double(counter.count(of: $0))) })
        try ModelFolder.write(Data(chart.svg().utf8), to: URL(fileURLWithPath: out))
        for word in words { printOut("\(word)\t\(counter.count(of: word))") }
        printOut("chart: \(out)")
    }
}
