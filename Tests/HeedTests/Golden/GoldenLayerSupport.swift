@testable import Heed

/// Reading a layer case's arguments, inputs and weights, shared by the layer runners.
extension GoldenLayerCase {
    /// A constructor argument: `layer_args[key]`, else the resolved `keras_config[key]`.
    func layerArg(_ key: String) -> JSONValue {
        let given = layer_args[key]
        return given.isNull ? keras_config[key] : given
    }

    /// The layer's name as Keras reports it, or `fallback`.
    func layerName(default fallback: String) -> String {
        keras_config["name"].string ?? fallback
    }

    /// A call argument (`.null` when absent).
    func callArg(_ key: String) -> JSONValue { call_args[key] }

    /// Every float input as a graph leaf, by name (what `grads.inputs` differentiates).
    func floatLeaves() throws -> [String: Tensor<Float>] {
        var leaves: [String: Tensor<Float>] = [:]
        for t in inputs where t.dtype == "float32" {
            leaves[t.name] = try t.tensor().requiringGrad(label: t.name)
        }
        return leaves
    }

    /// The float leaf called `name`.
    func leaf(_ name: String, in leaves: [String: Tensor<Float>]) throws -> Tensor<Float> {
        guard let t = leaves[name] else { throw GoldenError.missing("float input \(name)") }
        return t
    }

    /// The bool input named by `value` (a JSON string), or `nil` for JSON null.
    func optionalMask(_ value: JSONValue) throws -> Mask? {
        if value.isNull { return nil }
        guard let name = value.string else { throw GoldenError.unsupported("mask reference \(value)") }
        return try input(name).mask()
    }

    /// Assigns every golden weight to the layer's parameter with the same path, after checking
    /// that the layer has exactly these weights in Keras' creation order.
    func assignWeights<L: Layer>(to layer: L) throws where L.Scalar == Float {
        let want = weights.map { $0.path ?? $0.name }
        let have = layer.parameters.map(\.path)
        guard want == have else {
            throw GoldenError.unsupported("layer has weights \(have), the case has \(want)")
        }
        for w in weights {
            let path = w.path ?? w.name
            guard let p = layer.parameter(path: path) else { throw GoldenError.missing("weight \(path)") }
            try p.assign(w.tensor())
        }
    }

    /// The recorded dropout keep mask, when the case has one.
    var dropoutKeepMask: Mask? {
        get throws { try derived?.first { $0.name == "dropout_keep_mask" }?.mask() }
    }
}
