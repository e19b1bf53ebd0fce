import Foundation
import HeedText

// Times the text pipeline on a CSV file: reading, cleaning + tokenizing, and the whole
// TextDataset load (80/20 split, vocabulary, encoding, padding).
// Usage: bench-text [path] [text column] [label column]

let arguments = CommandLine.arguments
let path = arguments.count > 1 ? arguments[1] : "../shared/datasets/imdb/IMDB_Dataset.csv"
let textColumn = arguments.count > 2 ? arguments[2] : "review"
let labelColumn = arguments.count > 3 ? arguments[3] : "sentiment"
let url = URL(fileURLWithPath: path)

func seconds(since start: ContinuousClock.Instant) -> Double {
    let d = ContinuousClock.now - start
    return Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
}

do {
    let bytes = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
    var start = ContinuousClock.now
    let texts = try LabeledTexts.read(from: url, textColumns: [textColumn], labelColumn: labelColumn)
    let readTime = seconds(since: start)

    start = ContinuousClock.now
    var plainCount = 0
    for text in texts.texts[0] { TextCleaner.forEachToken(in: text) { _ in plainCount += 1 } }
    let tokenizeTime = seconds(since: start)

    start = ContinuousClock.now
    var tokenCount = 0
    var counter = TokenCounter()
    for text in texts.texts[0] {
        TextCleaner.forEachToken(in: text) { token in
            tokenCount += 1
            counter.add(token)
        }
    }
    let cleanTime = seconds(since: start)

    start = ContinuousClock.now
    let options = TextDatasetOptions(textColumns: [textColumn], labelColumn: labelColumn)
    let dataset = try TextDataset.load(url, options: options)
    let loadTime = seconds(since: start)

    print("file: \(path) (\(bytes) bytes), \(texts.count) rows")
    print(String(format: "read CSV:                 %.3f s", readTime))
    print(String(format: "clean + tokenize:         %.3f s (%d tokens)", tokenizeTime, plainCount))
    print(String(format: "clean + tokenize + count: %.3f s (%d tokens, %d distinct)", cleanTime, tokenCount, counter.distinctCount))
    print(String(format: "read + clean + tokenize:  %.3f s", readTime + tokenizeTime))
    print(String(format: "TextDataset.load:         %.3f s (train %d, test %d, vocabulary %d, maxLength %d)",
                 loadTime, dataset.train.count, dataset.test.count, dataset.vocabulary.count, dataset.maxLength))
} catch {
    print("error: \(error)")
    exit(1)
}
