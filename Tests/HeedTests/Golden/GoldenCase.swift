import Foundation
@testable import Heed

/// One tensor record of a golden file.
struct GoldenTensor: Decodable {
    let name: String, dtype: String, shape: [Int]
    let path: String?, trainable: Bool?
    let floats: [Float]?, ints: [Int32]?, bools: [Bool]?

    enum CodingKeys: String, CodingKey { case name, dtype, shape, path, trainable, data }

    init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(String.self, forKey: .name)
        dtype = try c.decode(String.self, forKey: .dtype)
        shape = try c.decode([Int].self, forKey: .shape)
        path = try c.decodeIfPresent(String.self, forKey: .path)
        trainable = try c.decodeIfPresent(Bool.self, forKey: .trainable)
        floats = dtype == "float32" ? try c.decode([Float].self, forKey: .data) : nil
        ints = dtype == "int32" ? try c.decode([Int32].self, forKey: .data) : nil
        bools = dtype == "bool" ? try c.decode([Bool].self, forKey: .data) : nil
    }

    func tensor() throws -> Tensor<Float> {
        guard let floats else { throw GoldenError.unsupported("\(name) is \(dtype), not float32") }
        return try Tensor(shape: shape, scalars: floats)
    }

    func intTensor() throws -> IntTensor {
        if let ints { return try IntTensor(shape: shape, scalars: ints) }
        if let floats { return try IntTensor(shape: shape, scalars: floats.map { Int32($0) }) }
        throw GoldenError.unsupported("\(name) is \(dtype), not int32")
    }

    func mask() throws -> Mask {
        guard let bools else { throw GoldenError.unsupported("\(name) is \(dtype), not bool") }
        return try Mask(shape: shape, values: bools)
    }
}

enum GoldenError: Error, CustomStringConvertible {
    case unsupported(String)
    case missing(String)
    var description: String {
        switch self {
        case let .unsupported(s): return "unsupported: \(s)"
        case let .missing(s): return "missing: \(s)"
        }
    }
}

struct GoldenGrads: Decodable {
    let inputs: [GoldenTensor]?
    let weights: [GoldenTensor]
}

/// A `"kind": "layer"` case.
struct GoldenLayerCase: Decodable {
    let `case`: String
    let layer: String
    let layer_args: JSONValue
    let keras_config: JSONValue
    let call_args: JSONValue
    let inputs: [GoldenTensor]
    let weights: [GoldenTensor]
    let outputs: [GoldenTensor]
    let R: [GoldenTensor]
    let L: Float
    let grads: GoldenGrads
    let output_masks: [GoldenTensor]?
    let derived: [GoldenTensor]?

    /// The input record with this name.
    func input(_ name: String) throws -> GoldenTensor {
        guard let t = inputs.first(where: { $0.name == name }) else { throw GoldenError.missing("input \(name)") }
        return t
    }

    /// The derived record with this name (e.g. `dropout_keep_mask`).
    func derivedTensor(_ name: String) throws -> GoldenTensor {
        guard let t = derived?.first(where: { $0.name == name }) else { throw GoldenError.missing("derived \(name)") }
        return t
    }
}

/// What a layer runner computed for a case: the outputs by name, their Keras masks, and the
/// gradients of `L = Σ outputs ⊙ R` for the float inputs (by name) and weights (by path).
struct GoldenLayerResult {
    var outputs: [String: Tensor<Float>] = [:]
    var outputMasks: [String: Mask] = [:]
    var inputGrads: [String: Tensor<Float>] = [:]
    var weightGrads: [String: Tensor<Float>] = [:]
    var L: Float = 0
}

/// A `"kind": "model"` case.
struct GoldenModelCase: Decodable {
    struct Adam: Decodable {
        let optimizer: String
        let config: JSONValue
        let step: Int
        let weights_after: [GoldenTensor]
    }
    struct LossFn: Decodable {
        let `class`: String
        let from_logits: Bool?
        let reduction: String?
    }
    struct GradsW: Decodable { let weights: [GoldenTensor] }
    let `case`: String
    let model: JSONValue
    let loss_fn: LossFn
    let inputs: [GoldenTensor]
    let labels: GoldenTensor
    let weights: [GoldenTensor]
    let outputs: [GoldenTensor]
    let intermediates: [GoldenTensor]?
    let intermediate_masks: [GoldenTensor]?
    let loss: Float
    let grads: GradsW
    let adam: Adam?
}

/// What a model runner computed: prediction, named intermediates, loss, weight gradients by full
/// name, and (when the case has `adam`) the weights after one Adam step by full name.
struct GoldenModelResult {
    var outputs: [String: Tensor<Float>] = [:]
    var intermediates: [String: Tensor<Float>] = [:]
    var intermediateMasks: [String: Mask] = [:]
    var loss: Float = 0
    var weightGrads: [String: Tensor<Float>] = [:]
    var adamWeightsAfter: [String: Tensor<Float>] = [:]
}

extension GoldenLayerResult {
    /// Fills `L` and the gradients by back-propagating `Σ outputs[k] ⊙ R[k]` from the named
    /// outputs, for the given leaf inputs and the layer's parameters.
    mutating func backward<Model: Layer>(
        from outputs: [String: Tensor<Float>], case c: GoldenLayerCase,
        inputs: [String: Tensor<Float>], layer: Model
    ) throws where Model.Scalar == Float {
        var total: Tensor<Float>? = nil
        for r in c.R {
            guard let out = outputs[r.name] else { throw GoldenError.missing("output \(r.name)") }
            let term = try (out * r.tensor()).sum()
            total = try total.map { try $0 + term } ?? term
        }
        for (name, out) in outputs { self.outputs[name] = out.detached }
        guard let total else { return }
        L = total.scalar
        total.backward()
        for (name, t) in inputs { inputGrads[name] = t.grad ?? .zeros(t.shape) }
        for p in layer.parameters { weightGrads[p.path] = p.grad ?? .zeros(p.shape) }
    }
}
