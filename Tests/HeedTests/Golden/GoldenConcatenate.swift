@testable import Heed

/// Runs `Concatenate` cases on the named inputs, with their masks when the call lists them.
enum GoldenConcatenate {
    static func run(_ c: GoldenLayerCase) throws -> GoldenLayerResult {
        let layer = Concatenate<Float>(axis: c.kerasArgument("axis").int ?? -1, name: c.kerasLayerName(default: "concatenate"))
        let leaves = try c.floatInputLeaves()
        let names = try c.callInputNames()
        let maskRefs = c.call_args["mask"].array ?? names.map { _ in JSONValue.null }
        guard maskRefs.count == names.count else { throw GoldenError.unsupported("\(maskRefs.count) masks for \(names.count) inputs") }
        let inputs = try zip(names, maskRefs).map { name, maskRef in
            MaskedTensor(try c.floatLeaf(leaves, named: name), mask: try c.maskInput(maskRef))
        }
        let out = try layer(inputs)
        var result = GoldenLayerResult()
        if let mask = out.mask, let name = c.output_masks?.first?.name { result.outputMasks[name] = mask }
        try result.backward(from: [c.outputs[0].name: out.tensor], case: c, inputs: leaves, layer: layer)
        return result
    }
}
