// swift-tools-version: 6.1
// Soma's benchmarks: a package of their own so that `make test` never builds the benchmark harness.
// Run them with `make bench` from the top of the repository.
import PackageDescription

let package = Package(
    name: "SomaBenchmarks",
    dependencies: [
        .package(name: "Soma", path: ".."),
        // Only the malloc interposer trait: the default set also names a runtime interposer
        // package that is not in the offline package copy.
        .package(url: "https://github.com/ordo-one/benchmark.git", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        .executableTarget(
            name: "CoreTick",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "SomaCore", package: "Soma"),
                .product(name: "SomaTesting", package: "Soma"),
                .product(name: "SomaSim", package: "Soma"),
            ],
            path: "CoreTick",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        )
    ]
)
