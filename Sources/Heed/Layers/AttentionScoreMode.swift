/// How ``Attention`` scores a query against a key, with Keras' names.
public enum AttentionScoreMode: String, Sendable, CaseIterable, Codable {
    /// `S[b,i,j] = Σ_d q[b,i,d]·k[b,j,d]` (times `scale` when used); no `1/√d` factor.
    case dot
    /// `S[b,i,j] = w · Σ_d tanh(scale · (q[b,i,d] + k[b,j,d]))` with the learnt scalar
    /// `concat_score_weight` as `w` (and `scale` only when used).
    case concat

    /// Parses a Keras `score_mode` value; `nil` means `dot`.
    ///
    /// - Throws: ``TensorError/invalidArgument(operation:message:)`` for an unknown name.
    public init(kerasName: String?) throws {
        guard let kerasName else { self = .dot; return }
        guard let value = AttentionScoreMode(rawValue: kerasName) else {
            throw TensorError.invalidArgument(
                operation: "Attention",
                message: "unknown score mode '\(kerasName)'; expected one of \(AttentionScoreMode.allCases.map(\.rawValue))")
        }
        self = value
    }
}
