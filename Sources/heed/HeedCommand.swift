import ArgumentParser
import Foundation
import Heed
import HeedModels
import HeedText

/// The `heed` command line tool: train, evaluate and use attention text classifiers on your
/// own CSV or TSV files.
@main
struct HeedCommand: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(
            commandName: "heed",
            abstract: "Train, evaluate and explain attention text classifiers on CSV/TSV files.",
            discussion: """
                A typical session:

                  heed train --data reviews.csv --text-column review \\
                    --label-column sentiment --out model
                  heed evaluate --model model --data test.csv
                  heed predict --model model --text "A moving film."
                  heed explain --model model --text "A moving film." \\
                    --out attention.svg

                The data file needs a header line. CSV files (.csv) follow RFC 4180; TSV files (.tsv, .txt) are split on tabs with no quote processing. Run 'heed <subcommand> --help' for every option.
                """,
            version: "heed \(HeedModelsInfo.version) (OpenBLAS kernel: \(Heed.blasCoreName))",
            subcommands: [TrainCommand.self, EvaluateCommand.self, PredictCommand.self, ExplainCommand.self,
                          PlotCommand.self, WordsCommand.self, ImportIMDbCommand.self, ServeCommand.self])
    }

    static func main() {
        BLASKernelCheck.restartWithBetterKernelIfNeeded()
        Heed.retainFreedMemory()
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            let code = exitCode(for: error)
            if code == .success { exit(withError: error) }  // --help, --version
            let ours: Bool = error is CLIError || error is DataFileError || error is ModelFolderError || error is TextDataError
                || error is ModelError || error is TensorError || error is CheckpointError || error is SafeTensorsError
                || error is OptimizerStateError
            let message = ours ? commandLineMessage(for: error) : Self.message(for: error)
            let line = message.split(separator: "\n").first.map(String.init) ?? "failed"
            FileHandle.standardError.write(Data("heed: error: \(line)\n".utf8))
            Foundation.exit(ours && !(error is CLIError) ? 1 : 64)
        }
    }
}
