// swift-tools-version:6.0
// Data-parallel training for Heed across processes on MPI (Open MPI).
//
// A package of its own so that building, testing and using Heed never needs MPI: only
// `swift build` inside this folder links `libmpi`.
import PackageDescription

let package = Package(
    name: "HeedDistributed",
    platforms: [.macOS(.v14)],
    products: [
        .library(name: "HeedDistributed", targets: ["HeedDistributed"]),
        .executable(name: "heed-mpi-train", targets: ["heed-mpi-train"]),
    ],
    dependencies: [
        .package(name: "Heed", path: ".."),
    ],
    targets: [
        .systemLibrary(
            name: "CMPI",
            path: "Sources/CMPI",
            pkgConfig: "ompi",
            providers: [.apt(["libopenmpi-dev"])]
        ),
        .target(
            name: "HeedDistributed",
            dependencies: ["CMPI", .product(name: "Heed", package: "Heed")],
            path: "Sources/HeedDistributed"
        ),
        .executableTarget(
            name: "heed-mpi-train",
            dependencies: ["HeedDistributed", .product(name: "Heed", package: "Heed")],
            path: "Sources/heed-mpi-train"
        ),
        .testTarget(
            name: "HeedDistributedTests",
            dependencies: ["HeedDistributed", .product(name: "Heed", package: "Heed")],
            path: "Tests/HeedDistributedTests"
        ),
    ],
    swiftLanguageModes: [.v6]
)
