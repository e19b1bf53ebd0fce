import ArgumentParser
import Foundation
import HeedModels
import HeedText

/// `heed explain`: the attention weights of one text as a heatmap, and the words attended most;
/// for a bag model, the words that push the prediction most, as a bar chart.
struct ExplainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "explain",
        abstract: "Draw the attention weights over a text's tokens as an SVG heatmap and list the most-attended words.",
        discussion: """
            Rows are the attending tokens (queries), columns the attended ones (keys). A word's attention is the mean weight it receives over all queries. Words outside the vocabulary are marked (<UNK>); texts longer than the model's length are cut.

            A bag model has no attention: it lists the words and n-grams that add most to the predicted class's logit over the mean of the other classes' (each distinct token once), and draws them as a bar chart.
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
        if !pair && pairText != nil { throw CLIError("--pair-text is only for pair models") }
        if ready.config.kind == .bag { return try explainBag(ready) }
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
        let heatmap = Heatmap(title: "Attention weights", rowLabels: queryTokens.map { shown($0, in: ready) },
                              columnLabels: keyTokens.map { shown($0, in: ready) }, values: values)
        try ModelFolder.write(Data(heatmap.svg().utf8), to: URL(fileURLWithPath: out))
        var received = [Double](repeating: 0, count: cols)
        for i in 0..<rows {
            for j in 0..<cols { received[j] += values[i * cols + j] / Double(rows) }
        }
        var byWord: [String: Double] = [:]
        for (j, token) in keyTokens.enumerated() { byWord[token, default: 0] += received[j] }
        let ranked = byWord.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.prefix(top)
        try printPrediction(ready, trace)
        printOut("most-attended words:")
        for (word, weight) in ranked { printOut("  \(word)  \(String(format: "%.4f", weight))") }
        printOut("heatmap: \(out)")
    }

    /// Prints the class `trace` predicts with its probability and returns its id.
    @discardableResult
    func printPrediction(_ ready: ReadyModel, _ trace: ForwardTrace<Float>) throws -> Int {
        let probabilities = try ready.probabilities(of: trace)[0]
        let best = probabilities.indices.max { probabilities[$0] < probabilities[$1] } ?? 0
        printOut("prediction: \(ready.labels.classes[best]) (\(String(format: "%.4f", probabilities[best])))")
        return best
    }

    /// A bag model's explanation: each distinct token's share of the predicted class's logit
    /// over the mean share of the other classes, largest first.
    func explainBag(_ ready: ReadyModel) throws {
        let tokens = ready.tokens(of: text)
        guard !tokens.isEmpty else { throw CLIError("the text holds no words to explain") }
        let trace = try ready.trace(ready.encode([[text]]))
        guard let parts = trace.activations["contributions"] else { throw CLIError("the model has no token contributions to show") }
        let classes = ready.config.classCount
        let best = try printPrediction(ready, trace)
        var byToken: [(token: String, margin: Double)] = []
        for (t, token) in tokens.enumerated() {
            let row = (0..<classes).map { Double(parts.scalars[t * classes + $0]) }
            byToken.append((shown(token, in: ready), row[best] - (row.reduce(0, +) - row[best]) / Double(classes - 1)))
        }
        let ranked = byToken.sorted { $0.margin != $1.margin ? $0.margin > $1.margin : $0.token < $1.token }.prefix(top)
        let chart = BarChart(title: "Words for \(ready.labels.classes[best])", valueLabel: "logit over the other classes",
                             bars: ranked.filter { $0.margin > 0 }.map { ($0.token, $0.margin) })
        try ModelFolder.write(Data(chart.svg().utf8), to: URL(fileURLWithPath: out))
        printOut("words for \(ready.labels.classes[best]) (logit over the other classes):")
        for (token, margin) in ranked { printOut("  \(token)  \(String(format: "%+.4f", margin))") }
        printOut("chart: \(out)")
    }
}

/// `token`, marked when it is outside the model's vocabulary.
private func shown(_ token: String, in ready: ReadyModel) -> String {
    ready.vocabulary.id(for: token) == Vocabulary.unknownID ? "\(token) (<UNK>)" : token
}
