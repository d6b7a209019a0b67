// swift-tools-version: 6.2
// libFuzzer targets for every parser that takes outside input (make fuzz). A package of its own
// because every module, the dependencies too, is built with -sanitize=fuzzer,address.
import Foundation
import PackageDescription

// SwiftPM names a path dependency after its folder, which is wherever the repository was cloned.
let soma = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().lastPathComponent.lowercased()

let package = Package(
    name: "SomaFuzz",
    dependencies: [.package(path: "..")],
    targets: [
        .target(name: "FuzzDriver"),
        .executableTarget(name: "fuzz-patterns", dependencies: ["FuzzDriver", .product(name: "SomaHostKit", package: soma)]),
        .executableTarget(name: "fuzz-board-profile", dependencies: ["FuzzDriver", .product(name: "SomaBoardProfile", package: soma)]),
        .executableTarget(name: "fuzz-run-spec", dependencies: ["FuzzDriver", .product(name: "SomaHostKit", package: soma)]),
        .executableTarget(
            name: "fuzz-api-requests",
            dependencies: ["FuzzDriver", .product(name: "SomaProtocol", package: soma), .product(name: "SomaHostKit", package: soma)]),
        .executableTarget(name: "fuzz-log-segment", dependencies: ["FuzzDriver", .product(name: "SomaStore", package: soma)]),
    ]
)
