import ArgumentParser
import Foundation
import KensakuIndex
import KensakuSearch

struct SearchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "search",
        abstract: "Search an index (default: the seed report in Index/seed).",
        discussion: """
        Query language: terms separated by spaces (ASCII or 　) must all match; OR between terms;
        -term excludes; "…" is a phrase; field:term searches one field (e.g. ministry:法務省);
        parentheses group. A term matches wherever its normalized text occurs, inside words too.
        Exit status: 0 with hits, 1 with none, 2 on error.
        """
    )

    @Option(help: "The index directory.")
    var index: String?
    @Option(help: "Hits to show.")
    var limit: Int = 10
    @Option(help: "Hits to skip.")
    var offset: Int = 0
    @Flag(help: "Only word-aligned matches (査証 no longer matches 検査証).")
    var words = false
    @Option(parsing: .singleValue, help: "Keep hits whose keyword field has this value, as field=value (repeatable).")
    var filter: [String] = []
    @Option(parsing: .singleValue, help: "Count hits by the values of a keyword field (repeatable).")
    var facet: [String] = []
    @Flag(help: "Literal matching only: 第25条 no longer finds 第二十五条, nor 2011年 平成二十三年.")
    var exact = false
    @Flag(help: "Show how each score was computed.")
    var explain = false
    @Flag(help: "Print JSON.")
    var json = false
    @Option(help: "BM25 k1.")
    var k1: Double = 1.2
    @Option(help: "BM25 b.")
    var b: Double = 0.75
    @Option(help: "Threads one query may use (default: 2 on a machine with two cores or more).")
    var threads: Int?
    @Argument(help: "The query.")
    var query: [String]

    func run() throws {
        let directory = index ?? DefaultIndex.path
        var options = SearchOptions()
        options.limit = max(0, limit)
        options.offset = max(0, offset)
        options.wordsOnly = words
        options.exact = exact
        options.explain = explain
        options.facets = facet
        options.bm25 = BM25(k1: k1, b: b)
        try apply(threads: threads, to: &options)
        for f in filter {
            guard let eq = f.firstIndex(of: "="), eq != f.startIndex else { throw ValidationError("--filter takes field=value, got '\(f)'") }
            options.filters.append((String(f[..<eq]), String(f[f.index(after: eq)...])))
        }
        let text = query.joined(separator: " ")
        let searcher: Searcher
        let result: SearchResult
        let started = Date()
        do {
            searcher = try Searcher(index: IndexReader.open(directory: directory))
            result = try searcher.search(text, options: options)
        } catch let error as SearchError {
            if case .query(let q) = error {
                warn("kensaku: \(q.message)\n  \(text)\n  \(String(repeating: " ", count: max(0, q.column - 1)))^ column \(q.column)")
            } else {
                warn("kensaku: \(error)")
            }
            throw ExitCode(2)
        } catch {
            warn("kensaku: \(directory): \(error)")
            throw ExitCode(2)
        }
        let elapsed = Date().timeIntervalSince(started)
        let manifest = searcher.index.manifest
        let titleField = searcher.index.fieldNumber(manifest.titleField)
        let textFields = manifest.fields.filter { $0.spec.analyzed && $0.number != titleField }
            .sorted { searcher.index.averageLength(field: $0.number) > searcher.index.averageLength(field: $1.number) }.map(\.number)
        struct Shown { var hit: Hit; var title: String; var section: String; var snippet: Snippet }
        var shown: [Shown] = []
        for hit in result.hits {
            // The values as bytes: a snippet makes strings of the part of a long text it reads.
            let stored = try? searcher.index.store.documentBytes(hit.doc)
            func bytes(_ field: Int?) -> [UInt8] { stored?.joined(field: field) ?? [] }
            func value(_ field: Int?) -> String { String(decoding: bytes(field), as: UTF8.self) }
            let title = value(titleField)
            let section = value(searcher.index.fieldNumber("section"))
            // The snippet comes from the first text field with a match, else the first text field.
            var snippet = Snippet(pieces: [], matchCount: 0)
            for field in textFields {
                let s = searcher.snippet(ofUTF8: bytes(field), terms: result.highlightTerms, numbers: !exact)
                if snippet.pieces.isEmpty || (snippet.matchCount == 0 && s.matchCount > 0) { snippet = s }
                if s.matchCount > 0 { break }
            }
            shown.append(Shown(hit: hit, title: title, section: section, snippet: snippet))
        }
        if json {
            var object: [String: Any] = [
                "query": text, "total": result.total, "took_ms": elapsed * 1000,
                "hits": shown.map { s -> [String: Any] in
                    var h: [String: Any] = ["id": s.hit.id, "score": s.hit.score, "title": s.title,
                                            "snippet": s.snippet.render(open: "[", close: "]")]
                    if !s.section.isEmpty { h["section"] = s.section }
                    if explain { h["explanation"] = s.hit.explanation }
                    return h
                },
            ]
            if !result.facets.isEmpty {
                object["facets"] = Dictionary(uniqueKeysWithValues: result.facets.map { f in
                    (f.field, f.counts.map { ["value": $0.value, "count": $0.count] as [String: Any] })
                })
            }
            let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
            print(String(decoding: data, as: UTF8.self))
        } else {
            // Written out once, as one string: `print` casts each of its arguments at run time,
            // and the first casts scan the binary's protocol conformances.
            var out = ""
            let noColor = getenv("NO_COLOR").map { $0.pointee != 0 } ?? false
            let color = isatty(1) == 1 && !noColor
            let (open, close) = color ? ("\u{1B}[1;31m", "\u{1B}[0m") : ("[", "]")
            let bold = color ? "\u{1B}[1m" : ""
            let reset = color ? "\u{1B}[0m" : ""
            out += "\(result.total) hit\(result.total == 1 ? "" : "s") for \(text) (\(String(format: "%.2f", elapsed * 1000)) ms)\n"
            for (n, s) in shown.enumerated() {
                out += "\n\(options.offset + n + 1). \(bold)\(s.title.isEmpty ? s.hit.id : s.title)\(reset)  score \(String(format: "%.3f", s.hit.score))\n"
                out += "   id: \(s.hit.id)\(s.section.isEmpty ? "" : "  section: \(s.section)")\n"
                if !s.snippet.pieces.isEmpty { out += "   " + s.snippet.render(open: open, close: close) + "\n" }
                if explain { for line in s.hit.explanation { out += "     " + line + "\n" } }
            }
            for facet in result.facets {
                out += "\n\(facet.field):\n"
                for (value, count) in facet.counts { out += "  \(count)\t\(value)\n" }
            }
            FileHandle.standardOutput.write(Data(out.utf8))
        }
        if result.total == 0 { throw ExitCode(1) }
    }
}
