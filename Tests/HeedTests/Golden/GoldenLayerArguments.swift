@testable import Heed

/// Reading a layer case's constructor arguments, inputs and weights, shared by the layer
/// runners.
extension GoldenLayerCase {
    /// A constructor argument as passed (`layer_args`), else as Keras resolved it
    /// (`keras_config`), else `.null`.
    func kerasArgument(_ key: String) -> JSONValue {
        let passed = layer_args[key]
        return passed.isNull ? keras_config[key] : passed
    }

    /// An integer argument (or a one-element list), or `fallback` when absent.
    func kerasInt(_ key: String, default fallback: Int? = nil) throws -> Int {
        let value = kerasArgument(key)
        if value.isNull, let fallback { return fallback }
        guard let int = value.intOrFirst else { throw GoldenError.unsupported("argument \(key) = \(value) is not an int") }
        return int
    }

    /// A boolean argument, or `fallback` when absent.
    func kerasBool(_ key: String, default fallback: Bool) throws -> Bool {
        let value = kerasArgument(key)
        if value.isNull { return fallback }
        guard let bool = value.bool else { throw GoldenError.unsupported("argument \(key) = \(value) is not a bool") }
        return bool
    }

    /// The layer name Keras used, which prefixes the weight names.
    func kerasLayerName(default fallback: String) -> String {
        kerasArgument("name").string ?? fallback
    }

    /// Every float32 input as a graph leaf, by name.
    func floatInputLeaves() throws -> [String: Tensor<Float>] {
        var leaves: [String: Tensor<Float>] = [:]
        for record in inputs where record.dtype == "float32" {
            leaves[record.name] = try record.tensor().requiringGrad(label: record.name)
        }
        return leaves
    }

    /// The one float input of a single-input layer: the name in `call_args.inputs`, else the
    /// case's only float input.
    func singleFloatLeaf(_ leaves: [String: Tensor<Float>], layer: String) throws -> Tensor<Float> {
        let names = call_args["inputs"].array?.compactMap(\.string) ?? Array(leaves.keys)
        guard names.count == 1, let name = names.first else {
            throw GoldenError.unsupported("\(layer) takes one input, the case passes \(names)")
        }
        return try floatLeaf(leaves, named: name)
    }

    /// The float leaf named by a `call_args` entry.
    func floatLeaf(_ leaves: [String: Tensor<Float>], named name: String) throws -> Tensor<Float> {
        guard let leaf = leaves[name] else { throw GoldenError.missing("float input \(name)") }
        return leaf
    }

    /// Assigns every golden weight to the layer's parameter with the same path, and checks that
    /// the layer has no weight the case lacks.
    func assignGoldenWeights<L: Layer>(to layer: L) throws where L.Scalar == Float {
        for record in weights {
            let path = record.path ?? String(record.name.split(separator: "/", maxSplits: 1).last ?? "")
            guard let parameter = layer.parameter(path: path) else {
                throw GoldenError.missing("layer weight \(path) (layer has \(layer.parameters.map(\.path)))")
            }
            try parameter.assign(record.tensor())
        }
        let golden = Set(weights.map { $0.path ?? $0.name })
        let extra = layer.parameters.map(\.path).filter { !golden.contains($0) }
        guard extra.isEmpty else { throw GoldenError.unsupported("layer has weights \(extra) the case does not set") }
        let order = layer.parameters.map(\.path)
        let goldenOrder = weights.compactMap(\.path)
        guard goldenOrder.isEmpty || order == goldenOrder else {
            throw GoldenError.unsupported("weight order \(order) differs from Keras' \(goldenOrder)")
        }
    }

    /// The name of the first golden output (the layer's main output).
    var mainOutputName: String { outputs.first?.name ?? "output" }
}
