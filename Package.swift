// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "kensaku",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "kensaku", targets: ["kensaku"]),
        .library(name: "KensakuAnalysis", targets: ["KensakuAnalysis"]),
        .library(name: "KensakuCorpus", targets: ["KensakuCorpus"]),
        .library(name: "KensakuIndex", targets: ["KensakuIndex"]),
        .library(name: "KensakuSearch", targets: ["KensakuSearch"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // ICU behind opaque handles: Swift never sees an ICU header.
        .target(
            name: "CKensakuICU",
            linkerSettings: [
                .linkedLibrary("icui18n"), .linkedLibrary("icuuc"), .linkedLibrary("icudata"),
            ]
        ),
        // zlib (document store, CRC-32) and zstd (streaming .jsonl.zst) behind plain C types.
        .target(
            name: "CKensakuZ",
            linkerSettings: [.linkedLibrary("z"), .linkedLibrary("zstd")]
        ),
        // ThreadSanitizer annotations for the standard library's Mutex (no-ops otherwise), and a
        // CPU hint for polling loops.
        .target(name: "CKensakuSync"),
        .target(name: "KensakuAnalysis", dependencies: ["CKensakuICU", "CKensakuSync"]),
        .target(name: "KensakuCorpus", dependencies: ["KensakuAnalysis", "CKensakuZ"]),
        .target(name: "KensakuIndex", dependencies: ["KensakuAnalysis", "KensakuCorpus", "CKensakuZ"]),
        .target(name: "KensakuSearch", dependencies: ["KensakuAnalysis", "KensakuIndex", "CKensakuSync"]),
        .executableTarget(
            name: "kensaku",
            dependencies: [
                "KensakuAnalysis", "KensakuCorpus", "KensakuIndex", "KensakuSearch",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(
            name: "kensaku-fuzz",
            dependencies: [
                "KensakuAnalysis", "KensakuCorpus", "KensakuIndex", "KensakuSearch",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // Helpers shared by the test targets (a seeded generator); not a product.
        .target(name: "KensakuTestSupport", path: "Tests/KensakuTestSupport"),
        .testTarget(name: "KensakuAnalysisTests", dependencies: ["KensakuAnalysis", "KensakuTestSupport"]),
        .testTarget(name: "KensakuCorpusTests", dependencies: ["KensakuCorpus", "KensakuTestSupport"]),
        .testTarget(name: "KensakuIndexTests", dependencies: ["KensakuIndex", "KensakuCorpus", "KensakuTestSupport"]),
        .testTarget(name: "KensakuSearchTests", dependencies: ["KensakuSearch", "KensakuIndex", "KensakuCorpus", "KensakuTestSupport"]),
    ],
    swiftLanguageModes: [.v6]
)
