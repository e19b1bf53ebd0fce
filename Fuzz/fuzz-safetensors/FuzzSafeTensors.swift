import CLibFuzzer
import Heed

/// Parses the input as a safetensors file held in memory and, when it parses, loads it strictly
/// into a small model's weights (with an optimizer) as a checkpoint.
///
/// Every failure must be a typed error with a message; a file that loads must round-trip
/// through ``SafeTensorsFile/encoded()`` to the same contents.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSafeTensors(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    let file: SafeTensorsFile
    do {
        file = try SafeTensorsFile(bytes: bytes)
    } catch let error as SafeTensorsError {
        precondition(!error.description.isEmpty)
        return 0
    } catch {
        fatalError("untyped error \(error)")
    }
    do {
        let again = try SafeTensorsFile(bytes: try file.encoded())
        guard again == file else { fatalError("encoding changes the contents") }
    } catch {
        fatalError("a parsed file does not round-trip: \(error)")
    }
    load(file, Float.self)
    load(file, Double.self)
    for tensor in file.tensors.values {
        _ = tensor.int64Values
        _ = try? tensor.tensor(Float.self)
        _ = try? tensor.tensor(Double.self)
    }
    return 0
}

func load<Scalar: TensorScalar>(_ file: SafeTensorsFile, _: Scalar.Type) {
    let parameters: [(name: String, parameter: Parameter<Scalar>)] = [
        ("dense/kernel", Parameter(path: "kernel", value: .zeros([2, 3]))),
        ("dense/bias", Parameter(path: "bias", value: .zeros([3]))),
        ("s", Parameter(path: "s", value: .zeros([]))),
    ]
    for optimizer in [nil, Adam<Scalar>() as Optimizer<Scalar>?] {
        do {
            try Checkpoint.load(file, into: parameters, optimizer: optimizer)
        } catch let error as CustomStringConvertible & Error {
            precondition(!error.description.isEmpty)
        } catch {
            fatalError("untyped error \(error)")
        }
    }
}

/// The entry point SwiftPM links as `main`: runs libFuzzer on ``fuzzSafeTensors(_:_:)``.
@_cdecl("fuzz_safetensors_main")
public func fuzzSafetensorsMain(
    _ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?
) -> CInt {
    var count = argc
    var arguments = argv
    return LLVMFuzzerRunDriver(&count, &arguments) { fuzzSafeTensors($0, $1) }
}
