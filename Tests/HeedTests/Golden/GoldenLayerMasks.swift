@testable import Heed

/// Reading the masks a layer case's call refers to, shared by the layer runners.
extension GoldenLayerCase {
    /// The bool input named by `reference` (a JSON string), or `nil` for JSON null.
    func maskInput(_ reference: JSONValue) throws -> Mask? {
        if reference.isNull { return nil }
        guard let name = reference.string else { throw GoldenError.unsupported("mask reference \(reference)") }
        return try input(name).mask()
    }

    /// The recorded dropout keep mask (`derived.dropout_keep_mask`), when the case has one.
    func recordedDropoutKeepMask() throws -> Mask? {
        try derived?.first { $0.name == "dropout_keep_mask" }?.mask()
    }

    /// The names of the tensors passed to the layer (`call_args.inputs`).
    func callInputNames() throws -> [String] {
        guard let names = call_args["inputs"].array?.compactMap(\.string), !names.isEmpty else {
            throw GoldenError.missing("call_args.inputs")
        }
        return names
    }
}
