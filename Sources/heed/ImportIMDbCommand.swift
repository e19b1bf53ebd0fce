import ArgumentParser
import Foundation
import HeedModels
import HeedText

/// `heed import-imdb`: turns the Stanford Large Movie Review Dataset (`aclImdb_v1.tar.gz`,
/// unpacked) into one CSV with the columns `review,sentiment`, the official training reviews
/// first (rows 1–25,000), then the test reviews (rows 25,001–50,000).
struct ImportIMDbCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import-imdb",
        abstract: "Convert the unpacked Stanford IMDb archive (aclImdb) into one CSV: review,sentiment.",
        discussion: """
            Reads DIR/train/pos, DIR/train/neg, DIR/test/pos and DIR/test/neg (one review per .txt \
            file, files in name order) and writes the training reviews first, then the test reviews, \
            labelled positive or negative: with the full archive, rows 1-25000 are the official \
            training split and rows 25001-50000 the test split (heed train --train-rows 1-25000 \
            --test-rows 25001-50000).
            """)

    @Option(help: "The unpacked archive folder (holding train/ and test/).")
    var dir: String

    @Option(help: "The CSV file to write.")
    var out: String

    func run() throws {
        try checkWritable(out, option: "--out")
        let root = URL(fileURLWithPath: dir)
        var csv = "review,sentiment\n"
        var counts: [String] = []
        for split in ["train", "test"] {
            var rows = 0
            for (folder, label) in [("pos", "positive"), ("neg", "negative")] {
                let path = root.appendingPathComponent(split).appendingPathComponent(folder)
                for file in try Self.reviewFiles(in: path) {
                    guard let data = FileManager.default.contents(atPath: file.path) else {
                        throw DataFileError("cannot read \(file.path)")
                    }
                    guard let text = String(data: data, encoding: .utf8) else {
                        throw DataFileError("\(file.path) is not valid UTF-8")
                    }
                    csv += TextFileFormat.csvField(text, alwaysQuoted: true) + "," + label + "\n"
                    rows += 1
                }
            }
            counts.append("\(split) \(rows)")
        }
        try ModelFolder.write(Data(csv.utf8), to: URL(fileURLWithPath: out))
        printOut("wrote \(out): \(counts.joined(separator: ", ")) reviews (training rows first)")
    }

    /// The `.txt` files of a folder in name order (numeric prefixes compared as numbers:
    /// `2_3.txt` before `10_1.txt`), or an error naming the missing folder.
    static func reviewFiles(in folder: URL) throws -> [URL] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw CLIError("\(folder.path) is not a folder; --dir must be the unpacked aclImdb folder (with train/pos, train/neg, test/pos, test/neg)")
        }
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".txt") }
        func number(_ name: String) -> Int { Int(name.prefix { $0.isNumber }) ?? Int.max }
        return names.sorted { (number($0), $0) < (number($1), $1) }.map { folder.appendingPathComponent($0) }
    }
}
