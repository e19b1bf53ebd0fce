// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "Heed",
    platforms: [.macOS(.v14)],
    products: [
        .library(name: "Heed", targets: ["Heed"]),
        .library(name: "HeedText", targets: ["HeedText"]),
        .library(name: "HeedModels", targets: ["HeedModels"]),
        .executable(name: "heed", targets: ["heed"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
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
        .target(
            name: "HeedModels",
            dependencies: ["Heed", "HeedText"],
            path: "Sources/HeedModels"
        ),
        .executableTarget(
            name: "heed",
            dependencies: [
                "Heed", "HeedText", "HeedModels",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Sources/heed"
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
            dependencies: ["Heed", "HeedModels", "CBLAS"],
            path: "Tests/HeedTests"
        ),
        .testTarget(
            name: "HeedTextTests",
            dependencies: ["HeedText", "Heed"],
            path: "Tests/HeedTextTests"
        ),
        .testTarget(
            name: "HeedModelsTests",
            dependencies: ["HeedModels", "HeedText", "Heed"],
            path: "Tests/HeedModelsTests"
        ),
        .testTarget(
            name: "HeedCLITests",
            dependencies: ["heed"],
            path: "Tests/HeedCLITests"
        ),
    ],
    swiftLanguageModes: [.v6]
)
