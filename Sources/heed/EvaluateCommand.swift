import ArgumentParser
import Foundation
import Heed
import HeedModels
import HeedText

/// `heed evaluate`: a model folder's results on a labelled file.
struct EvaluateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate",
        abstract: "Report loss, accuracy, macro-F1, the confusion matrix and (two classes) ROC AUC on a labelled file.",
        discussion: "The file needs the text and label columns the model was trained with. Every label must be one the model knows.")

    @Option(help: "The model folder written by 'heed train'.")
    var model: String

    @Option(help: "The labelled data file (CSV or TSV).")
    var data: String

    @Option(help: "Data rows to use, e.g. 25001-50000 (default: all).")
    var rows: RowRange?

    @Flag(help: "Print one JSON object (count, loss, accuracy, macro_f1, auc, classes, confusion_matrix).")
    var json = false

    @Option(help: "Also draw the ROC curve (two classes) to this SVG file.")
    var roc: String?

    @OptionGroup var file: FileOptions

    func run() throws {
        try rows?.check(option: "--rows")
        if let roc { try checkWritable(roc, option: "--roc") }
        let ready = try loadModelFolder(model)
        var rowsRead = try file.readLabeled(data, textColumns: ready.config.textColumns, labelColumn: ready.config.labelColumn)
        if let rows { rowsRead = rowsRead.subset(try rows.indices(rowCount: rowsRead.count, option: "--rows", file: data)) }
        try rowsRead.checkLabels(known: ready.labels.classes)
        let texts = try rowsRead.droppingTextsWithoutWords(role: "evaluation", keepingDigits: ready.config.keepsDigits).texts
        let encoded = try EncodedTexts(inputs: ready.encode(texts.texts), labels: IntTensor(ready.labels.encode(texts.labels)))
        if roc != nil && ready.labels.classes.count != 2 {
            throw CLIError("--roc draws the curve of a model of two classes; this one has \(ready.labels.classes.count)")
        }
        let report = try EvaluationReport(model: ready, data: encoded)
        printOut(json ? report.json : report.text)
        if let roc {
            let chart = ROCCurve.chart(scores: report.positiveScores, labels: report.labels.map { $0 == 1 })
            try ModelFolder.write(Data(chart.svg().utf8), to: URL(fileURLWithPath: roc))
        }
    }
}
