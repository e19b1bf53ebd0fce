import Heed
import XCTest

/// Central finite differences of a model's loss with respect to a few entries of each named
/// weight, compared with the gradient `backward()` gives (Double, h = 1e-6,
/// tolerance 1e-5 + 1e-3·|numeric|).
func checkModelGradients<Input>(
    _ model: Model<Double, Input>, weights names: [String], entriesPerWeight: Int = 3,
    loss: () throws -> Tensor<Double>, file: StaticString = #filePath, line: UInt = #line
) throws {
    let parameters = Dictionary(try model.namedParameters().map { ($0.name, $0.parameter) }, uniquingKeysWith: { a, _ in a })
    for (_, p) in parameters { p.zeroGrad() }
    let value = try loss()
    value.backward()
    var analytic: [String: [Double]] = [:]
    for name in names {
        guard let p = parameters[name] else { return XCTFail("no weight \(name) in \(parameters.keys.sorted())", file: file, line: line) }
        analytic[name] = (p.grad ?? .zeros(p.shape)).scalars
    }
    let h = 1e-6
    var generator = SeededGenerator(seed: 7)
    for name in names {
        guard let p = parameters[name], let grads = analytic[name] else { continue }
        for _ in 0..<entriesPerWeight {
            let i = generator.nextInt(below: p.value.count)
            let original = p.value.scalars[i]
            p.update { $0[i] = original + h }
            let plus = try withoutGrad { try loss().scalar }
            p.update { $0[i] = original - h }
            let minus = try withoutGrad { try loss().scalar }
            p.update { $0[i] = original }
            let numeric = (plus - minus) / (2 * h)
            XCTAssertEqual(grads[i], numeric, accuracy: 1e-5 + 1e-3 * abs(numeric),
                           "d loss / d \(name)[\(i)]", file: file, line: line)
        }
    }
    for (_, p) in parameters { p.zeroGrad() }
}

/// Token ids `[batch, time]` in `1..<vocab`, with the last `padding` steps of every other row set to 0.
func randomIDs(batch: Int, time: Int, vocab: Int, padding: Int = 0, seed: UInt64) -> IntTensor {
    var g = SeededGenerator(seed: seed)
    var ids: [Int32] = []
    for b in 0..<batch {
        for t in 0..<time {
            ids.append(b % 2 == 1 && t >= time - padding ? 0 : Int32(1 + g.nextInt(below: vocab - 1)))
        }
    }
    return (try? IntTensor(shape: [batch, time], scalars: ids)) ?? IntTensor([])
}
