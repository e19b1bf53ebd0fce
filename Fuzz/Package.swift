// swift-tools-version:6.0
// libFuzzer targets for Heed's parsers. Built only by `make fuzz`, with
// `-sanitize=fuzzer,address -parse-as-library`; the main package and `make test` never see
// these targets. SwiftPM links an executable's entry point as `<module>_main`, so each target
// defines that function and hands control to libFuzzer's driver.
import PackageDescription

let package = Package(
    name: "HeedFuzz",
    platforms: [.macOS(.v14)],
    dependencies: [.package(name: "Heed", path: "..")],
    targets: [
        .systemLibrary(name: "CLibFuzzer", path: "CLibFuzzer"),
        .executableTarget(
            name: "fuzz-delimited",
            dependencies: ["CLibFuzzer", .product(name: "HeedText", package: "Heed")],
            path: "fuzz-delimited"
        ),
        .executableTarget(
            name: "fuzz-safetensors",
            dependencies: ["CLibFuzzer", .product(name: "Heed", package: "Heed")],
            path: "fuzz-safetensors"
        ),
    ],
    swiftLanguageModes: [.v6]
)
