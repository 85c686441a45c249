// swift-tools-version: 6.1
import PackageDescription

// Kensaku's performance benchmarks, a package of their own so that the main package does not
// depend on the benchmark harness. Run from this folder:
//
//     swift package --scratch-path .build-bench benchmark --target Analysis
//     swift package --scratch-path .build-bench benchmark --target Search
//     swift package --scratch-path .build-bench benchmark --target IndexBuild
//
// Each suite is an executable target in `Benchmarks/<Target>/<Target>.swift` (the benchmark
// plugin finds suites by their parent folder being named `Benchmarks`).
let package = Package(
    name: "KensakuBenchmarks",
    platforms: [.macOS(.v14)],
    dependencies: [
        .package(name: "kensaku", path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        .executableTarget(
            name: "Analysis",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "KensakuAnalysis", package: "kensaku"),
            ],
            path: "Analysis",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        .executableTarget(
            name: "Search",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "KensakuSearch", package: "kensaku"),
                .product(name: "KensakuIndex", package: "kensaku"),
                .product(name: "KensakuCorpus", package: "kensaku"),
            ],
            path: "Search",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        .executableTarget(
            name: "IndexBuild",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "KensakuIndex", package: "kensaku"),
                .product(name: "KensakuCorpus", package: "kensaku"),
            ],
            path: "IndexBuild",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
    ],
    swiftLanguageModes: [.v6]
)
