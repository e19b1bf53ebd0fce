import ArgumentParser
import Foundation
import HeedModels
import HeedText

/// `heed explain`: the attention weights of one text as a heatmap, and the words attended most.
struct ExplainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "explain",
        abstract: "Draw the attention weights over a text's tokens as an SVG heatmap and list the most-attended words.",
        discussion: """
            Rows are the attending tokens (queries), columns the attended ones (keys). A word's attention is the mean weight it receives over all queries. Words outside the vocabulary are marked (<UNK>); texts longer than the model's length are cut.
            """)

    @Option(help: "The model folder written by 'heed train'.")
    var model: String

    @Option(help: "The text to explain.")
    var text: String

    @Option(help: "The second text, for a pair model (the query attends over it).")
    var pairText: String?

    @Option(help: "The SVG file to write.")
    var out: String

    @Option(help: "How many words to list.")
    var top: Int = 10

    func run() throws {
        if top < 1 { throw CLIError("--top must be at least 1, got \(top)") }
        try checkWritable(out, option: "--out")
        let ready = try loadModelFolder(model)
        let pair = ready.config.kind == .pair
        if pair && pairText == nil { throw CLIError("this is a pair model: pass --pair-text too") }
        let queryTokens = ready.tokens(of: text)
        let keyTokens = pair ? ready.tokens(of: pairText ?? "") : queryTokens
        guard !queryTokens.isEmpty, !keyTokens.isEmpty else { throw CLIError("the text holds no words to explain") }
        let columns = pair ? [[text], [pairText ?? ""]] : [[text]]
        let trace = try ready.trace(ready.encode(columns))
        guard let weights = trace.attentionWeights else { throw CLIError("the model has no attention weights to show") }
        let tv = weights.shape[2]
        let rows = queryTokens.count, cols = keyTokens.count
        var values: [Double] = []
        for i in 0..<rows {
            for j in 0..<cols { values.append(Double(weights.scalars[i * tv + j])) }
        }
        func shown(_ token: String) -> String {
            ready.vocabulary.id(for: token) == Vocabulary.unknownID ? "\(token) (<UNK>)" : token
        }
        let heatmap = Heatmap(title: "Attention weights", rowLabels: queryTokens.map(shown),
                              columnLabels: keyTokens.map(shown), values: values)
        try ModelFolder.write(Data(heatmap.svg().utf8), to: URL(fileURLWithPath: out))
        var received = [Double](repeating: 0, count: cols)
        for i in 0..<rows {
            for j in 0..<cols { received[j] += values[i * cols + j] / Double(rows) }
        }
        var byWord: [String: Double] = [:]
        for (j, token) in keyTokens.enumerated() { byWord[token, default: 0] += received[j] }
        let ranked = byWord.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.prefix(top)
        let probabilities = try ready.probabilities(ready.encode(columns))[0]
        let best = probabilities.indices.max { probabilities[$0] < probabilities[$1] } ?? 0
        printOut("prediction: \(ready.labels.classes[best]) (\(String(format: "%.4f", probabilities[best])))")
        printOut("most-attended words:")
        for (word, weight) in ranked { printOut("  \(word)  \(String(format: "%.4f", weight))") }
        printOut("heatmap: \(out)")
    }
}
