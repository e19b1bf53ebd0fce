// swift-tools-version:6.0
import PackageDescription

/// `heed serve`'s HTTP stack is part of the package, built by `swift build` like everything else.
/// `make demo` builds only the `heed` tool with HEED_WITHOUT_SERVER=1, so that a first build from
/// a clean checkout neither fetches nor evaluates the server's packages.
let withServer = Context.environment["HEED_WITHOUT_SERVER"] == nil

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
        // Only for `swift package generate-documentation` (make docs); no target depends on it.
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.4.0"),
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
        .executableTarget(
            name: "bench-memory",
            dependencies: ["Heed"],
            path: "Benchmarks/bench-memory"
        ),
        .executableTarget(
            name: "heed-crash-writer",
            dependencies: ["Heed"],
            path: "Tests/CrashWriter"
        ),
        // Runnable examples: `swift run -c release <name>` (`make examples` runs them all).
        .executableTarget(
            name: "attention-basics",
            dependencies: ["Heed"],
            path: "Examples/attention-basics"
        ),
        .executableTarget(
            name: "keras-attention-model",
            dependencies: ["Heed", "HeedText"],
            path: "Examples/keras-attention-model"
        ),
        .executableTarget(
            name: "cnn-attention-pairs",
            dependencies: ["Heed", "HeedText"],
            path: "Examples/cnn-attention-pairs"
        ),
        .executableTarget(
            name: "transformer-from-scratch",
            dependencies: ["Heed", "HeedModels"],
            path: "Examples/transformer-from-scratch"
        ),
        .executableTarget(
            name: "custom-op",
            dependencies: ["Heed"],
            path: "Examples/custom-op"
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
        .executableTarget(
            name: "bench-train",
            dependencies: ["Heed", "HeedModels"],
            path: "Benchmarks/bench-train"
        ),
        .testTarget(
            name: "HeedTests",
            dependencies: ["Heed", "HeedModels", "CBLAS", "CHeedSupport"],
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

if withServer {
    package.products += [
        .library(name: "HeedServe", targets: ["HeedServe"]),
        .executable(name: "heed-serve", targets: ["heed-serve"]),
    ]
    // The HTTP server only: the Heed, HeedText and HeedModels libraries do not use them.
    package.dependencies += [
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.0.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.0.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.4.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.0.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.60.0"),
    ]
    package.targets += [
        // `heed serve` runs the `heed-serve` executable built beside `heed`.
        .target(
            name: "HeedServe",
            dependencies: [
                "Heed", "HeedText", "HeedModels",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            path: "Sources/HeedServe"
        ),
        .executableTarget(
            name: "heed-serve",
            dependencies: [
                "HeedServe", "Heed",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Sources/heed-serve"
        ),
        .testTarget(
            name: "HeedServeTests",
            dependencies: [
                "HeedServe", "HeedModels", "HeedText", "Heed",
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Tests/HeedServeTests"
        ),
    ]
}
