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
            name: "Heed",
            dependencies: ["CBLAS"],
            path: "Sources/Heed"
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
    ],
    swiftLanguageModes: [.v6]
)
