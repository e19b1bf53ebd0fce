import ArgumentParser
import Foundation
import HeedModels

/// `heed plot`: redraws a model folder's loss and accuracy curves from `history.csv`.
struct PlotCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plot",
        abstract: "Redraw loss.svg and accuracy.svg of a model folder from its history.csv.")

    @Option(help: "The model folder written by 'heed train'.")
    var model: String

    func run() throws {
        let folder = URL(fileURLWithPath: model)
        let url = folder.appendingPathComponent(ModelFolder.historyFile)
        guard FileManager.default.fileExists(atPath: url.path) else { throw ModelFolderError.missingFile(file: url.path) }
        let text: String
        do {
            text = try String(contentsOf: url, encoding: .utf8)
        } catch {
            throw ModelFolderError.invalidFile(file: url.path, reason: "cannot read it as UTF-8 text")
        }
        let history = try HistoryCSV.parse(text, file: url.path)
        let charts = TrainingCharts.curves(history)
        guard !charts.isEmpty else { throw ModelFolderError.invalidFile(file: url.path, reason: "holds no loss or accuracy column") }
        for (name, svg) in charts {
            try ModelFolder.write(Data(svg.utf8), to: folder.appendingPathComponent(name))
            printOut("wrote \(folder.appendingPathComponent(name).path)")
        }
    }
}
