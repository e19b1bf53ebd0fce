// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "Heed",
    platforms: [.macOS(.v14)],
    products: [
        .library(name: "Heed", targets: ["Heed"]),
        .library(name: "HeedModels", targets: ["HeedModels"]),
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
            name: "HeedModels",
            dependencies: ["Heed"],
            path: "Sources/HeedModels"
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
            name: "HeedModelsTests",
            dependencies: ["HeedModels"],
            path: "Tests/HeedModelsTests"
        ),
    ],
    swiftLanguageModes: [.v6]
)
