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

/// A benchmark suite: `<name>/<name>.swift`, run by the benchmark plugin, using these
/// Kensaku libraries.
func suite(_ name: String, using libraries: [String]) -> Target {
    .executableTarget(
        name: name,
        dependencies: [.product(name: "Benchmark", package: "benchmark")]
            + libraries.map { .product(name: $0, package: "kensaku") },
        path: name,
        plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
    )
}

let package = Package(
    name: "KensakuBenchmarks",
    platforms: [.macOS(.v14)],
    dependencies: [
        .package(name: "kensaku", path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        suite("Analysis", using: ["KensakuAnalysis"]),
        suite("Search", using: ["KensakuSearch", "KensakuIndex", "KensakuCorpus"]),
        suite("IndexBuild", using: ["KensakuIndex", "KensakuCorpus"]),
    ],
    swiftLanguageModes: [.v6]
)
