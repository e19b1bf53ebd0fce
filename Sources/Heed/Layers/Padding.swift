/// How a convolution pads the time axis, with Keras' names and rules.
public enum Padding: String, Sendable, CaseIterable, Codable {
    /// No padding; the output is shorter than the input (Keras `"valid"`).
    case valid
    /// TensorFlow's SAME rule: `ceil(T / stride)` outputs, the padding split with the odd zero
    /// on the right (Keras `"same"`).
    case same
    /// `dilation · (k − 1)` zeros on the left only, so output `t` sees inputs up to `t · stride`
    /// (Keras `"causal"`).
    case causal

    /// Parses a Keras padding name (`"valid"`, `"same"`, `"causal"`, any case).
    ///
    /// - Throws: ``TensorError/invalidArgument(operation:message:)`` for another name.
    public init(kerasName: String) throws {
        guard let value = Padding(rawValue: kerasName.lowercased()) else {
            throw TensorError.invalidArgument(
                operation: "Padding", message: "unknown padding '\(kerasName)'; expected one of \(Padding.allCases.map(\.rawValue))")
        }
        self = value
    }

    /// The zeros added on the left and right of a time axis of `length` steps.
    ///
    /// With `E = dilation · (kernelSize − 1) + 1`: valid `(0, 0)`; causal `(E − 1, 0)`; same
    /// `P = max((ceil(length / stride) − 1) · stride + E − length, 0)` split as
    /// `(P / 2, P − P / 2)`.
    public func amounts(length: Int, kernelSize: Int, stride: Int, dilation: Int) -> (left: Int, right: Int) {
        let effective = dilation * (kernelSize - 1) + 1
        switch self {
        case .valid:
            return (0, 0)
        case .causal:
            return (effective - 1, 0)
        case .same:
            let outLength = (length + stride - 1) / stride
            let total = Swift.max((outLength - 1) * stride + effective - length, 0)
            return (total / 2, total - total / 2)
        }
    }
}
