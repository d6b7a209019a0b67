// swift-tools-version: 6.2
// Soma: the digital half of a hybrid memristor-CMOS spiking neuron, and the tools that drive it.
// The benchmarks are a package of their own under Benchmarks/ so that `make test` does not build
// the benchmark harness.
import Foundation
import PackageDescription

let package = Package(
    name: "Soma",
    products: [
        .library(name: "SomaCore", targets: ["SomaCore"]),
        .library(name: "SomaTesting", targets: ["SomaTesting"]),
        .library(name: "SomaSim", targets: ["SomaSim"]),
        .library(name: "SomaBoardProfile", targets: ["SomaBoardProfile"]),
        .library(name: "SomaLinux", targets: ["SomaLinux"]),
        .library(name: "SomaStore", targets: ["SomaStore"]),
        .library(name: "SomaProtocol", targets: ["SomaProtocol"]),
        .library(name: "SomaHostKit", targets: ["SomaHostKit"]),
        .library(name: "SomaSpice", targets: ["SomaSpice"]),
        .executable(name: "soma", targets: ["soma"]),
        .executable(name: "somad", targets: ["somad"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/x-sheep/swift-property-based.git", from: "2.0.1"),
        .package(url: "https://github.com/LebJe/TOMLKit.git", from: "0.6.0"),
        // The daemon's HTTP API; default traits off (no swift-configuration, no full Foundation).
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1", traits: []),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift.git", from: "0.2.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        // The host's event database (soma logs pull).
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
    ],
    targets: [
        // Board side.
        .target(name: "SomaCore"),
        .target(name: "SomaTesting", dependencies: ["SomaCore"]),
        .target(name: "SomaSim", dependencies: ["SomaCore", "SomaBoardProfile"]),
        .systemLibrary(
            name: "CGPIOD",
            pkgConfig: "libgpiod",
            providers: [.apt(["libgpiod-dev"])]
        ),
        .systemLibrary(
            name: "CI2C",
            providers: [.apt(["libi2c-dev"])]
        ),
        .target(name: "SomaBoardProfile", dependencies: ["SomaCore", .product(name: "TOMLKit", package: "TOMLKit")]),
        .target(name: "SomaLinux", dependencies: ["SomaCore", "SomaBoardProfile", "SomaRuntime", "CGPIOD", "CI2C"]),
        .target(name: "CRealTime"),
        .target(name: "SomaRuntime", dependencies: ["SomaCore", "SomaStore", "CRealTime"]),
        .target(name: "SomaStore"),
        // The SPICE board: the front-end's netlist (Board/hardware) stepped through ngspice's
        // shared library (Debian's libngspice0-dev), host side only: somad never links it, so a
        // board needs nothing new.
        .target(name: "CSpiceLoop", linkerSettings: [.linkedLibrary("ngspice"), .linkedLibrary("pthread")]),
        .target(name: "SomaSpice", dependencies: ["SomaCore", "CSpiceLoop"]),
        // API types shared by the daemon and the host tools (plain Codable values).
        .target(name: "SomaProtocol"),

        .executableTarget(
            name: "somad",
            dependencies: [
                "SomaCore", "SomaBoardProfile", "SomaLinux", "SomaRuntime", "SomaSim", "SomaStore",
                "SomaProtocol",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        // Host side.
        .target(
            name: "SomaHostKit",
            dependencies: [
                "SomaCore", "SomaProtocol", "SomaBoardProfile",
                .product(name: "GRDB", package: "GRDB.swift"), .product(name: "TOMLKit", package: "TOMLKit"),
            ],
            path: "HostTools/SomaHostKit"),
        .executableTarget(
            name: "soma",
            dependencies: [
                "SomaCore", "SomaTesting", "SomaSim", "SomaHostKit", "SomaBoardProfile", "SomaProtocol", "SomaSpice",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "HostTools/soma"
        ),

        // Tests.
        .target(name: "CMallocCounter", path: "Tests/CMallocCounter"),
        .testTarget(
            name: "SomaCoreTests",
            dependencies: [
                "SomaCore", "SomaTesting", "CMallocCounter",
                .product(name: "PropertyBased", package: "swift-property-based"),
            ]
        ),
        .testTarget(name: "SomaLinuxTests", dependencies: ["SomaLinux", "SomaBoardProfile"]),
        .testTarget(name: "SomaStoreTests", dependencies: ["SomaStore"]),
        .testTarget(name: "SomadTests", dependencies: ["SomaCore", "SomaRuntime", "SomaStore", "SomaProtocol", "SomaSim", "SomaBoardProfile", "SomaTesting"]),
        .testTarget(name: "SomaRuntimeTests", dependencies: ["SomaRuntime", "SomaCore", "SomaStore", "SomaTesting", "CMallocCounter", "CRealTime"]),
        .testTarget(name: "SomaBoardProfileTests", dependencies: ["SomaBoardProfile", "SomaCore"], exclude: ["broken"]),
        // Runs inside the real-kernel test VM (Tests/hil/vm.sh, `make test-hil`).
        // GPIO throughput against C libgpiod, run in the test VM by Benchmarks/gpio-vm.sh.
        .executableTarget(name: "soma-gpio-bench", dependencies: ["SomaLinux"], path: "Benchmarks/GPIOBench"),
        // Loop wake-up latency, durable log throughput and event pulls, run by Benchmarks/service.sh.
        .executableTarget(
            name: "soma-service-bench",
            dependencies: [
                "SomaCore", "SomaSim", "SomaBoardProfile", "SomaRuntime", "SomaStore", "SomaProtocol",
                .product(name: "Histogram", package: "hdrhistogram-swift"),
            ],
            path: "Benchmarks/ServiceBench"),
        // Seed 000's full protocol in-process, timed beside Brian2 by Benchmarks/network.sh.
        .executableTarget(
            name: "soma-network-bench", dependencies: ["SomaCore", "SomaSim", "CMallocCounter"],
            path: "Benchmarks/NetworkBench"),
        .executableTarget(
            name: "soma-hil-tool", dependencies: ["SomaCore", "SomaSim", "SomaBoardProfile"],
            path: "Tests/hil/Tool"),
        .testTarget(name: "SomaHILTests", dependencies: ["SomaLinux", "SomaCore", "SomaSim", "SomaBoardProfile", "SomaStore", "SomaRuntime", "SomaProtocol", "CMallocCounter"]),
        .testTarget(name: "SomaSimTests", dependencies: ["SomaSim", "SomaCore", "SomaBoardProfile"]),
        .testTarget(name: "SomaSpiceTests", dependencies: ["SomaSpice", "SomaSim", "SomaCore", "SomaBoardProfile"]),
        .testTarget(
            name: "SomaHostKitTests",
            dependencies: ["SomaHostKit", "SomaCore", "SomaTesting", "SomaProtocol", "SomaBoardProfile", "SomaStore", .product(name: "GRDB", package: "GRDB.swift")]),
    ]
)

// `make test-release` runs the zero-allocation tests in a release build. Building the whole
// package in release (HTTP server, SQLite, NIO) takes over ten minutes on two cores, so with
// SOMA_ALLOCATION_TESTS_ONLY=1 (in its own --scratch-path) the package is cut down to the
// real-time path and the tests of it.
if ProcessInfo.processInfo.environment["SOMA_ALLOCATION_TESTS_ONLY"] == "1" {
    let kept: Set<String> = ["SomaCore", "SomaTesting", "SomaStore", "CRealTime", "SomaRuntime", "CMallocCounter", "SomaCoreTests", "SomaRuntimeTests"]
    package.targets.removeAll { !kept.contains($0.name) }
    package.products.removeAll { !kept.contains($0.name) }
    package.dependencies.removeAll { !($0.url ?? "").contains("swift-property-based") }
}
