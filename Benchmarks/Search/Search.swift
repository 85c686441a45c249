// Query latency on the measure corpus (laws2013), per query class.
//
//     swift package --scratch-path .build-bench benchmark --target Search
//
// The index is the one at $KENSAKU_BENCH_INDEX, or else one built once from
// `../shared/corpus/laws2013.main.jsonl.zst` (or $KENSAKU_BENCH_CORPUS) into
// `Benchmarks/.index-laws2013` and reused while it opens (a format or analyzer change makes it
// rebuild). Building is done in the setup hook and is not timed.
//
// The measure queries (`queries-laws.txt`, or $KENSAKU_BENCH_QUERIES) are grouped by their
// section comments into the query classes of the issue: one benchmark per class. **One
// iteration is one query** (the class's queries in turn), answered as `kensaku bench` does:
// in process, warm, exact hit counts, literal matching (the peers' oracle; one class also
// number-aware, as `kensaku search` by default), top 10 — so the
// wall-clock percentiles in the table are per-query latencies. At the end each class prints
// its p50 / p95 / p99 in µs and the process's anonymous resident memory (beyond the mapped index).

import Benchmark
import Foundation
import KensakuCorpus
import KensakuIndex
import KensakuSearch

let sharedCorpus: URL = {
    URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // Search
        .deletingLastPathComponent()  // Benchmarks
        .deletingLastPathComponent()  // repository
        .deletingLastPathComponent()  // beside it
        .appendingPathComponent("shared/corpus")
}()

func environment(_ name: String) -> String? {
    ProcessInfo.processInfo.environment[name].flatMap { $0.isEmpty ? nil : $0 }
}

let corpusPath = environment("KENSAKU_BENCH_CORPUS") ?? sharedCorpus.appendingPathComponent("laws2013.main.jsonl.zst").path
let queriesPath = environment("KENSAKU_BENCH_QUERIES") ?? sharedCorpus.appendingPathComponent("queries-laws.txt").path
let indexPath = environment("KENSAKU_BENCH_INDEX")
    ?? URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent(".index-laws2013").path

/// The query classes: each is a set of sections of the query file, matched literally (as the
/// peers' oracle) unless `exact` is false: "numbers, every written form" runs the number
/// queries as `kensaku search` does by default, where 第二十五条 also finds 第25条.
let classes: [(name: String, sections: [String], exact: Bool)] = [
    ("single word", ["single kanji words", "katakana", "width and case variants", "words that the word breaker splits differently in context"], true),
    ("frequent term", ["very frequent words"], true),
    ("one or two characters", ["one and two characters"], true),
    ("numbers and dates", ["numbers and dates as the laws write them"], true),
    ("numbers, every written form", ["numbers and dates as the laws write them"], false),
    ("AND", ["several terms"], true),
    ("phrase", ["phrases"], true),
    ("no hits", ["no hits expected in laws2013"], true),
]

/// The queries of the file, by section (the comment line above them).
func querySections() throws -> [String: [String]] {
    var sections: [String: [String]] = [:]
    var current = ""
    for raw in try String(contentsOfFile: queriesPath, encoding: .utf8).split(separator: "\n") {
        let line = raw.trimmingCharacters(in: .whitespaces)
        if line.isEmpty { continue }
        if line.hasPrefix("#") {
            current = String(line.dropFirst()).trimmingCharacters(in: .whitespaces)
            continue
        }
        sections[current, default: []].append(line)
    }
    return sections
}

/// The searcher and the state of one class's run (each benchmark runs in a process of its own).
final class Run: @unchecked Sendable {
    nonisolated(unsafe) static var current: Run?

    let searcher: Searcher
    let queries: [String]
    let options: SearchOptions
    private var next = 0
    private var latencies: [Double] = []
    private let residentBefore: Int

    init(searcher: Searcher, queries: [String], exact: Bool, residentBefore: Int) {
        self.searcher = searcher
        self.queries = queries
        self.residentBefore = residentBefore
        var options = SearchOptions()
        options.limit = 10
        options.exact = exact
        self.options = options
    }

    static func prepare(className: String) throws {
        let sections = try querySections()
        let queryClass = classes.first { $0.name == className }!
        let queries = queryClass.sections.flatMap { sections[$0] ?? [] }
        guard !queries.isEmpty else { throw SetupError("no queries for class '\(className)' in \(queriesPath)") }
        let before = residentBytes()
        let searcher = try Searcher(index: openOrBuildIndex())
        let run = Run(searcher: searcher, queries: queries, exact: queryClass.exact, residentBefore: before)
        // One untimed pass, as `kensaku bench --warmup 1`.
        for query in queries { _ = try searcher.search(query, options: run.options) }
        current = run
    }

    func iterate(_ benchmark: Benchmark) {
        let query = queries[next % queries.count]
        next += 1
        let clock = ContinuousClock()
        benchmark.startMeasurement()
        let start = clock.now
        let result = try? searcher.search(query, options: options)
        let elapsed = clock.now - start
        benchmark.stopMeasurement()
        blackHole(result?.total)
        latencies.append(Double(elapsed.components.attoseconds) / 1e12 + Double(elapsed.components.seconds) * 1e6)
    }

    func report(_ name: String) {
        guard !latencies.isEmpty else { return }
        let sorted = latencies.sorted()
        func percentile(_ p: Double) -> Int { Int(sorted[min(sorted.count - 1, Int(p * Double(sorted.count)))].rounded()) }
        let resident = residentBytes() - residentBefore
        print("\(name): \(queries.count) queries, \(sorted.count) runs: p50 \(percentile(0.5)) µs, p95 \(percentile(0.95)) µs, "
              + "p99 \(percentile(0.99)) µs, max \(Int(sorted.last!.rounded())) µs; anonymous resident memory +\(resident >> 20) MB "
              + "since before opening the index (mapped index pages not counted)")
    }
}

struct SetupError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// The benchmark index, built from the corpus when it is missing or does not open.
func openOrBuildIndex() throws -> IndexReader {
    if let reader = try? IndexReader.open(directory: indexPath) { return reader }
    guard FileManager.default.isReadableFile(atPath: corpusPath) else { throw SetupError("corpus not found at \(corpusPath)") }
    print("Search: building the benchmark index from \(corpusPath) into \(indexPath) (once)")
    var source = try CorpusFormat.jsonl.open(path: corpusPath, skipBad: false)
    _ = try IndexBuilder.build(source: &source, corpusName: URL(fileURLWithPath: corpusPath).lastPathComponent,
                               corpusFormat: "jsonl", directory: indexPath)
    return try IndexReader.open(directory: indexPath)
}

/// The process's anonymous resident memory (`RssAnon` in /proc/self/status): its heap and
/// stacks, without the file-backed pages of the mapped index.
func residentBytes() -> Int {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
          let line = status.split(separator: "\n").first(where: { $0.hasPrefix("RssAnon:") }),
          let kilobytes = Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "") else { return 0 }
    return kilobytes << 10
}

let benchmarks: @Sendable () -> Void = {
    guard environment("KENSAKU_BENCH_INDEX") != nil || FileManager.default.isReadableFile(atPath: corpusPath),
          FileManager.default.isReadableFile(atPath: queriesPath) else {
        print("Search benchmarks skipped: corpus or queries not found under \(sharedCorpus.path) "
              + "(set KENSAKU_BENCH_CORPUS or KENSAKU_BENCH_INDEX, and KENSAKU_BENCH_QUERIES).")
        return
    }
    for (name, _, _) in classes {
        let title = "Search: \(name)"
        Benchmark(title, configuration: .init(
            metrics: [.wallClock, .mallocCountTotal, .peakMemoryResident],
            timeUnits: .microseconds,
            warmupIterations: 0,
            maxDuration: .seconds(30),
            maxIterations: 1_000,
            setup: { try Run.prepare(className: name) },
            teardown: { Run.current?.report(title) }
        )) { benchmark in
            Run.current!.iterate(benchmark)
        }
    }
}
