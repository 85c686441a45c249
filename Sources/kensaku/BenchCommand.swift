import ArgumentParser
import Foundation
import KensakuIndex
import KensakuSearch

/// The peers harness's adapter protocol (../shared/peers/README.md): one JSON line a query.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Run a query file and print per-query latencies as JSON lines (the peers harness protocol)."
    )

    @Option(help: "The index directory.")
    var index: String
    @Option(help: "Query file: one query a line; blank lines and lines starting with # are skipped.")
    var queries: String
    @Option(help: "Top-k ids to report.")
    var k: Int = 10
    @Option(help: "Timed passes.")
    var `repeat`: Int = 20
    @Option(help: "Untimed warm-up passes.")
    var warmup: Int = 2
    @Flag(help: "Also list every matching id.")
    var allIds = false
    @Option(help: "Threads one query may use (default: 2 on a machine with two cores or more).")
    var threads: Int?

    func run() throws {
        let lines: [String]
        do {
            lines = try String(contentsOfFile: queries, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
                .map { String($0).trimmingCharacters(in: .whitespaces) }
                .filter { !$0.isEmpty && !$0.hasPrefix("#") }
        } catch {
            warn("kensaku: \(queries): \(error.localizedDescription)")
            throw ExitCode(2)
        }
        let searcher: Searcher
        do { searcher = try Searcher(index: IndexReader.open(directory: index)) } catch {
            warn("kensaku: \(index): \(error)")
            throw ExitCode(2)
        }
        var options = SearchOptions()
        options.limit = k
        // The harness's oracle is literal: no number or era-year equivalences.
        options.exact = true
        try apply(threads: threads, to: &options)
        var latencies = [[Double]](repeating: [], count: lines.count)
        var last = [SearchResult?](repeating: nil, count: lines.count)
        let clock = ContinuousClock()
        for pass in 0..<(warmup + `repeat`) {
            for (q, line) in lines.enumerated() {
                let start = clock.now
                let result = try? searcher.search(line, options: options)
                let elapsed = clock.now - start
                if pass >= warmup {
                    let (s, atto) = elapsed.components
                    latencies[q].append(Double(s) * 1e6 + Double(atto) / 1e12)
                }
                last[q] = result
            }
        }
        for (q, line) in lines.enumerated() {
            var result = last[q]
            if result == nil || allIds {
                var o = options
                o.allIDs = allIds
                result = try? searcher.search(line, options: o)
            }
            var object: [String: Any] = [
                "qid": q, "query": line, "lat_us": latencies[q],
                "hits": result?.total ?? 0, "top": result?.hits.map(\.id) ?? [],
            ]
            if allIds { object["ids"] = result?.allDocs.map { searcher.index.docs.id($0) } ?? [] }
            if result == nil { object["error"] = "query failed" }
            let data = try JSONSerialization.data(withJSONObject: object, options: [.withoutEscapingSlashes])
            print(String(decoding: data, as: UTF8.self))
        }
    }
}
