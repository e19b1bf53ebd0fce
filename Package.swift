// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "Heed",
    platforms: [.macOS(.v14)],
    products: [
        .library(name: "Heed", targets: ["Heed"]),
        .library(name: "HeedText", targets: ["HeedText"]),
    ],
    targets: [
        .systemLibrary(
            name: "CBLAS",
            path: "Sources/CBLAS",
            pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev"])]
        ),
        .target(
            name: "Heed",
            dependencies: ["CBLAS"],
            path: "Sources/Heed"
        ),
        .target(
            name: "HeedText",
            dependencies: ["Heed"],
            path: "Sources/HeedText"
        ),
        .executableTarget(
            name: "bench-text",
            dependencies: ["HeedText"],
            path: "Benchmarks/bench-text"
        ),
        .executableTarget(
            name: "bench-matmul",
            dependencies: ["Heed", "CBLAS"],
            path: "Benchmarks/bench-matmul"
        ),
        .testTarget(
            name: "HeedTests",
            dependencies: ["Heed", "CBLAS"],
            path: "Tests/HeedTests"
        ),
        .testTarget(
            name: "HeedTextTests",
            dependencies: ["HeedText", "Heed"],
            path: "Tests/HeedTextTests"
        ),
    ],
    swiftLanguageModes: [.v6]
)
