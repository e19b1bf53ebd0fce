import Foundation

/// How much `fit` prints (Keras' `verbose`).
public enum Verbosity: Int, Sendable {
    /// Nothing.
    case silent = 0
    /// A progress bar rewritten in place on a terminal; one line per epoch otherwise.
    case progressBar = 1
    /// One line per epoch.
    case oneLinePerEpoch = 2
}

/// Prints training progress the way Keras does.
///
/// On a terminal with ``Verbosity/progressBar``: `Epoch 3/10`, then
/// `12/40 [=======>......................] - ETA: 3s - loss: 0.4123 - accuracy: 0.8125`
/// rewritten with `\r` (at most every 0.1 s), finished by the epoch's time and validation
/// results. Otherwise one line per epoch.
public final class ProgressLogger: Callback {
    /// The verbosity.
    public let verbosity: Verbosity
    /// Whether the output is a terminal (bars are drawn only there).
    public let isTerminal: Bool
    private let write: (String) -> Void
    private var epochStart = ContinuousClock.now
    private var lastDraw: ContinuousClock.Instant?
    private var lastLineLength = 0

    /// A logger writing to `write`.
    public init(verbosity: Verbosity, isTerminal: Bool, write: @escaping (String) -> Void) {
        self.verbosity = verbosity
        self.isTerminal = isTerminal
        self.write = write
    }

    private var drawsBar: Bool { verbosity == .progressBar && isTerminal }

    /// Starts the epoch's clock and, on a terminal, prints `Epoch e/E`.
    public func onEpochBegin(_ epoch: Int, context: TrainingContext) throws {
        epochStart = .now
        lastDraw = nil
        if drawsBar { write("Epoch \(epoch + 1)/\(context.epochs)\n") }
    }

    /// Redraws the bar on a terminal, at most every 0.1 s and at the last step.
    public func onBatchEnd(_ step: Int, context: TrainingContext) throws {
        guard drawsBar else { return }
        let now = ContinuousClock.now
        if let lastDraw, now - lastDraw < .milliseconds(100), step + 1 < context.stepsPerEpoch { return }
        lastDraw = now
        let elapsed = Self.seconds(now - epochStart)
        let eta = elapsed / Double(step + 1) * Double(context.stepsPerEpoch - step - 1)
        redraw(Self.bar(step: step + 1, total: context.stepsPerEpoch) + " - ETA: " + Self.duration(eta)
               + Self.format(context.runningLogs(), order: context.logOrder))
    }

    /// Prints the epoch's final line with its time and logs.
    public func onEpochEnd(_ epoch: Int, logs: [String: Double], context: TrainingContext) throws {
        guard verbosity != .silent else { return }
        let elapsed = Self.seconds(ContinuousClock.now - epochStart)
        let steps = Swift.max(context.step + 1, 1)
        let timing = " - \(Self.duration(elapsed)) \(Self.perStep(elapsed / Double(steps)))"
        let values = Self.format(logs, order: context.logOrder)
        if drawsBar {
            redraw(Self.bar(step: steps, total: context.stepsPerEpoch) + timing + values)
            write("\n")
            lastLineLength = 0
        } else {
            write("Epoch \(epoch + 1)/\(context.epochs) - \(steps)/\(context.stepsPerEpoch)" + timing + values + "\n")
        }
    }

    /// Rewrites the current terminal line, blanking what a longer previous line left behind.
    private func redraw(_ line: String) {
        let padding = Swift.max(0, lastLineLength - line.count)
        write("\r" + line + String(repeating: " ", count: padding))
        lastLineLength = line.count
    }

    /// `12/40 [=======>......................]`, 30 characters wide as in Keras.
    public static func bar(step: Int, total: Int, width: Int = 30) -> String {
        let digits = String(total).count
        let counter = String(repeating: " ", count: Swift.max(0, digits - String(step).count)) + "\(step)/\(total)"
        let filled = total == 0 ? width : Swift.min(width, width * step / total)
        var inner = String(repeating: "=", count: filled)
        if step < total {
            if filled > 0 { inner.removeLast(); inner += ">" }
            inner += String(repeating: ".", count: width - filled)
        }
        return "\(counter) [\(inner)]"
    }

    /// ` - loss: 0.4123 - accuracy: 0.8125` in `order`, then any other keys sorted.
    public static func format(_ logs: [String: Double], order: [String]) -> String {
        let keys = order.filter { logs[$0] != nil } + logs.keys.filter { !order.contains($0) }.sorted()
        return keys.map { key -> String in
            let v = logs[key] ?? .nan
            let text = abs(v) >= 1e-3 || v == 0 || !v.isFinite ? String(format: "%.4f", v) : String(format: "%.4e", v)
            return " - \(key): \(text)"
        }.joined()
    }

    /// `7s`, `1:05`, `1:02:03` as Keras writes durations.
    public static func duration(_ seconds: Double) -> String {
        guard seconds.isFinite else { return "?" }
        let s = Int(seconds.rounded())
        if s >= 3600 { return String(format: "%d:%02d:%02d", s / 3600, (s % 3600) / 60, s % 60) }
        if s >= 60 { return String(format: "%d:%02d", s / 60, s % 60) }
        return "\(s)s"
    }

    static func perStep(_ seconds: Double) -> String {
        if seconds >= 1 { return String(format: "%.0fs/step", seconds) }
        if seconds >= 1e-3 { return String(format: "%.0fms/step", seconds * 1e3) }
        return String(format: "%.0fus/step", seconds * 1e6)
    }

    static func seconds(_ d: Duration) -> Double {
        let c = d.components
        return Double(c.seconds) + Double(c.attoseconds) * 1e-18
    }
}
