/// The activation functions layers accept, with Keras' names.
public enum Activation: String, Sendable, CaseIterable, Codable {
    /// Identity (Keras `None` / `"linear"`).
    case linear
    /// `max(x, 0)`; gradient 0 at 0.
    case relu
    /// Hyperbolic tangent.
    case tanh
    /// Logistic sigmoid.
    case sigmoid
    /// Softmax over the last axis (max-subtracted).
    case softmax
    /// GELU with the exact normal CDF (Keras' default `approximate=False`).
    case gelu

    /// Parses a Keras activation name; `nil` and `"linear"` mean identity.
    ///
    /// - Throws: ``TensorError/invalidArgument(operation:message:)`` for an unknown name.
    public init(kerasName: String?) throws {
        guard let kerasName, kerasName != "None" else { self = .linear; return }
        guard let value = Activation(rawValue: kerasName) else {
            throw TensorError.invalidArgument(
                operation: "Activation", message: "unknown activation '\(kerasName)'; expected one of \(Activation.allCases.map(\.rawValue))")
        }
        self = value
    }

    /// Applies the activation (recording gradients).
    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func apply<Scalar: TensorScalar>(_ x: Tensor<Scalar>) throws -> Tensor<Scalar> {
        switch self {
        case .linear: return x
        case .relu: return x.relu()
        case .tanh: return x.tanh()
        case .sigmoid: return x.sigmoid()
        case .softmax: return try x.softmax(alongAxis: -1)
        case .gelu: return x.gelu()
        }
    }
}
