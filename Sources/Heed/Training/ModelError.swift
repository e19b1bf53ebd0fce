/// Errors of building, configuring and running a model.
public enum ModelError: Error, Equatable, CustomStringConvertible, Sendable {
    /// Two distinct weights have the same full name.
    case duplicateParameterName(String)
    /// `fit`/`evaluate` was called before `compile`.
    case notCompiled(model: String)
    /// A `Sequential` whose input is not a float tensor has no layer that takes its input.
    case noInputLayer(model: String)
    /// Inputs and targets have different numbers of examples.
    case exampleCountMismatch(inputs: Int, targets: Int)
    /// An argument is out of range; the message says which and why.
    case invalidArgument(String)

    /// A message saying what was wrong and where.
    public var description: String {
        switch self {
        case let .duplicateParameterName(name):
            return "model: two weights are both named '\(name)'; give the layers unique names"
        case let .notCompiled(model):
            return "model '\(model)': call compile(loss:optimizer:metrics:) before fit or evaluate"
        case let .noInputLayer(model):
            return "model '\(model)': the first layer of this Sequential must take its input (add an input layer first)"
        case let .exampleCountMismatch(inputs, targets):
            return "model: \(inputs) input examples but \(targets) targets"
        case let .invalidArgument(message):
            return "model: \(message)"
        }
    }
}
