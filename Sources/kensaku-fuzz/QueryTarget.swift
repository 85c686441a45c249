import Foundation
import KensakuIndex
import KensakuSearch

/// Parses and runs mutated queries against the index, with random options, and builds
/// snippets of the top hits. Also generates the extremes: 10,000-term queries, 1 MB queries,
/// deep parentheses. Checks: a malformed query's column lies in the query; an intact index
/// never answers with an index error; hits are within the limit and the index; `allIDs` are
/// sorted and as many as `total`; snippets are pieces of the stored text.
struct QueryTarget: FuzzTarget {
    static let name = "query"

    struct Input {
        var query: String
        var options: SearchOptions
        var kind: String
    }

    private let searcher: Searcher
    private let queries: [String]
    private let vocabulary: [String]
    private let mutator: Mutator
    private let tableText: String

    static let syntax: [String] = [
        " ", " OR ", "OR", " -", "-", "(", ")", "((", "))", "\"", "\" \"", ":", "title:", "body:", "measure:", "ministry:",
        "status:", "section:", "mark:", "nosuch:", "_:", "a:", "\u{3000}", "\t", "\n", "-(", "OR OR", "()", "\"\"", "-\"",
    ]

    init(context: FuzzContext) throws {
        searcher = try Searcher(index: IndexReader.open(directory: context.index))
        queries = context.queries()
        let table = context.tableBytes()
        tableText = String(decoding: table, as: UTF8.self)
        var words = Set<String>()
        for q in queries { for w in q.split(whereSeparator: { $0 == " " || $0 == "\u{3000}" }) { words.insert(String(w)) } }
        // Bigrams and short pieces of the report, so that most terms exist in the index.
        let chars = Array(tableText.filter { !$0.isWhitespace })
        var k = 0
        while k + 4 < chars.count && words.count < 4000 {
            words.insert(String(chars[k..<(k + 2 + k % 3)]))
            k += 37
        }
        vocabulary = words.sorted()
        mutator = Mutator(seeds: queries.map { Array($0.utf8) } + Hostile.textBytes,
                          tokens: QueryTarget.syntax.map { Array($0.utf8) }, maxLength: 4096)
    }

    func generate(_ rng: inout FuzzRandom) -> Input {
        var kind: String
        var query: String
        switch rng.int(0..<100) {
        case 0..<3:
            // 10,000 terms, some with operators and fields.
            kind = "10k-terms"
            var parts: [String] = []
            parts.reserveCapacity(10_000)
            let style = rng.int(0..<4)
            for _ in 0..<10_000 {
                var term = rng.pick(vocabulary)
                if style >= 2 && rng.chance(0.2) { term = "-" + term }
                if style == 3 && rng.chance(0.1) { term = rng.pick(["measure:", "status:", "ministry:"]) + term }
                parts.append(term)
            }
            query = parts.joined(separator: style == 1 ? " OR " : " ")
            kind += ["-and", "-or", "-not", "-fields"][style]
        case 3..<6:
            kind = "1MB"
            let style = rng.int(0..<6)
            var piece: String
            switch style {
            case 0: piece = rng.pick(vocabulary)  // one term repeated without spaces: one huge term
            case 1: piece = rng.pick(vocabulary) + " "  // ~200,000 AND terms
            case 2: piece = tableText  // the report's text: terms split at its tabs and spaces
            case 3: piece = "\"" + rng.pick(vocabulary) + " " + rng.pick(vocabulary) + "\" OR "
            case 4: piece = "(" + rng.pick(vocabulary)  // unbalanced
            default: piece = String(UnicodeScalar(UInt32(rng.int(0x4E00...0x9FFF)))!)  // random kanji, one term
            }
            var text = ""
            text.reserveCapacity(1 << 20 + 4096)
            while text.utf8.count < 1 << 20 {
                text += piece
                if style == 5 { piece = String(UnicodeScalar(UInt32(rng.int(0x4E00...0x9FFF)))!) }
            }
            query = text
            kind += ["-term", "-and", "-report", "-phrases", "-open", "-kanji"][style]
        case 6..<11:
            let depth = rng.pick([10, 63, 64, 65, 100, 1000, 100_000])
            let term = rng.pick(vocabulary)
            let open = rng.pick(["(", "-(", "( ", "(a OR "])
            let close = rng.pick([")", " )", ") b", ""])
            query = String(repeating: open, count: depth) + term + String(repeating: close, count: depth + rng.int(-1...1))
            kind = "parens-\(depth)"
        default:
            var bytes: [UInt8] = []
            for n in 0..<rng.int(1...4) {
                if n > 0 { bytes += Array(rng.pick(QueryTarget.syntax).utf8) }
                bytes += Array(rng.pick(rng.chance(0.5) ? queries : vocabulary).utf8)
            }
            let ops = mutator.mutate(&bytes, &rng, rounds: 6, keepUTF8: 0.8)
            query = String(decoding: bytes, as: UTF8.self)
            kind = "mutated[\(ops.joined(separator: ","))]"
        }
        var options = SearchOptions()
        options.limit = rng.chance(0.9) ? rng.int(0...20) : rng.pick([0, 1, 1000, Int.max / 2, Int.max])
        options.offset = rng.chance(0.9) ? rng.int(0...3) : rng.pick([0, 50, 1000, Int.max / 2, Int.max])
        options.wordsOnly = rng.chance(0.2)
        options.exact = rng.chance(0.2)
        options.explain = rng.chance(0.1)
        options.allIDs = rng.chance(0.3)
        if rng.chance(0.15) { options.facets = [rng.pick(["ministry", "mark", "relisted", "nosuch", "measure"])] }
        if rng.chance(0.15) {
            options.filters = [(rng.pick(["ministry", "mark", "relisted", "nosuch"]), rng.pick(["法務省", "implemented", "yes", "", "\u{0}", "ＩＯＭ"]))]
        }
        if rng.chance(0.05) {
            options.bm25 = BM25(k1: rng.pick([0, -1, 1e308, .nan, .infinity]), b: rng.pick([0, 1, -5, 2, .nan]))
        }
        // Split matching on two threads, even for the seed report's few docs.
        options.threads = rng.pick([1, 2, 2])
        options.splitMinimumCandidates = rng.pick([0, 1, 2, 8, 512])
        options.splitMinimumFieldLength = rng.pick([0, 0, 1_024])
        return Input(query: query, options: options, kind: kind)
    }

    func describe(_ input: Input) -> String {
        let o = input.options
        return "\(input.kind) \(input.query.utf8.count) bytes limit=\(o.limit) offset=\(o.offset) threads=\(o.threads) split≥\(o.splitMinimumCandidates),\(o.splitMinimumFieldLength) words=\(o.wordsOnly) exact=\(o.exact) facets=\(o.facets) filters=\(o.filters.map { "\($0.field)=\($0.value)" }) bm25=\(o.bm25.k1),\(o.bm25.b): \(preview(Array(input.query.utf8)))"
    }

    func save(_ input: Input, to directory: String) throws {
        try writeFile(directory + "/query.txt", Array(input.query.utf8))
        try writeFile(directory + "/options.txt", Array((describe(input) + "\n").utf8))
    }

    mutating func execute(_ input: Input, violation: (String) -> Void) -> [String] {
        let options = input.options
        let result: SearchResult
        do {
            result = try searcher.search(input.query, options: options)
        } catch {
            switch error {
            case .query(let q):
                let count = input.query.count
                if q.column < 1 || q.column > count + 1 { violation("query error column \(q.column) outside 1...\(count + 1): \(q.message)") }
            case .index(let e):
                violation("an intact index answered with an index error: \(e)")
            case .unknownField:
                break
            }
            return [ErrorKind.of(error)]
        }
        let index = searcher.index
        if options.threads > 1 {
            // Matching split over two threads must not change the answer.
            var one = options
            one.threads = 1
            if let single = try? searcher.search(input.query, options: one) {
                func same(_ a: Double, _ b: Double) -> Bool { a == b || (a.isNaN && b.isNaN) || abs(a - b) <= 1e-9 * max(1, abs(a)) }
                if single.total != result.total || single.hits.map(\.id) != result.hits.map(\.id) || single.allDocs != result.allDocs
                    || !zip(single.hits, result.hits).allSatisfy({ same($0.score, $1.score) }) {
                    violation("two threads answered \(result.total) hits, one thread \(single.total) (or other hits or scores)")
                }
            } else {
                violation("one thread failed where two threads answered")
            }
        }
        let (wanted, overflow) = options.offset.addingReportingOverflow(options.limit)
        if !overflow && result.hits.count > max(0, min(options.limit, wanted - options.offset)) {
            violation("\(result.hits.count) hits for limit \(options.limit)")
        }
        if result.hits.count > result.total { violation("\(result.hits.count) hits but total \(result.total)") }
        for hit in result.hits {
            guard hit.doc >= 0 && hit.doc < index.documentCount else {
                violation("hit doc \(hit.doc) outside 0..<\(index.documentCount)")
                return []
            }
            if hit.id != index.docs.id(hit.doc) { violation("hit id '\(hit.id)' is not doc \(hit.doc)'s") }
            if !hit.score.isFinite && options.bm25 == BM25() {
                violation("score \(hit.score) with the default BM25 parameters")
            }
        }
        if options.allIDs {
            if result.allDocs.count != result.total { violation("allDocs has \(result.allDocs.count) docs, total is \(result.total)") }
            if zip(result.allDocs, result.allDocs.dropFirst()).contains(where: { $0 >= $1 }) { violation("allDocs not strictly increasing") }
        }
        for facet in result.facets where facet.counts.contains(where: { $0.count > result.total || $0.count <= 0 }) {
            violation("facet \(facet.field) has a count outside 1...\(result.total)")
        }
        // Snippets of the first hits, as the CLI shows them (from the stored bytes; the same
        // as from the stored strings).
        for hit in result.hits.prefix(3) {
            let stored: StoredDocumentBytes
            do { stored = try index.store.documentBytes(hit.doc) } catch {
                violation("stored document \(hit.doc) of an intact index: \(error)")
                continue
            }
            for (field, _) in stored.fields {
                let bytes = stored.joined(field: field)
                let text = String(decoding: bytes, as: UTF8.self)
                let snippet = searcher.snippet(ofUTF8: bytes, terms: result.highlightTerms, numbers: !options.exact)
                if snippet != searcher.snippet(of: text, terms: result.highlightTerms, numbers: !options.exact) {
                    violation("the snippet of a stored value's bytes differs from that of its string")
                }
                var pieces = snippet.pieces
                let flat = text.replacingOccurrences(of: "\n", with: " ")
                if let first = pieces.first, first.text == "…", !first.highlighted, !flat.hasPrefix("…") { pieces.removeFirst() }
                if let last = pieces.last, last.text == "…", !last.highlighted, !flat.hasSuffix("…") { pieces.removeLast() }
                let joined = pieces.map(\.text).joined()
                if !joined.isEmpty && !flat.contains(joined) {
                    violation("snippet is not a piece of the stored text: \(preview(Array(joined.utf8)))")
                }
            }
        }
        return []
    }
}
