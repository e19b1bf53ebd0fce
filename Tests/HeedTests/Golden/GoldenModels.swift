import Foundation
@testable import Heed
import HeedModels

/// Runs `"kind": "model"` cases: recognises the architecture from `model.layers`, builds the
/// matching ready model of HeedModels with the case's sizes, assigns the weights by name, and
/// computes the prediction, the named intermediates, the loss from the logits, the weight
/// gradients and, when the case has one, an Adam step.
enum GoldenModels {
    /// One entry of `model.layers`.
    struct LayerSpec {
        let name: String
        let className: String
        let args: JSONValue
        let inbound: [String]
    }

    static func run(_ c: GoldenModelCase) throws -> GoldenModelResult {
        let layers = try specs(c.model)
        let classes = layers.map(\.className)
        switch classes {
        case ["Embedding", "Attention", "GlobalAveragePooling1D", "Dense"]:
            return try runTextClassifier(c, layers)
        case ["Embedding", "Conv1D", "Attention", "GlobalAveragePooling1D", "GlobalAveragePooling1D", "Concatenate", "Dense"]:
            return try runPairClassifier(c, layers)
        default:
            throw GoldenError.unsupported("model architecture \(classes) matches no ready model")
        }
    }

    static func specs(_ model: JSONValue) throws -> [LayerSpec] {
        guard let list = model["layers"].array else { throw GoldenError.missing("model.layers") }
        return try list.map { entry in
            guard let name = entry["name"].string, let className = entry["class"].string else {
                throw GoldenError.missing("name or class in \(entry)")
            }
            return LayerSpec(name: name, className: className, args: entry["args"],
                             inbound: entry["inbound"].array?.compactMap(\.string) ?? [])
        }
    }

    /// Fails unless every argument of `spec` is one the ready model reproduces.
    static func requireArguments(_ spec: LayerSpec, allowed: [String: (JSONValue) -> Bool]) throws {
        for (key, value) in spec.args.object ?? [:] {
            guard let check = allowed[key] else {
                throw GoldenError.unsupported("\(spec.className) '\(spec.name)' argument \(key) = \(value)")
            }
            guard check(value) else {
                throw GoldenError.unsupported("\(spec.className) '\(spec.name)' argument \(key) = \(value) differs from the ready model")
            }
        }
    }

    static func int(_ spec: LayerSpec, _ key: String) throws -> Int {
        guard let value = spec.args[key].intOrFirst else { throw GoldenError.missing("\(spec.name).\(key)") }
        return value
    }

    static let anyInt: @Sendable (JSONValue) -> Bool = { $0.intOrFirst != nil }
    static let anyBool: @Sendable (JSONValue) -> Bool = { $0.bool != nil }

    static func runTextClassifier(_ c: GoldenModelCase, _ layers: [LayerSpec]) throws -> GoldenModelResult {
        let (embedding, attention, pooling, dense) = (layers[0], layers[1], layers[2], layers[3])
        try requireArguments(embedding, allowed: ["input_dim": anyInt, "output_dim": anyInt, "mask_zero": anyBool])
        try requireArguments(attention, allowed: ["use_scale": { $0.bool == false }, "score_mode": { $0.string == "dot" }])
        try requireArguments(pooling, allowed: [:])
        try requireArguments(dense, allowed: ["units": anyInt, "activation": { $0.string == "softmax" }])
        guard attention.inbound == [embedding.name, embedding.name], pooling.inbound == [attention.name],
              dense.inbound == [pooling.name] else {
            throw GoldenError.unsupported("text classifier wiring \(layers.map(\.inbound))")
        }
        let model = try TextClassifier<Float>(
            vocabSize: int(embedding, "input_dim"), embedDim: int(embedding, "output_dim"), numClasses: int(dense, "units"),
            maskZero: embedding.args["mask_zero"].bool ?? false)
        guard model.embedding.name == embedding.name, model.attention.name == attention.name,
              model.pooling.name == pooling.name, model.classifier.name == dense.name else {
            throw GoldenError.unsupported("layer names \(layers.map(\.name))")
        }
        try assign(c, to: model)
        guard let ids = c.inputs.first else { throw GoldenError.missing("tokens input") }
        let trace = try model.trace(ids.intTensor())
        return try finish(c, model: model, trace: trace)
    }

    static func runPairClassifier(_ c: GoldenModelCase, _ layers: [LayerSpec]) throws -> GoldenModelResult {
        let (embedding, cnn, attention, dense) = (layers[0], layers[1], layers[2], layers[6])
        try requireArguments(embedding, allowed: ["input_dim": anyInt, "output_dim": anyInt, "mask_zero": { $0.bool == false }])
        try requireArguments(cnn, allowed: ["filters": anyInt, "kernel_size": anyInt, "padding": { $0.string == "same" }])
        try requireArguments(attention, allowed: ["use_scale": { $0.bool == false }, "score_mode": { $0.string == "dot" }])
        try requireArguments(layers[3], allowed: [:])
        try requireArguments(layers[4], allowed: [:])
        try requireArguments(layers[5], allowed: ["axis": { $0.int == -1 }])
        let units = try int(dense, "units")
        try requireArguments(dense, allowed: ["units": anyInt,
                                              "activation": { $0.string == (units == 1 ? "sigmoid" : "softmax") }])
        let model = try PairClassifier<Float>(
            vocabSize: int(embedding, "input_dim"), embedDim: int(embedding, "output_dim"), filters: int(cnn, "filters"),
            kernelSize: int(cnn, "kernel_size"), numClasses: units == 1 ? 2 : units)
        let ourNames = [model.embedding.name, model.cnn.name, model.attention.name, model.queryPool.name,
                        model.attentionPool.name, model.concat.name, model.outputLayer.name]
        guard ourNames == layers.map(\.name) else {
            throw GoldenError.unsupported("layer names \(layers.map(\.name)), the ready model has \(ourNames)")
        }
        try assign(c, to: model)
        guard c.inputs.count == 2 else { throw GoldenError.missing("query and value token inputs") }
        let trace = try model.trace(InputPair(c.inputs[0].intTensor(), c.inputs[1].intTensor()))
        return try finish(c, model: model, trace: trace)
    }

    /// Assigns every golden weight by full name; the model must have exactly these weights.
    static func assign<Input>(_ c: GoldenModelCase, to model: Model<Float, Input>) throws {
        let parameters = try model.namedParameters()
        let byName = Dictionary(parameters.map { ($0.name, $0.parameter) }, uniquingKeysWith: { a, _ in a })
        for record in c.weights {
            guard let parameter = byName[record.name] else {
                throw GoldenError.missing("weight \(record.name) (model has \(parameters.map(\.name)))")
            }
            try parameter.assign(record.tensor())
        }
        let extra = Set(byName.keys).subtracting(c.weights.map(\.name))
        guard extra.isEmpty else { throw GoldenError.unsupported("model has weights \(extra.sorted()) the case does not set") }
    }

    static func loss(_ c: GoldenModelCase) throws -> Loss {
        let fromLogits = c.loss_fn.from_logits ?? false
        switch c.loss_fn.class {
        case "SparseCategoricalCrossentropy": return .sparseCategoricalCrossentropy(fromLogits: fromLogits)
        case "BinaryCrossentropy": return .binaryCrossentropy(fromLogits: fromLogits)
        case "CategoricalCrossentropy": return .categoricalCrossentropy(fromLogits: fromLogits)
        default: throw GoldenError.unsupported("loss \(c.loss_fn.class)")
        }
    }

    static func finish<Input>(_ c: GoldenModelCase, model: Model<Float, Input>, trace: ForwardTrace<Float>) throws -> GoldenModelResult {
        var result = GoldenModelResult()
        guard let output = c.outputs.first else { throw GoldenError.missing("outputs") }
        result.outputs[output.name] = try model.outputActivation.apply(trace.logits).detached
        for (name, tensor) in trace.activations { result.intermediates[name] = tensor.detached }
        result.intermediateMasks = trace.masks
        let targets: Targets<Float> = c.labels.dtype == "int32" ? .classes(try c.labels.intTensor()) : .values(try c.labels.tensor())
        let lossValue = try loss(c)(trace.logits, targets, outputActivation: model.outputActivation)
        result.loss = lossValue.scalar
        lossValue.backward()
        let parameters = try model.namedParameters()
        for (name, p) in parameters { result.weightGrads[name] = p.grad ?? .zeros(p.shape) }
        if let adam = c.adam {
            guard adam.optimizer == "Adam", adam.step == 1 else { throw GoldenError.unsupported("optimizer \(adam.optimizer) step \(adam.step)") }
            let config = adam.config
            let optimizer = Adam<Float>(
                learningRate: config["learning_rate"].double ?? 0.001, beta1: config["beta_1"].double ?? 0.9,
                beta2: config["beta_2"].double ?? 0.999, epsilon: config["epsilon"].double ?? 1e-7,
                amsgrad: config["amsgrad"].bool ?? false)
            optimizer.apply(to: parameters)
            for (name, p) in parameters { result.adamWeightsAfter[name] = p.value.detached }
        }
        for (_, p) in parameters { p.zeroGrad() }
        return result
    }
}
