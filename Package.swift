// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "Heed",
    platforms: [.macOS(.v14)],
    products: [
        .library(name: "Heed", targets: ["Heed"]),
    ],
    targets: [
        .systemLibrary(
            name: "CBLAS",
            path: "Sources/CBLAS",
            pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev"])]
        ),
        .target(
            name: "CHeedSupport",
            path: "Sources/CHeedSupport"
        ),
        .target(
            name: "Heed",
            dependencies: ["CBLAS", "CHeedSupport"],
            path: "Sources/Heed"
        ),
        .executableTarget(
            name: "bench-matmul",
            dependencies: ["Heed", "CBLAS"],
            path: "Benchmarks/bench-matmul"
        ),
        .target(
            name: "CBenchSupport",
            path: "Benchmarks/CBenchSupport"
        ),
        .executableTarget(
            name: "bench-attention",
            dependencies: ["Heed", "CBLAS", "CBenchSupport"],
            path: "Benchmarks/bench-attention"
        ),
        .testTarget(
            name: "HeedTests",
            dependencies: ["Heed", "CBLAS", "CHeedSupport"],
            path: "Tests/HeedTests"
        ),
    ],
    swiftLanguageModes: [.v6]
)
