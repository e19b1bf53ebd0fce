/// Weight initializers with Keras' names and formulas, drawing from a ``SeededGenerator``.
public enum Initializer: Sendable, Equatable {
    /// All zeros (Keras `zeros`, the default for biases).
    case zeros
    /// All ones (Keras `ones`, LayerNormalization's gamma, Attention's scalars).
    case ones
    /// U(low, high) (Keras `RandomUniform`; Embedding's default is U(−0.05, 0.05)).
    case uniform(low: Double, high: Double)
    /// N(0, stddev²) (Keras `RandomNormal`).
    case normal(stddev: Double)
    /// U(−l, l) with `l = sqrt(6 / (fanIn + fanOut))` (Keras `glorot_uniform`).
    case glorotUniform

    /// Keras' Embedding default, `uniform` = U(−0.05, 0.05).
    public static let embeddingUniform = Initializer.uniform(low: -0.05, high: 0.05)

    /// tf-keras' fan rule: rank 2 `[in, out]`; rank ≥ 3 multiplies both by the product of the
    /// leading axes (a receptive field), e.g. Conv1D `[k, Cin, F]` → `(k·Cin, k·F)`.
    public static func fans(_ shape: [Int]) -> (fanIn: Int, fanOut: Int) {
        switch shape.count {
        case 0: return (1, 1)
        case 1: return (shape[0], shape[0])
        case 2: return (shape[0], shape[1])
        default:
            let receptive = shape.dropLast(2).reduce(1, *)
            return (shape[shape.count - 2] * receptive, shape[shape.count - 1] * receptive)
        }
    }

    /// A tensor of `shape` drawn from this initializer.
    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func make<Scalar: TensorScalar>(_ shape: [Int], generator: inout SeededGenerator) -> Tensor<Scalar> {
        switch self {
        case .zeros: return .zeros(shape)
        case .ones: return .ones(shape)
        case let .uniform(low, high):
            return .randomUniform(shape, low: Scalar(low), high: Scalar(high), generator: &generator)
        case let .normal(stddev):
            return .randomNormal(shape, standardDeviation: Scalar(stddev), generator: &generator)
        case .glorotUniform:
            let (fanIn, fanOut) = Initializer.fans(shape)
            let limit = (6.0 / Double(fanIn + fanOut)).squareRoot()
            return .randomUniform(shape, low: Scalar(-limit), high: Scalar(limit), generator: &generator)
        }
    }
}
