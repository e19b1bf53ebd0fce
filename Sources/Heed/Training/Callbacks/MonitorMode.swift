/// Whether a monitored quantity improves by going down or up.
public enum MonitorMode: Sendable {
    /// Down for losses and errors, up for `accuracy`, `auc`, `f1`, `precision`, `recall`.
    case auto
    /// Lower is better.
    case min
    /// Higher is better.
    case max

    /// Whether higher is better for `monitor`.
    func higherIsBetter(for monitor: String) -> Bool {
        switch self {
        case .min: return false
        case .max: return true
        case .auto:
            return ["acc", "auc", "f1", "precision", "recall"].contains { monitor.contains($0) }
        }
    }
}
