import Foundation

/// The two request conventions `heed serve` answers: TF Serving / KServe V1 REST
/// (`instances` → `predictions`) and KServe V2, the Open Inference Protocol (`inputs` →
/// `outputs`). Both read one text per example, or a text and its pair for pair models.
enum Conventions {
    // MARK: - V1: TF Serving / KServe V1

    /// The texts of a V1 body: `{"instances": ["text", ...]}`, or for pair models
    /// `{"instances": [{"text": "...", "pair": "..."}, ...]}` (text models also take `{"text": ...}`).
    ///
    /// - Returns: one array of texts per model input.
    /// - Throws: ``ServeError/badRequest(_:)`` naming the field that is missing or of the wrong type.
    static func v1Texts(_ body: JSONValue, model: ServedModel, maxTexts: Int) throws -> [[String]] {
        guard case let .object(fields) = body else {
            throw ServeError.badRequest("the body must be a JSON object with \"instances\", got \(body.typeName)")
        }
        guard let instancesValue = fields["instances"] else {
            let others = fields.keys.sorted().map { "\"\($0)\"" }.joined(separator: ", ")
            throw ServeError.badRequest(
                "the body has no \"instances\" field\(others.isEmpty ? "" : " (it has \(others))")")
        }
        guard case let .array(instances) = instancesValue else {
            throw ServeError.badRequest("\"instances\" must be an array, got \(instancesValue.typeName)")
        }
        try checkCount(instances.count, field: "instances", maxTexts: maxTexts)
        var columns = Array(repeating: [String](), count: model.inputNames.count)
        for (i, instance) in instances.enumerated() {
            switch instance {
            case let .string(text) where !model.isPair:
                columns[0].append(text)
            case let .object(example):
                for (c, input) in model.inputNames.enumerated() {
                    guard let value = example[input] else {
                        throw ServeError.badRequest("instances[\(i)] has no \"\(input)\" field")
                    }
                    guard case let .string(text) = value else {
                        throw ServeError.badRequest("instances[\(i)].\(input) must be a string, got \(value.typeName)")
                    }
                    columns[c].append(text)
                }
            default:
                let expected = model.isPair ? "an object with \"text\" and \"pair\" strings" : "a string"
                throw ServeError.badRequest("instances[\(i)] must be \(expected), got \(instance.typeName)")
            }
        }
        return columns
    }

    /// `{"predictions": [{"label": ..., "probabilities": {class: p, ...}}, ...]}`.
    static func v1Response(_ rows: [[Double]], model: ServedModel) -> ResponseJSON {
        .object([("predictions", .array(rows.map { row in
            .object([
                ("label", .string(model.classes[ServedModel.best(row)])),
                ("probabilities", .object(zip(model.classes, row).map { ($0, .probability($1)) })),
            ])
        }))])
    }

    /// The texts' labels in V1 error messages: `instances[3]` or `instances[3].pair`.
    static func v1Label(model: ServedModel) -> (Int, Int) -> String {
        { column, index in model.isPair ? "instances[\(index)].\(model.inputNames[column])" : "instances[\(index)]" }
    }

    // MARK: - V2: KServe / Open Inference Protocol

    /// A V2 inference request: its optional `id` and one array of texts per model input.
    struct V2Request {
        var id: String?
        var columns: [[String]]
    }

    /// Reads `{"id": ..., "inputs": [{"name": "text", "shape": [N], "datatype": "BYTES", "data": [...]}]}`
    /// (pair models: inputs `text` and `pair` of one length). `data` may be flat or nested by `shape`.
    ///
    /// - Throws: ``ServeError/badRequest(_:)`` naming the input and field.
    static func v2Request(_ body: JSONValue, model: ServedModel, maxTexts: Int) throws -> V2Request {
        guard case let .object(fields) = body else {
            throw ServeError.badRequest("the body must be a JSON object with \"inputs\", got \(body.typeName)")
        }
        var id: String?
        if let idValue = fields["id"] {
            guard case let .string(value) = idValue else {
                throw ServeError.badRequest("\"id\" must be a string, got \(idValue.typeName)")
            }
            id = value
        }
        guard let inputsValue = fields["inputs"] else { throw ServeError.badRequest("the body has no \"inputs\" field") }
        guard case let .array(inputs) = inputsValue else {
            throw ServeError.badRequest("\"inputs\" must be an array, got \(inputsValue.typeName)")
        }
        var byName: [String: [String]] = [:]
        for (i, input) in inputs.enumerated() {
            guard case let .object(tensor) = input else {
                throw ServeError.badRequest("inputs[\(i)] must be an object, got \(input.typeName)")
            }
            guard case let .string(name)? = tensor["name"] else {
                throw ServeError.badRequest("inputs[\(i)] needs a string \"name\"")
            }
            guard model.inputNames.contains(name) else {
                throw ServeError.badRequest("inputs[\(i)]: model \"\(model.name)\" has no input \"\(name)\" "
                    + "(its inputs: \(model.inputNames.map { "\"\($0)\"" }.joined(separator: ", ")))")
            }
            guard byName[name] == nil else { throw ServeError.badRequest("input \"\(name)\" is given twice") }
            guard case let .string(datatype)? = tensor["datatype"] else {
                throw ServeError.badRequest("input \"\(name)\" needs a string \"datatype\" (\"BYTES\")")
            }
            guard datatype == "BYTES" else {
                throw ServeError.badRequest("input \"\(name)\" has datatype \"\(datatype)\"; texts are \"BYTES\"")
            }
            guard case let .array(shapeValues)? = tensor["shape"],
                  let shape = try? shapeValues.map({ value -> Int in
                      guard case let .number(n) = value, n >= 0, n == n.rounded(), n < 1e9 else { throw ServeError.badRequest("") }
                      return Int(n)
                  }), !shape.isEmpty
            else {
                throw ServeError.badRequest("input \"\(name)\" needs \"shape\": an array of non-negative integers, such as [N]")
            }
            guard shape.count == 1 || (shape.count == 2 && shape[1] == 1) else {
                throw ServeError.badRequest("input \"\(name)\" has shape \(shape); texts take shape [N] or [N, 1]")
            }
            guard let data = tensor["data"] else { throw ServeError.badRequest("input \"\(name)\" has no \"data\"") }
            var texts: [String] = []
            try flatten(data, into: &texts, name: name)
            guard texts.count == shape[0] else {
                throw ServeError.badRequest("input \"\(name)\" has \(texts.count) texts in \"data\" but shape \(shape)")
            }
            byName[name] = texts
        }
        var columns: [[String]] = []
        for name in model.inputNames {
            guard let texts = byName[name] else {
                throw ServeError.badRequest("the request has no input \"\(name)\" (model \"\(model.name)\" reads "
                    + "\(model.inputNames.map { "\"\($0)\"" }.joined(separator: " and ")))")
            }
            if let first = columns.first, first.count != texts.count {
                throw ServeError.badRequest("inputs \"text\" and \"\(name)\" differ in length (\(first.count) and \(texts.count))")
            }
            columns.append(texts)
        }
        try checkCount(columns[0].count, field: "input \"text\"", maxTexts: maxTexts)
        return V2Request(id: id, columns: columns)
    }

    private static func flatten(_ value: JSONValue, into texts: inout [String], name: String) throws {
        switch value {
        case let .string(text): texts.append(text)
        case let .array(items): for item in items { try flatten(item, into: &texts, name: name) }
        default:
            throw ServeError.badRequest("input \"\(name)\": \"data\" must hold strings (BYTES), got \(value.typeName)")
        }
    }

    /// `{"model_name": ..., "id": ..., "outputs": [probabilities FP32 [N, C], label BYTES [N]]}`.
    static func v2Response(_ rows: [[Double]], model: ServedModel, id: String?) -> ResponseJSON {
        var fields: [(String, ResponseJSON)] = [("model_name", .string(model.name))]
        if let id { fields.append(("id", .string(id))) }
        fields.append(("outputs", .array([
            .object([
                ("name", .string("probabilities")), ("shape", .array([.integer(rows.count), .integer(model.classes.count)])),
                ("datatype", .string("FP32")), ("data", .array(rows.flatMap { $0.map(ResponseJSON.probability) })),
            ]),
            .object([
                ("name", .string("label")), ("shape", .array([.integer(rows.count)])), ("datatype", .string("BYTES")),
                ("data", .array(rows.map { .string(model.classes[ServedModel.best($0)]) })),
            ]),
        ])))
        return .object(fields)
    }

    /// The texts' labels in V2 error messages: `input "text" [3]`.
    static func v2Label(model: ServedModel) -> (Int, Int) -> String {
        { column, index in "input \"\(model.inputNames[column])\" [\(index)]" }
    }

    /// `GET /v2/models/{name}`: name, platform, inputs, outputs and classes.
    static func v2Metadata(_ model: ServedModel) -> ResponseJSON {
        .object([
            ("name", .string(model.name)),
            ("versions", .array([])),
            ("platform", .string("heed")),
            ("inputs", .array(model.inputNames.map { input in
                .object([("name", .string(input)), ("datatype", .string("BYTES")), ("shape", .array([.integer(-1)]))])
            })),
            ("outputs", .array([
                .object([("name", .string("probabilities")), ("datatype", .string("FP32")),
                         ("shape", .array([.integer(-1), .integer(model.classes.count)]))]),
                .object([("name", .string("label")), ("datatype", .string("BYTES")), ("shape", .array([.integer(-1)]))]),
            ])),
            ("classes", .array(model.classes.map(ResponseJSON.string))),
            ("parameters", .object([("architecture", .string(model.kind))])),
        ])
    }

    private static func checkCount(_ count: Int, field: String, maxTexts: Int) throws {
        if count == 0 { throw ServeError.badRequest("\(field) is empty: send at least one text") }
        if count > maxTexts {
            throw ServeError.badRequest("\(field) holds \(count) texts, more than the limit of \(maxTexts) per request "
                + "(--max-texts-per-request)")
        }
    }
}
