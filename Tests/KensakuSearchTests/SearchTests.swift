import Foundation
import KensakuTestSupport
import KensakuAnalysis
import KensakuCorpus
@testable import KensakuIndex
@testable import KensakuSearch
import Testing

enum SearchFixtures {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let seedIndex = packageRoot.appendingPathComponent("Index/seed").path
    static func makeSearcher() throws -> Searcher { try Searcher(index: IndexReader.open(directory: seedIndex)) }

    /// Builds an index from JSON Lines records in a new temporary directory, and a searcher
    /// over it; the caller removes the directory.
    static func searcher(records: [[String: String]], name: String, options: IndexBuildOptions = IndexBuildOptions()) throws -> (Searcher, String) {
        let dir = NSTemporaryDirectory() + "kensaku-\(name)-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let lines = try records.map { String(decoding: try JSONSerialization.data(withJSONObject: $0, options: [.sortedKeys]), as: UTF8.self) }
        try (lines.joined(separator: "\n") + "\n").write(toFile: dir + "/c.jsonl", atomically: true, encoding: .utf8)
        var source = try CorpusFormat.jsonl.open(path: dir + "/c.jsonl", skipBad: false)
        _ = try IndexBuilder.build(source: &source, corpusName: "c.jsonl", corpusFormat: "jsonl", directory: dir + "/i", options: options)
        return (try Searcher(index: IndexReader.open(directory: dir + "/i")), dir)
    }

    /// `options` with every term that can be split between the two threads split (two
    /// candidates suffice, in a field of any length).
    static func splittingEverything(_ options: SearchOptions) -> SearchOptions {
        var split = options
        split.threads = 2
        split.splitMinimumCandidates = 2
        split.splitMinimumFieldLength = 0
        return split
    }

    /// `count` generated records of random `pieces`: a body of 5–120 pieces and a title of
    /// 1–6, drawn in that order for each record; and the bodies.
    static func generatedRecords(pieces: [String], count: Int = 120,
                                 using rng: inout SeededGenerator) -> (records: [[String: String]], bodies: [String]) {
        var records: [[String: String]] = []
        var bodies: [String] = []
        for d in 0..<count {
            let body = (0..<Int.random(in: 5...120, using: &rng)).map { _ in pieces.randomElement(using: &rng)! }.joined()
            let title = (0..<Int.random(in: 1...6, using: &rng)).map { _ in pieces.randomElement(using: &rng)! }.joined()
            records.append(["id": "d\(d)", "title": title, "body": body])
            bodies.append(body)
        }
        return (records, bodies)
    }

    /// Queries for comparing two indexes of the same generated texts: `count` substrings of
    /// random `texts`, of `lengths` characters (quotes dropped; blank ones skipped), then 30
    /// strings of `joined` random `pieces` (spaces and parentheses left out).
    static func generatedQueries(texts: [String], pieces: [String], count: Int = 60, lengths: ClosedRange<Int>,
                                 joined: ClosedRange<Int>, using rng: inout SeededGenerator) -> [String] {
        var queries: [String] = []
        for _ in 0..<count {
            let text = Array(texts.randomElement(using: &rng)!)
            let length = Int.random(in: lengths, using: &rng)
            guard text.count > length else { continue }
            let start = Int.random(in: 0..<(text.count - length), using: &rng)
            let query = String(text[start..<(start + length)]).replacingOccurrences(of: "\"", with: "")
            if !query.trimmingCharacters(in: .whitespaces).isEmpty { queries.append(query) }
        }
        let plain = pieces.filter { $0 != " " && $0 != "(" && $0 != ")" }
        for _ in 0..<30 {
            queries.append((0..<Int.random(in: joined, using: &rng)).map { _ in plain.randomElement(using: &rng)! }.joined())
        }
        return queries
    }

    /// Expects `b` to answer every query as `a` does (``expectSameAnswers(_:_:_:sourceLocation:)``)
    /// under the option sets that tests of index variants use: limits 10, 3, 1,000 and 5;
    /// word-aligned only; number-aware; explained; one and two threads, every term that can be
    /// split split. A query that `a` rejects, `b` rejects too. Returns how many runs matched.
    static func expectSameAnswers(_ a: Searcher, _ b: Searcher, queries: [String],
                                  sourceLocation: SourceLocation = #_sourceLocation) -> Int {
        var matched = 0
        for query in queries {
            for (limit, words, exact, explain) in [(10, false, true, false), (3, false, false, false), (1_000, true, true, false), (5, false, true, true)] {
                for threads in [1, 2] {
                    var search = SearchOptions()
                    search.limit = limit
                    search.wordsOnly = words
                    search.exact = exact
                    search.explain = explain
                    search.allIDs = true
                    search = splittingEverything(search)
                    search.threads = threads
                    let x: SearchResult, y: SearchResult
                    do {
                        x = try a.search(query, options: search)
                        y = try b.search(query, options: search)
                    } catch {
                        #expect(throws: (any Error).self, sourceLocation: sourceLocation) { try b.search(query, options: search) }
                        continue
                    }
                    if x.total > 0 { matched += 1 }
                    expectSameAnswers(x, y, "\(query) limit \(limit) words \(words) exact \(exact) threads \(threads)",
                                      sourceLocation: sourceLocation)
                }
            }
        }
        return matched
    }

    /// Expects `b` to answer as `a` does: the same total and matching docs, the same hits in
    /// the same order (ties included: `TopK.rank`), and scores within 10⁻⁹ (two ways of adding
    /// a score's parts may differ in the last bits).
    static func expectSameAnswers(_ a: SearchResult, _ b: SearchResult, _ context: String,
                                  sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(a.total == b.total && a.allDocs == b.allDocs, "\(context)", sourceLocation: sourceLocation)
        #expect(a.hits.map(\.id) == b.hits.map(\.id), "\(context)", sourceLocation: sourceLocation)
        for (x, y) in zip(a.hits, b.hits) {
            #expect(abs(x.score - y.score) < 1e-9, "\(context): \(x.id) \(x.score) vs \(y.score)", sourceLocation: sourceLocation)
        }
    }
}

@Suite("Search on the seed report")
struct SearchTests {
    let searcher: Searcher

    init() throws { searcher = try SearchFixtures.makeSearcher() }

    /// The brute-force oracle: docs whose normalized stored text contains every term.
    func oracle(_ terms: [String]) throws -> Set<String> {
        let analyzer = try Analyzer()
        var ids: Set<String> = []
        let index = searcher.index
        let text = index.manifest.fields.filter { $0.spec.analyzed }.map(\.number)
        for doc in 0..<index.documentCount {
            let stored = try index.store.document(doc)
            let fields = stored.fields.filter { text.contains($0.field) }.map { f in
                f.values.map { analyzer.normalize($0).string }
            }
            let all = terms.allSatisfy { term in
                let needle = analyzer.normalize(term).string
                return fields.contains { $0.contains { $0.contains(needle) } }
            }
            if all { ids.insert(stored.id) }
        }
        return ids
    }

    func ids(_ query: String, words: Bool = false) throws -> Set<String> {
        var options = SearchOptions()
        options.allIDs = true
        options.wordsOnly = words
        let result = try searcher.search(query, options: options)
        #expect(result.total == result.allDocs.count)
        return Set(result.allDocs.map { searcher.index.docs.id($0) })
    }

    @Test("Every hit contains every term, and no document containing them is missed", arguments: [
        ["婦人相談所"], ["相談所"], ["婦人相談所長"], ["人身取引"], ["保護"], ["罪"], ["査証"], ["IOM"], ["ｉｏｍ"],
        ["国際移住機関"], ["平成23年"], ["ＮＧＯ", "連携"], ["被害者", "帰国"], ["在留特別許可"], ["取引"], ["に"],
        ["ブローカー"], ["(再掲)"], ["外務省"], ["第"], ["23"], ["警察庁", "入国管理局", "ＩＯＭ"],
    ])
    func exactSubstringMatching(terms: [String]) throws {
        #expect(try ids(terms.joined(separator: " ")) == oracle(terms))
    }

    @Test("OR, NOT and fields")
    func boolean() throws {
        let a = try ids("婦人相談所"), b = try ids("入国管理局")
        #expect(try ids("婦人相談所 OR 入国管理局") == a.union(b))
        #expect(try ids("婦人相談所 -入国管理局") == a.subtracting(b))
        #expect(try ids("(婦人相談所 OR 入国管理局) 保護") == a.union(b).intersection(try ids("保護")))
        let ministry = try ids("ministry:法務省")
        #expect(!ministry.isEmpty)
        for id in ministry { #expect(id.contains("法務省") || id.contains("/")) }
    }

    @Test("Unknown fields are errors")
    func unknownField() {
        #expect(throws: SearchError.self) { try searcher.search("nosuchfield:保護") }
    }

    @Test("--words keeps only word-aligned matches")
    func wordsOnly() throws {
        let all = try ids("相談")
        let words = try ids("相談", words: true)
        #expect(words.isSubset(of: all))
        #expect(!words.isEmpty)
    }

    @Test("Word-aligned matches rank above matches inside longer words")
    func alignedRanksFirst() throws {
        var options = SearchOptions()
        options.explain = true
        options.limit = 3
        let result = try searcher.search("婦人相談所", options: options)
        #expect(result.total > 0)
        #expect(result.hits.first?.explanation.contains { $0.contains("word-aligned") } == true)
        #expect(result.hits.map(\.score) == result.hits.map(\.score).sorted(by: >))
    }

    @Test("Filters and facets")
    func filtersAndFacets() throws {
        var options = SearchOptions()
        options.facets = ["ministry"]
        options.limit = 100
        let all = try searcher.search("保護", options: options)
        let facet = try #require(all.facets.first)
        let top = try #require(facet.counts.first)
        options.filters = [("ministry", top.value)]
        let filtered = try searcher.search("保護", options: options)
        #expect(filtered.total == top.count)
    }

    @Test("Snippets highlight the original characters")
    func snippet() {
        let s = searcher.snippet(of: "ＩＣＰＯと婦人相談所長が連携", terms: ["icpo", "婦人相談所"])
        #expect(s.render(open: "[", close: "]") == "[ＩＣＰＯ]と[婦人相談所]長が連携")
    }

    @Test("A snippet read piece by piece is the snippet of the whole text", arguments: [1, 7, 64, 500, Searcher.snippetPieceBytes])
    func snippetInPieces(pieceBytes: Int) {
        var rng = SeededGenerator(seed: 0x5_17E7 &+ UInt64(pieceBytes))
        // Line breaks before every kind of character (marks and folds that read the character
        // before them among them), numbers in several forms, compatibility characters.
        let fragments = ["\n", "\n", "。", "、", " ", "　", "ー", "ゝ", "\u{3099}", "ｶﾞ", "㍿", "①", "𠮷", "第", "二十五", "条", "25",
                         "平成", "二十三", "年", "2011", "婦人相談所", "長", "保護", "ＩＣＰＯ", "icpo", "の", "が", "十万", "二千五百", "円"]
        let terms = [["婦人相談所"], ["icpo", "保護"], ["第25条"], ["2011年", "の保護"], ["十万二千五百円"], ["ー"], ["\n保護"], ["存在しない"]]
        for trial in 0..<60 {
            let text = (0..<Int.random(in: 0...400, using: &rng)).map { _ in fragments.randomElement(using: &rng)! }.joined()
            let query = terms[trial % terms.count]
            for numbers in [true, false] {
                let whole = searcher.snippet(of: text, terms: query, numbers: numbers, pieceBytes: .max)
                let pieces = searcher.snippet(of: text, terms: query, numbers: numbers, pieceBytes: pieceBytes)
                #expect(pieces == Snippet(pieces: whole.pieces, matchCount: pieces.matchCount), "\(query) in \(text.debugDescription)")
                #expect((pieces.matchCount > 0) == (whole.matchCount > 0))
            }
        }
    }

    @Test("A stray byte just past a snippet's window leaves it as the snippet of the repaired string")
    func strayByteAfterWindow() {
        // The window's end is found by looking at the bytes around it: a stray byte there, just
        // after a piece that ends where the window does (a line break at every offset around
        // its end), must be read as the string of the bytes reads it.
        for lineEnd in 200..<260 {
            for gap in 0..<4 {
                for stray: [UInt8] in [[0x80], [0xBF, 0x80], [0xFF]] {
                    var bytes = Array("婦人相談所".utf8) + Array(repeating: UInt8(ascii: "a"), count: lineEnd - 15) + [0x0A]
                    bytes += Array(repeating: UInt8(ascii: "b"), count: gap) + stray + Array(repeating: UInt8(ascii: "c"), count: 100)
                    let fromBytes = searcher.snippet(ofUTF8: bytes, terms: ["婦人相談所"], pieceBytes: 64)
                    let fromString = searcher.snippet(of: String(decoding: bytes, as: UTF8.self), terms: ["婦人相談所"], pieceBytes: 64)
                    #expect(fromBytes == fromString, "line break at \(lineEnd), stray \(stray) \(gap) after")
                }
            }
        }
    }

    @Test("A snippet of UTF-8 bytes, valid or not, is the snippet of their string", arguments: [7, 64, Searcher.snippetPieceBytes])
    func snippetOfBytes(pieceBytes: Int) {
        var rng = SeededGenerator(seed: 0xB_17E5 &+ UInt64(pieceBytes))
        let fragments: [[UInt8]] = ["\n", "。", "婦人相談所", "長", "保護", "第", "二十五", "条", "の", "ＩＣＰＯ", "𠮷"].map { Array($0.utf8) }
            + [[0xFF], [0xE5, 0xA9], [0x80], [0xF0, 0x9F], [0xC3]]  // a stray byte, cut sequences, a lone continuation
        for trial in 0..<80 {
            var bytes: [UInt8] = []
            for _ in 0..<Int.random(in: 0...300, using: &rng) {
                // Every other text is valid UTF-8; the rest draw ill-formed bytes too.
                bytes += fragments[Int.random(in: 0..<(trial % 2 == 0 ? 11 : fragments.count), using: &rng)]
            }
            let text = String(decoding: bytes, as: UTF8.self)
            for query in [["婦人相談所"], ["保護", "ＩＣＰＯ"], ["第25条"]] {
                let fromBytes = searcher.snippet(ofUTF8: bytes, terms: query, pieceBytes: pieceBytes)
                let fromString = searcher.snippet(of: text, terms: query, pieceBytes: pieceBytes)
                #expect(fromBytes == fromString && fromBytes.matchCount == fromString.matchCount, "\(query) in \(bytes)")
            }
        }
    }
}

@Suite("Search internals")
struct SearchInternalsTests {
    @Test("Scores that differ only by rounding tie, and the lower index goes first")
    func roundingTies() {
        let x = 7.0 / 3.0
        #expect(TopK.select([x, x.nextUp, x.nextDown], count: 3) == [0, 1, 2])
        #expect(TopK.select([x, x + 1e-6, x - 1e-6], count: 3) == [1, 0, 2])
        #expect(TopK.select([x.nextDown, 0.5, x], among: [0, 1, 2], count: 1) == [0])
        #expect(TopK.select([-x, (-x).nextUp, -.infinity, .infinity], count: 4) == [3, 0, 1, 2])
    }

    @Test("Top-k selection equals a full sort", arguments: [0, 1, 3, 10, 50, 200])
    func topK(k: Int) {
        for seed in 0..<20 as Range<UInt64> {
            var generator = SeededGenerator(seed: seed)
            // Many ties (scores from a few values, some off by rounding: a few ulps either way),
            // infinities, and lists shorter and longer than k.
            let n = [5, 100, 1_000][Int(seed % 3)]
            let scores = (0..<n).map { _ -> Double in
                switch Int.random(in: 0..<40, using: &generator) {
                case 0: -.infinity
                case 1: .infinity
                case let v where v % 3 == 0: (Double(v % 20) / 4 + 1 / 3).nextUp.nextUp
                case let v where v % 3 == 1: (Double(v % 20) / 4 + 1 / 3).nextDown
                case let v: Double(v % 20) / 4 + 1 / 3
                }
            }
            // Ties (by rank) go in index order.
            func better(_ a: Int, _ b: Int) -> Bool {
                let ra = TopK.rank(scores[a]), rb = TopK.rank(scores[b])
                return ra != rb ? ra > rb : a < b
            }
            let expected = Array(scores.indices.sorted(by: better).prefix(k))
            #expect(TopK.select(scores, count: k) == expected, "seed \(seed)")
            // Over a subset that holds every entry scoring at least the k-th best less the tie
            // margin: the same.
            if let last = expected.last {
                var among = scores.indices.filter { scores[$0] >= scores[last] - TopK.tieMargin || Bool.random(using: &generator) }
                #expect(TopK.select(scores, among: among, count: k) == expected, "seed \(seed), subset")
                among = among.filter { $0 % 2 == 0 }
                let subsetExpected = Array(among.sorted(by: better).prefix(k))
                #expect(TopK.select(scores, among: among, count: k) == subsetExpected, "seed \(seed), even subset")
            }
        }
    }

    @Test("The union of two increasing doc lists is their sorted set union", arguments: [0, 1, 2, 3, 4, 5])
    func union(seed: UInt64) {
        var generator = SeededGenerator(seed: seed)
        for _ in 0..<50 {
            let a = Set((0..<Int.random(in: 0...300, using: &generator)).map { _ in UInt32.random(in: 0...500, using: &generator) }).sorted()
            let b = Set((0..<Int.random(in: 0...40, using: &generator)).map { _ in UInt32.random(in: 0...500, using: &generator) }).sorted()
            let expected = Set(a).union(b).sorted()
            #expect(TermMatcher.union(a, b) == expected)
            #expect(TermMatcher.union(b, a) == expected)
        }
    }
}

extension SearchInternalsTests {
    @Test("The cheapest bigram cover touches every character", arguments: [
        ([5], [0]), ([5, 5], [0, 1]), ([1, 100, 1], [0, 2]), ([1, 1, 100, 1], [0, 1, 3]), ([1, 100, 1, 100, 1], [0, 2, 4]),
        ([10, 1, 10, 1, 10], [0, 1, 3, 4]),
    ])
    func cover(costs: [Int], expected: [Int]) {
        let chosen = TermMatcher.cheapestCover(bigrams: costs, trigrams: []).map(\.index)
        #expect(chosen == expected)
        for c in 0...costs.count { #expect(chosen.contains(c) || chosen.contains(c - 1), "character \(c) uncovered") }
    }
}

extension SearchInternalsTests {
    /// A term and the numbers (start, length, value) every occurrence of it makes.
    @Test("The numbers a literal term requires: numeral runs enclosed by other characters of the term", arguments: [
        ("第二十五条", [(1, 3, "25")]),
        ("平成二十三年", [(2, 3, "23")]),  // the number, not the era year (whose token spans 平成)
        ("第５条", [(1, 1, "5")]),  // NFKC: an ASCII digit
        ("第25,000条", [(1, 6, "25000")]),
        ("二十五条", []),  // nothing before the run: a document may have more numerals there
        ("第二十五", []),  // nothing after it
        ("1,25条", []),  // a separator before or after could join the run
        ("第二十五条の二第三項", [(1, 3, "25"), (8, 1, "3")]),  // 二 after の and before 第 is no number
        ("一般", []),  // not a number
        ("同 5 項", [(2, 1, "5")]),
    ])
    func enclosedNumbers(term: String, expected: [(Int, Int, String)]) throws {
        let analyzed = try Analyzer().analyze(term)
        let grams = analyzed.grams
        let found = TermMatcher.enclosedNumbers(analyzed, from: Int(grams.first!.start), to: Int(grams.last!.end))
        #expect(found.map { "\($0.start) \($0.end - $0.start) \($0.value)" } == expected.map { "\($0.0) \($0.1) \($0.2)" })
    }
}

extension SearchInternalsTests {
    /// (docFreq, totalFreq) per bigram of a run, and the bigrams matched.
    @Test("The matched bigrams: the cheapest cover, plus the rarest bigram when it is in at most half the docs", arguments: [
        ([(50, 100), (5, 10), (50, 100)], [0, 2, 1]),  // 活保 in 生活保護: added
        ([(50, 100), (25, 10), (50, 100)], [0, 2, 1]),  // exactly half: added
        ([(50, 100), (26, 10), (50, 100)], [0, 2]),  // more than half: not worth its positions
        ([(5, 10), (50, 1000), (50, 100)], [0, 2]),  // the rarest is in the cover already
        ([(7, 70)], [0]),
        ([(9, 90), (3, 30)], [0, 1]),
    ])
    func coveringBigrams(stats: [(Int, Int)], expected: [Int]) {
        let infos = stats.map { TermInfo(docFreq: $0.0, totalFreq: $0.1, postingsOffset: 0, postingsLength: 0) }
        #expect(TermMatcher.coveringGrams(bigrams: infos, trigrams: []).map(\.index) == expected.sorted())
    }
}

extension SearchInternalsTests {
    @Test("Field matches restricted to a doc set keep their counts and starts in step", arguments: [
        ([1, 4, 9, 12], [0, 4, 5, 12, 13], [4, 12]),
        ([1, 4, 9], [], []),
        ([], [1, 2], []),
        ([3, 5], [1, 3, 5, 7], [3, 5]),
        ([2, 8], [9, 10], []),
    ])
    func restricted(docs: [UInt32], to keep: [UInt32], expected: [UInt32]) {
        var matches = FieldMatches(field: 1)
        matches.docs = docs
        matches.frequencies = docs.map { $0 * 10 }
        matches.aligned = docs.map { $0 * 100 }
        matches.starts = docs.map { [$0, $0 + 1] }
        matches.alignmentPending = true
        let out = matches.restricted(to: keep)
        #expect(out.field == 1 && out.alignmentPending)
        #expect(out.docs == expected)
        #expect(out.frequencies == expected.map { $0 * 10 })
        #expect(out.aligned == expected.map { $0 * 100 })
        #expect(out.starts == expected.map { [$0, $0 + 1] })
    }
}
