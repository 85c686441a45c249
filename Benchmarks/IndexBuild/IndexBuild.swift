// Index build time, throughput, peak memory and index size on the measure corpus.
//
//     swift package --scratch-path .build-bench benchmark --target IndexBuild
//
// Builds `../shared/corpus/laws2013.main.jsonl.zst` (or $KENSAKU_BENCH_CORPUS; 7,445 laws,
// 340 MB of JSON Lines) into a temporary directory with the default options (both cores,
// 256 MB memory budget), as `kensaku index build` does. One iteration is one whole build, so
// the wall-clock figure is the build time; peak resident memory is the process's. At the end
// it prints MB/s over the corpus bytes and the index size without its document store, as a
// share of the corpus bytes. Two more benchmarks build it with trigrams
// (`kensaku index build --trigrams`: faster long terms) and with n-gram counts
// (`kensaku index build --ngrams`: frequent terms answered from their counts), each larger and
// slower to build.

import Benchmark
import Foundation
import KensakuCorpus
import KensakuIndex

let corpusPath: String = {
    if let path = ProcessInfo.processInfo.environment["KENSAKU_BENCH_CORPUS"], !path.isEmpty { return path }
    return URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // IndexBuild
        .deletingLastPathComponent()  // Benchmarks
        .deletingLastPathComponent()  // repository
        .deletingLastPathComponent()  // beside it
        .appendingPathComponent("shared/corpus/laws2013.main.jsonl.zst").path
}()

/// The uncompressed corpus bytes (what MB/s is over), counted once in setup by streaming it.
nonisolated(unsafe) var corpusBytes: UInt64 = 0
nonisolated(unsafe) var builds: [(variant: Variant, seconds: Double, invert: Double, merge: Double, indexBytes: Int, storeBytes: Int)] = []

/// What an index holds beyond the default.
enum Variant: String, CaseIterable, Sendable {
    case plain = "default"
    case trigrams = "with trigrams"
    case ngrams = "with n-gram counts"
}

func countCorpusBytes() throws -> UInt64 {
    guard corpusPath.hasSuffix(".zst") else {
        return (try FileManager.default.attributesOfItem(atPath: corpusPath)[.size] as? NSNumber)?.uint64Value ?? 0
    }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["zstd", "-dc", corpusPath]
    let output = Pipe()
    process.standardOutput = output
    process.standardError = FileHandle.nullDevice
    try process.run()
    var total: UInt64 = 0
    while let chunk = try output.fileHandleForReading.read(upToCount: 1 << 20), !chunk.isEmpty { total += UInt64(chunk.count) }
    process.waitUntilExit()
    return total
}

func build(_ benchmark: Benchmark, variant: Variant) throws {
    let directory = NSTemporaryDirectory() + "kensaku-bench-build-\(getpid())"
    try? FileManager.default.removeItem(atPath: directory)
    defer { try? FileManager.default.removeItem(atPath: directory) }
    var source = try CorpusFormat.jsonl.open(path: corpusPath, skipBad: false)
    var options = IndexBuildOptions()
    options.trigrams = variant == .trigrams
    if variant == .ngrams { options.ngrams = NgramSettings() }
    benchmark.startMeasurement()
    let report = try IndexBuilder.build(source: &source, corpusName: "laws2013.main.jsonl.zst", corpusFormat: "jsonl", directory: directory,
                                        options: options)
    benchmark.stopMeasurement()
    let files = report.manifest.files
    let store = files.filter { $0.name.hasSuffix(".store") }.reduce(0) { $0 + $1.bytes }
    builds.append((variant, report.seconds, report.invertSeconds, report.mergeSeconds, files.reduce(0) { $0 + $1.bytes }, store))
}

func reportBuilds() {
    for b in builds {
        print(b.variant.rawValue + ":", terminator: " ")
        let mb = Double(corpusBytes) / 1e6
        let withoutStore = b.indexBytes - b.storeBytes
        print(String(format: "IndexBuild: %.1f MB in %.2f s = %.1f MB/s (invert %.2f s, merge %.2f s); index %.1f MB, "
                     + "without the store %.1f MB = %.1f%% of the corpus",
                     mb, b.seconds, mb / b.seconds, b.invert, b.merge, Double(b.indexBytes) / 1e6,
                     Double(withoutStore) / 1e6, 100 * Double(withoutStore) / Double(corpusBytes)))
    }
}

let benchmarks: @Sendable () -> Void = {
    guard FileManager.default.isReadableFile(atPath: corpusPath) else {
        print("IndexBuild benchmark skipped: corpus not found at \(corpusPath) (set KENSAKU_BENCH_CORPUS to its path).")
        return
    }
    for variant in Variant.allCases {
        Benchmark("Index build (laws2013, 2 threads, 256 MB budget\(variant == .plain ? "" : ", " + variant.rawValue))", configuration: .init(
            metrics: [.wallClock, .peakMemoryResident, .mallocCountTotal, .cpuTotal],
            timeUnits: .seconds,
            warmupIterations: 0,
            maxDuration: .seconds(600),
            maxIterations: 3,
            setup: { corpusBytes = try countCorpusBytes() },
            teardown: { reportBuilds(); builds = [] }
        )) { benchmark in
            do { try build(benchmark, variant: variant) } catch { fatalError("build failed: \(error)") }
        }
    }
}
