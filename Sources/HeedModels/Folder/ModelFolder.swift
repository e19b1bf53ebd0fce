import Foundation
import Heed
import HeedText

/// A trained model on disk: `config.json`, `model.safetensors` (weights by Keras name, plus
/// the optimizer state, the completed epoch count and the history for resuming),
/// `vocab.txt`, `labels.json`, `history.csv` and SVG charts.
///
/// Every file is written to a temporary file beside it and renamed into place, so a reader
/// never sees half a file; the weights file is the record of the last complete epoch.
public enum ModelFolder {
    /// The configuration file.
    public static let configFile = "config.json"
    /// The weights file.
    public static let weightsFile = "model.safetensors"
    /// The vocabulary file.
    public static let vocabularyFile = "vocab.txt"
    /// The class names file.
    public static let labelsFile = "labels.json"
    /// The per-epoch history.
    public static let historyFile = "history.csv"
    /// The metadata key of the history inside the weights file.
    static let historyMetadataKey = "history_csv"

    /// Creates the folder if needed and writes the configuration, vocabulary and labels.
    ///
    /// - Throws: ``ModelFolderError/unwritable(path:reason:)``.
    public static func writeDescription(of model: ReadyModel, to folder: URL) throws {
        try createFolder(folder)
        do {
            try write(model.config.jsonData(), to: folder.appendingPathComponent(configFile))
            try model.vocabulary.write(to: folder.appendingPathComponent(vocabularyFile))
            try model.labels.write(to: folder.appendingPathComponent(labelsFile))
        } catch let error as ModelFolderError {
            throw error
        } catch {
            throw ModelFolderError.unwritable(path: folder.path, reason: "\(error)")
        }
    }

    /// Writes the weights (with the optimizer state, `completedEpochs` and the history),
    /// `history.csv` and the loss/accuracy charts.
    ///
    /// - Throws: ``ModelFolderError/unwritable(path:reason:)``.
    public static func writeEpoch(of model: ReadyModel, history: History, completedEpochs: Int, to folder: URL) throws {
        do {
            try model.saveWeights(to: folder.appendingPathComponent(weightsFile), epoch: completedEpochs,
                                  metadata: [historyMetadataKey: history.csv])
        } catch {
            throw ModelFolderError.unwritable(path: folder.appendingPathComponent(weightsFile).path, reason: "\(error)")
        }
        try write(Data(history.csv.utf8), to: folder.appendingPathComponent(historyFile))
        for (file, svg) in TrainingCharts.curves(history) {
            try write(Data(svg.utf8), to: folder.appendingPathComponent(file))
        }
    }

    /// Loads a folder: configuration, vocabulary, labels and weights, checked against each other.
    ///
    /// - Throws: ``ModelFolderError`` naming the missing or broken file.
    public static func load(_ folder: URL) throws -> ReadyModel {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw ModelFolderError.notAFolder(path: folder.path)
        }
        let configURL = try existing(configFile, in: folder)
        let vocabularyURL = try existing(vocabularyFile, in: folder)
        let labelsURL = try existing(labelsFile, in: folder)
        let weightsURL = try existing(weightsFile, in: folder)
        let configData: Data
        do {
            configData = try Data(contentsOf: configURL)
        } catch {
            throw ModelFolderError.invalidFile(file: configURL.path, reason: "cannot read: \(error.localizedDescription)")
        }
        let config = try ModelConfig.decode(configData, file: configURL.path)
        let vocabulary: Vocabulary
        let labels: LabelEncoder
        do {
            vocabulary = try Vocabulary(contentsOf: vocabularyURL)
            labels = try LabelEncoder(contentsOf: labelsURL)
        } catch let error as TextDataError {
            throw ModelFolderError.invalidFile(file: error.fileName ?? folder.path, reason: error.reason)
        }
        guard vocabulary.count == config.vocabSize else {
            throw ModelFolderError.invalidFile(
                file: vocabularyURL.path, reason: "holds \(vocabulary.count) tokens but config.json says vocab_size \(config.vocabSize)")
        }
        guard vocabulary.widestNGram <= config.ngramWidth else {
            throw ModelFolderError.invalidFile(
                file: vocabularyURL.path,
                reason: "holds n-grams of \(vocabulary.widestNGram) words but config.json says ngrams \(config.ngramWidth)")
        }
        guard labels.classes == config.classes else {
            throw ModelFolderError.invalidFile(
                file: labelsURL.path, reason: "classes \(labels.classes) differ from config.json's \(config.classes)")
        }
        let model = try ReadyModel(config: config, vocabulary: vocabulary, labels: labels)
        do {
            try model.loadWeights(from: weightsURL)
        } catch {
            throw ModelFolderError.invalidFile(file: weightsURL.path, reason: "cannot load the weights: \(error); restore the file or train the model again")
        }
        return model
    }

    /// The history and completed epochs saved in a folder's weights file, for resuming.
    ///
    /// - Throws: ``ModelFolderError`` when the file is missing or broken.
    public static func savedProgress(in folder: URL) throws -> (history: History, completedEpochs: Int) {
        let url = try existing(weightsFile, in: folder)
        let file: SafeTensorsFile
        do {
            file = try SafeTensorsFile(contentsOf: url)
        } catch {
            throw ModelFolderError.invalidFile(file: url.path, reason: "\(error)")
        }
        guard let epochText = file.metadata["epoch"], let epochs = Int(epochText) else {
            throw ModelFolderError.invalidFile(file: url.path, reason: "records no completed epoch; it cannot be resumed")
        }
        let history = try HistoryCSV.parse(file.metadata[historyMetadataKey] ?? "epoch\n", file: url.path)
        return (history, epochs)
    }

    /// Writes `data` over `url` atomically, flushed to disk (Heed's `AtomicFile`).
    ///
    /// - Throws: ``ModelFolderError/unwritable(path:reason:)``.
    public static func write(_ data: Data, to url: URL) throws {
        do {
            try AtomicFile.write(data, to: url)
        } catch let failure as AtomicFile.Failure {
            throw ModelFolderError.unwritable(path: url.path, reason: failure.reason)
        }
    }

    /// Creates `folder` (and missing parents) unless it exists.
    ///
    /// - Throws: ``ModelFolderError/unwritable(path:reason:)`` naming the reason.
    public static func createFolder(_ folder: URL) throws {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: folder.path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else {
                throw ModelFolderError.unwritable(path: folder.path, reason: "a file of that name exists and is not a folder")
            }
            return
        }
        // mkdir(2) per missing level, so the message can say why (errno) rather than Foundation's generic text.
        let parent = folder.deletingLastPathComponent()
        if parent.path != folder.path && !FileManager.default.fileExists(atPath: parent.path) {
            try createFolder(parent)
        }
        guard mkdir(folder.path, 0o755) == 0 || errno == EEXIST else {
            throw ModelFolderError.unwritable(path: folder.path, reason: "cannot create the folder: \(String(cString: strerror(errno)))")
        }
    }

    static func existing(_ name: String, in folder: URL) throws -> URL {
        let url = folder.appendingPathComponent(name)
        guard FileManager.default.fileExists(atPath: url.path) else { throw ModelFolderError.missingFile(file: url.path) }
        return url
    }
}

extension TextDataError {
    /// The file an error names, if any.
    var fileName: String? {
        switch self {
        case let .unreadableFile(file, _), let .unwritableFile(file, _), let .invalidVocabularyFile(file, _, _),
             let .invalidLabelsFile(file, _):
            return file
        default:
            return nil
        }
    }

    /// The message without the leading file name.
    var reason: String {
        let text = description
        if let file = fileName, text.hasPrefix(file + ": ") { return String(text.dropFirst(file.count + 2)) }
        return text
    }
}
