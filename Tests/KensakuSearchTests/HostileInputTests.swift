import Foundation
import KensakuAnalysis
import KensakuCorpus
import KensakuIndex
@testable import KensakuSearch
import Testing

/// Regression tests for what fuzzing (`scripts/fuzz.sh`, query target) found or guards
/// against: huge, deep and malformed queries must come back with a result or a clear error,
/// within bounded time, and never trap.
@Suite("Hostile queries")
struct SearchHostileInputTests {
    let searcher: Searcher

    init() throws { searcher = try SearchFixtures.makeSearcher() }

    /// Runs `query` and checks the outcome: hits within the index, an unknown field, or a query
    /// error whose column lies in the query. Returns the elapsed time.
    @discardableResult
    func bounded(_ query: String, options: SearchOptions = SearchOptions(), limit: Duration = .seconds(30),
                 sourceLocation: SourceLocation = #_sourceLocation) -> Duration {
        let started = ContinuousClock.now
        do {
            let result = try searcher.search(query, options: options)
            #expect(result.hits.count <= result.total, sourceLocation: sourceLocation)
            #expect(result.hits.allSatisfy { $0.doc >= 0 && $0.doc < searcher.index.documentCount }, sourceLocation: sourceLocation)
        } catch {
            if case .unknownField = error { return ContinuousClock.now - started }
            guard case .query(let q) = error else {
                Issue.record("not a query error: \(error)", sourceLocation: sourceLocation)
                return ContinuousClock.now - started
            }
            #expect(q.column >= 1 && q.column <= query.count + 1, "column \(q.column): \(q.message)", sourceLocation: sourceLocation)
            #expect(!q.message.isEmpty, sourceLocation: sourceLocation)
        }
        let elapsed = ContinuousClock.now - started
        #expect(elapsed < limit, "\(query.utf8.count)-byte query took \(elapsed)", sourceLocation: sourceLocation)
        return elapsed
    }

    /// Terms that occur in the seed report.
    static let vocabulary = ["婦人相談所", "保護", "人身取引", "被害者", "入国管理局", "警察庁", "査証", "IOM", "連携", "支援", "罪", "の"]

    @Test("A query of 10,000 terms returns or is refused clearly", arguments: [" ", " OR ", " -"])
    func tenThousandTerms(separator: String) {
        let terms = (0..<10_000).map { Self.vocabulary[$0 % Self.vocabulary.count] }
        bounded(terms.joined(separator: separator))
    }

    @Test("A query of 1 MB returns or is refused clearly", arguments: 0..<5)
    func oneMegabyte(shape: Int) throws {
        var query = ""
        let target = 1 << 20
        switch shape {
        case 0: while query.utf8.count < target { query += "婦人相談所" }  // one huge term
        case 1: while query.utf8.count < target { query += "保護 " }  // about 200,000 terms
        case 2:  // the report itself: terms split at its tabs and spaces
            let report = try String(contentsOfFile: SearchFixtures.packageRoot.appendingPathComponent("Index/follow-up-2011.tsv").path, encoding: .utf8)
            while query.utf8.count < target { query += report }
        case 3: while query.utf8.count < target { query += "\"国際 移住\" OR " }
        default: while query.utf8.count < target { query += "者9" }  // a number every other character
        }
        bounded(query)
    }

    @Test("Queries at the term limits: repeated single characters and numbers (about 1 min for 1,024 terms in release)")
    func termLimits() {
        // Found by fuzzing (query target, seed 5992047660568536181 input 214): a 1 MB term of 者9
        // took 62 s and 12 GB before terms were limited to 1,024 characters. Within the limits,
        // 1,024 OR'd terms of 者9×512 still take 53 s, and of "者 者 …" (340) 70 s, in release:
        // every one-character piece scans its gram prefix and opens a cursor per gram, again for
        // every repetition (reported to the lead).
        let phrase = "\"" + String(repeating: "者 ", count: 340) + "\""
        let numbers = String(repeating: "者9", count: 512)
        for term in [numbers, phrase] {
            bounded(term, limit: .seconds(20))
            let elapsed = bounded(Array(repeating: term, count: 4).joined(separator: " OR "), limit: .seconds(60))
            // Refused by the query's postings-list budget (CursorBudget) rather than run for minutes.
            #expect(elapsed < .seconds(1), "4 OR'd terms at the length limit took \(elapsed)")
        }
    }

    @Test("Deep parentheses are refused, not a stack overflow", arguments: [63, 64, 65, 1_000, 100_000])
    func deepParentheses(depth: Int) {
        bounded(String(repeating: "(", count: depth) + "保護" + String(repeating: ")", count: depth))
        bounded(String(repeating: "-(", count: depth) + "保護")
        bounded(String(repeating: "(a OR ", count: depth) + "保護" + String(repeating: ")", count: depth))
    }

    @Test("Malformed and hostile queries", arguments: [
        "", " ", "\u{3000}", "(", ")", "\"", "\"\"", "-", "OR", "a OR", "OR a", "()", "-()", "nosuch:保護", "title:", ":保護",
        "\u{0}", "\u{0}保護\u{0}", "\u{FFFF}", "\u{FEFF}保護", "\u{301}", "\u{D7FF}\u{E000}", "保護\u{7F}\u{1B}", "\u{1F468}\u{200D}\u{1F469}",
        "ｶﾞ", "㍿", "一〇〇〇〇〇〇〇〇〇〇〇〇〇〇〇〇〇〇〇", "第九九九九九九九九九九九九九九九九九九九九九九九九〇条", "平成九九九九九九九九九九九九九九九九九九九九年",
    ])
    func malformed(query: String) {
        bounded(query)
    }

    @Test("Kanji numerals longer than Int can hold, in queries and snippets (was an overflow trap)")
    func longKanjiNumerals() throws {
        // Found by fuzzing (analyzer and query targets): JapaneseNumbers.parse multiplied in Int.
        let run = "一〇〇〇〇〇〇〇〇〇〇〇〇〇〇〇〇〇〇〇"
        bounded(run)
        bounded("第" + run + "条")
        let snippet = searcher.snippet(of: "本文" + run + "と" + String(repeating: "九", count: 50) + "〇", terms: [run])
        #expect(snippet.matchCount >= 1)
    }

    @Test("limit + offset beyond Int.max (from the command line) does not trap")
    func limitOverflow() {
        // Found by fuzzing (query target): Searcher.search computed options.offset + options.limit.
        for (limit, offset) in [(Int.max, 1), (Int.max, Int.max), (1, Int.max), (Int.max / 2 + 1, Int.max / 2 + 1)] {
            var options = SearchOptions()
            options.limit = limit
            options.offset = offset
            bounded("保護", options: options)
        }
    }

    @Test("Filters and facets with hostile values")
    func hostileFilters() {
        for value in ["", "\u{0}", "\u{FFFF}", String(repeating: "法", count: 100_000)] {
            var options = SearchOptions()
            options.filters = [("ministry", value)]
            options.facets = ["ministry"]
            bounded("保護", options: options)
        }
    }

    @Test("Snippets of hostile stored text: NUL, control characters, 1 MB")
    func hostileSnippets() {
        let texts = ["前\u{0}保護\u{0}後", "\u{1}\u{2}保護\u{7F}", String(repeating: "\u{0}", count: 1000) + "保護",
                     String(repeating: "婦人相談所 ", count: 200_000), String(repeating: "あ", count: 1 << 20)]
        for text in texts {
            let started = ContinuousClock.now
            let snippet = searcher.snippet(of: text, terms: ["保護", "婦人相談所"])
            #expect(ContinuousClock.now - started < .seconds(30))
            let joined = snippet.pieces.map(\.text).joined()
            #expect(!joined.contains("\u{FFFD}"), "a snippet cut a character")
        }
    }
}
