import Foundation
@testable import Heed

/// Runs a `"kind": "model"` case by interpreting its functional graph (`model.layers` with their
/// `inbound` references) with Heed's layers: every size, option and weight comes from the case.
///
/// Inbound references are an input name, a layer name, or `layer(branch)` for a shared layer
/// applied once per branch (the branch of an input is the first word of its name:
/// `query_tokens` → `query`). Keras masks propagate as Keras propagates them.
enum GoldenModel {
    /// A layer of the graph with the call it needs.
    enum Node {
        case embedding(Embedding<Float>)
        case conv1d(Conv1D<Float>)
        case attention(Attention<Float>, causal: Bool)
        case pooling(GlobalAveragePooling1D<Float>)
        case concatenate(Concatenate<Float>)
        /// Dense built linear, with its Keras activation applied on top (so the logits stay
        /// available to the loss, as Keras' cached logits are).
        case dense(Dense<Float>, activation: Activation)

        var parameters: [Parameter<Float>] {
            switch self {
            case let .embedding(l): return l.parameters
            case let .conv1d(l): return l.parameters
            case let .attention(l, _): return l.parameters
            case let .pooling(l): return l.parameters
            case let .concatenate(l): return l.parameters
            case let .dense(l, _): return l.parameters
            }
        }
    }

    /// The Keras docs' variable names for activations of the CNN+Attention example, mapped to
    /// graph references.
    static let aliases = [
        "query_seq_encoding": "cnn(query)",
        "value_seq_encoding": "cnn(value)",
        "query_value_attention_seq": "attention",
        "query_encoding": "query_pool",
        "query_value_attention": "attention_pool",
    ]

    static func argument(_ args: JSONValue, _ key: String) -> JSONValue { args[key] }

    static func makeNode(_ spec: JSONValue) throws -> Node {
        let args = spec["args"]
        guard let cls = spec["class"].string, let name = spec["name"].string else {
            throw GoldenError.unsupported("layer without class or name: \(spec)")
        }
        switch cls {
        case "Embedding":
            guard let inDim = args["input_dim"].int, let outDim = args["output_dim"].int else {
                throw GoldenError.unsupported("Embedding \(name) without input_dim/output_dim")
            }
            return .embedding(Embedding(inputDim: inDim, outputDim: outDim, maskZero: args["mask_zero"].bool ?? false, name: name))
        case "Conv1D":
            guard let filters = args["filters"].int, let k = args["kernel_size"].intOrFirst else {
                throw GoldenError.unsupported("Conv1D \(name) without filters/kernel_size")
            }
            return .conv1d(try Conv1D(
                filters: filters, kernelSize: k, strides: args["strides"].intOrFirst ?? 1,
                padding: try Padding(kerasName: args["padding"].string ?? "valid"),
                dataFormat: try DataFormat(kerasName: args["data_format"].string ?? "channels_last"),
                dilationRate: args["dilation_rate"].intOrFirst ?? 1, groups: args["groups"].int ?? 1,
                activation: try Activation(kerasName: args["activation"].string),
                useBias: args["use_bias"].bool ?? true, name: name))
        case "Attention":
            return .attention(Attention(useScale: args["use_scale"].bool ?? false,
                                        scoreMode: try AttentionScoreMode(kerasName: args["score_mode"].string),
                                        dropout: args["dropout"].double ?? 0, name: name),
                              causal: spec["call_args"]["use_causal_mask"].bool ?? false)
        case "GlobalAveragePooling1D":
            return .pooling(GlobalAveragePooling1D(
                dataFormat: try DataFormat(kerasName: args["data_format"].string ?? "channels_last"),
                keepDims: args["keepdims"].bool ?? false, name: name))
        case "Concatenate":
            return .concatenate(Concatenate(axis: args["axis"].int ?? -1, name: name))
        case "Dense":
            guard let units = args["units"].int else { throw GoldenError.unsupported("Dense \(name) without units") }
            return .dense(Dense(units: units, useBias: args["use_bias"].bool ?? true, name: name),
                          activation: try Activation(kerasName: args["activation"].string))
        default:
            throw GoldenError.unsupported("layer class \(cls) in a model")
        }
    }

    /// The graph's values: integer inputs by name, float activations by reference.
    struct Values {
        var ids: [String: IntTensor] = [:]
        var floats: [String: MaskedTensor<Float>] = [:]
        /// The logits under a Dense whose activation was applied on top, by reference.
        var logits: [String: Tensor<Float>] = [:]
    }

    /// Splits `layer(branch)` into its parts.
    static func parseReference(_ ref: String) -> (layer: String, branch: String)? {
        guard ref.hasSuffix(")"), let open = ref.firstIndex(of: "(") else { return nil }
        return (String(ref[..<open]), String(ref[ref.index(after: open)..<ref.index(before: ref.endIndex)]))
    }

    static func branch(of ref: String) -> String {
        if let parsed = parseReference(ref) { return parsed.branch }
        return String(ref.split(separator: "_").first ?? Substring(ref))
    }

    static func float(_ ref: String, in values: Values) throws -> MaskedTensor<Float> {
        guard let v = values.floats[ref] else { throw GoldenError.missing("activation \(ref)") }
        return v
    }

    /// Applies one node to resolved inputs.
    static func apply(_ node: Node, inbound: [String], values: Values) throws -> (MaskedTensor<Float>, Tensor<Float>?) {
        switch node {
        case let .embedding(layer):
            guard let ref = inbound.first, let ids = values.ids[ref] else { throw GoldenError.missing("ids for embedding: \(inbound)") }
            return (try layer.masked(ids), nil)
        case let .conv1d(layer):
            return (try layer(try float(inbound[0], in: values)), nil)
        case let .attention(layer, causal):
            let q = try float(inbound[0], in: values)
            let v = try float(inbound[1], in: values)
            let k = inbound.count > 2 ? try float(inbound[2], in: values) : nil
            return (try layer(query: q, value: v, key: k, useCausalMask: causal), nil)
        case let .pooling(layer):
            return (try layer(try float(inbound[0], in: values)), nil)
        case let .concatenate(layer):
            return (try layer(try inbound.map { try float($0, in: values) }), nil)
        case let .dense(layer, activation):
            let x = try float(inbound[0], in: values)
            let logits = try layer(x.tensor)
            return (MaskedTensor(try activation.apply(logits), mask: x.mask), logits)
        }
    }

    /// Runs the graph: returns the values and the reference of the final output.
    static func forward(_ specs: [JSONValue], nodes: [(String, Node)], inputs: [String: IntTensor]) throws -> (Values, String) {
        var values = Values()
        values.ids = inputs
        var last = ""
        for (spec, (name, node)) in zip(specs, nodes) {
            let inbound = spec["inbound"].array?.compactMap(\.string) ?? []
            if spec["shared"].bool ?? false {
                for ref in inbound {
                    let key = "\(name)(\(branch(of: ref)))"
                    let (out, logits) = try apply(node, inbound: [ref], values: values)
                    values.floats[key] = out
                    values.logits[key] = logits
                    last = key
                }
            } else {
                let (out, logits) = try apply(node, inbound: inbound, values: values)
                values.floats[name] = out
                values.logits[name] = logits
                last = name
            }
        }
        return (values, last)
    }

    static func run(_ c: GoldenModelCase) throws -> GoldenModelResult {
        guard let specs = c.model["layers"].array, !specs.isEmpty else { throw GoldenError.unsupported("model without layers") }
        let nodes = try specs.map { ($0["name"].string ?? "", try makeNode($0)) }
        var inputs: [String: IntTensor] = [:]
        for record in c.inputs { inputs[record.name] = try record.intTensor() }

        // Build the lazily created weights with a first pass, then assign the golden ones by name.
        _ = try withoutGrad { try forward(specs, nodes: nodes, inputs: inputs) }
        var named: [(name: String, parameter: Parameter<Float>)] = []
        for (name, node) in nodes {
            for p in node.parameters where !named.contains(where: { $0.parameter === p }) {
                named.append(("\(name)/\(p.path)", p))
            }
        }
        for record in c.weights {
            guard let entry = named.first(where: { $0.name == record.name }) else {
                throw GoldenError.missing("model weight \(record.name) (model has \(named.map(\.name)))")
            }
            try entry.parameter.assign(record.tensor())
        }
        let golden = Set(c.weights.map(\.name))
        let extra = named.map(\.name).filter { !golden.contains($0) }
        guard extra.isEmpty else { throw GoldenError.unsupported("model weights the case lacks: \(extra)") }

        let (values, outputRef) = try forward(specs, nodes: nodes, inputs: inputs)
        var result = GoldenModelResult()
        guard let output = values.floats[outputRef] else { throw GoldenError.missing("model output") }
        for o in c.outputs { result.outputs[o.name] = output.tensor.detached }
        for t in c.intermediates ?? [] {
            if let v = values.floats[t.name] ?? aliases[t.name].flatMap({ values.floats[$0] }) {
                result.intermediates[t.name] = v.tensor.detached
            }
        }
        for m in c.intermediate_masks ?? [] where m.name.hasSuffix("_mask") {
            let ref = String(m.name.dropLast("_mask".count))
            if let mask = (values.floats[ref] ?? aliases[ref].flatMap { values.floats[$0] })?.mask {
                result.intermediateMasks[m.name] = mask
            }
        }

        let loss = try lossValue(c, output: output.tensor, logits: values.logits[outputRef], outputNode: nodes.last?.1)
        result.loss = loss.scalar
        loss.backward()
        for (name, p) in named { result.weightGrads[name] = p.grad ?? .zeros(p.shape) }

        if let adam = c.adam {
            guard adam.optimizer == "Adam" else { throw GoldenError.unsupported("optimizer \(adam.optimizer)") }
            let cfg = adam.config
            let optimizer = Adam<Float>(learningRate: cfg["learning_rate"].double ?? 0.001, beta1: cfg["beta_1"].double ?? 0.9,
                                        beta2: cfg["beta_2"].double ?? 0.999, epsilon: cfg["epsilon"].double ?? 1e-7,
                                        amsgrad: cfg["amsgrad"].bool ?? false)
            for _ in 0..<adam.step { optimizer.apply(to: named) }
            for (name, p) in named { result.adamWeightsAfter[name] = p.value.detached }
        }
        return result
    }

    /// The case's loss, from the logits under a final softmax/sigmoid as Keras computes it.
    static func lossValue(_ c: GoldenModelCase, output: Tensor<Float>, logits: Tensor<Float>?, outputNode: Node?) throws -> Tensor<Float> {
        var finalActivation: Activation = .linear
        if case let .dense(_, activation)? = outputNode { finalActivation = activation }
        let fromLogits = c.loss_fn.from_logits ?? false
        switch c.loss_fn.class {
        case "SparseCategoricalCrossentropy":
            let labels = try c.labels.intTensor()
            if fromLogits { return try Losses.sparseCategoricalCrossentropy(logits: output, labels: labels) }
            if finalActivation == .softmax, let logits { return try Losses.sparseCategoricalCrossentropy(logits: logits, labels: labels) }
            return try Losses.sparseCategoricalCrossentropy(probabilities: output, labels: labels)
        case "BinaryCrossentropy":
            let targets = try c.labels.tensor()
            if fromLogits { return try Losses.binaryCrossentropy(logits: output, targets: targets) }
            if finalActivation == .sigmoid, let logits { return try Losses.binaryCrossentropy(logits: logits, targets: targets) }
            return try Losses.binaryCrossentropy(probabilities: output, targets: targets)
        default:
            throw GoldenError.unsupported("loss \(c.loss_fn.class)")
        }
    }
}
