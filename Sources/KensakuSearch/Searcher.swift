import Foundation
import KensakuAnalysis
import KensakuIndex

/// Search options.
public struct SearchOptions: Sendable {
    public var limit = 10
    public var offset = 0
    /// Only word-aligned matches (査証 no longer matches 検査証).
    public var wordsOnly = false
    public var bm25 = BM25()
    /// `field=value` keyword filters, all of which must hold.
    public var filters: [(field: String, value: String)] = []
    /// Keyword fields to count over the hits.
    public var facets: [String] = []
    public var explain = false
    /// Collect every matching doc id (`--all-ids`).
    public var allIDs = false
    /// Literal matching only: numbers and era years in other written forms do not match
    /// (`--exact`; `kensaku bench` uses it, as the peers' oracle is literal).
    public var exact = false
    /// Add a bonus for terms of an AND that match close together (on by default).
    public var proximity = true
    public init() {}
}

/// One ranked hit.
public struct Hit: Sendable {
    public var doc: Int
    public var id: String
    public var score: Double
    public var explanation: [String]
}

public struct SearchResult: Sendable {
    /// Exact number of matching documents.
    public var total: Int
    public var hits: [Hit]
    public var facets: [(field: String, counts: [(value: String, count: Int)])]
    public var allDocs: [Int]
    /// Normalized texts of the positive terms, for highlighting.
    public var highlightTerms: [String]
}

public enum SearchError: Error, CustomStringConvertible {
    case query(QueryError)
    case unknownField(String, known: [String])
    case index(IndexError)

    public var description: String {
        switch self {
        case .query(let e): e.description
        case .unknownField(let name, let known): "unknown field '\(name)' (fields: \(known.joined(separator: ", ")))"
        case .index(let e): e.description
        }
    }
}

/// A sorted set of docs with a score each, and optionally where the last term matched in
/// each (`field << 24 | position`, increasing), for proximity.
struct ScoredDocs {
    var docs: [UInt32] = []
    var scores: [Double] = []
    var positions: [[UInt32]] = []
    /// Proximity bonus added by the `and` that made this set, per doc (empty when none).
    var proximityBonus: [Double] = []

    /// Docs in both, scores added. When both carry positions, the closer their matches, the
    /// larger the bonus: `1 / (1 + distance / 8)`, at most 1 for adjacent matches.
    static func and(_ a: ScoredDocs, _ b: ScoredDocs) -> ScoredDocs {
        var out = ScoredDocs()
        let proximity = !a.positions.isEmpty && !b.positions.isEmpty
        var i = 0, j = 0
        while i < a.docs.count && j < b.docs.count {
            if a.docs[i] < b.docs[j] { i += 1 } else if a.docs[i] > b.docs[j] { j += 1 } else {
                var score = a.scores[i] + b.scores[j]
                if proximity {
                    let bonus = minimumDistance(a.positions[i], b.positions[j]).map { 1 / (1 + Double($0) / 8) } ?? 0
                    score += bonus
                    out.proximityBonus.append(bonus)
                    out.positions.append(b.positions[j])
                }
                out.docs.append(a.docs[i]); out.scores.append(score); i += 1; j += 1
            }
        }
        return out
    }

    /// The smallest |x − y| between two increasing lists. - Complexity: O(m + n).
    static func minimumDistance(_ x: [UInt32], _ y: [UInt32]) -> UInt32? {
        guard !x.isEmpty, !y.isEmpty else { return nil }
        var best = UInt32.max
        var i = 0, j = 0
        while i < x.count && j < y.count {
            let d = x[i] > y[j] ? x[i] - y[j] : y[j] - x[i]
            best = min(best, d)
            if x[i] < y[j] { i += 1 } else { j += 1 }
        }
        return best
    }

    static func or(_ a: ScoredDocs, _ b: ScoredDocs) -> ScoredDocs {
        var out = ScoredDocs()
        var i = 0, j = 0
        while i < a.docs.count || j < b.docs.count {
            if j == b.docs.count || (i < a.docs.count && a.docs[i] < b.docs[j]) {
                out.docs.append(a.docs[i]); out.scores.append(a.scores[i]); i += 1
            } else if i == a.docs.count || b.docs[j] < a.docs[i] {
                out.docs.append(b.docs[j]); out.scores.append(b.scores[j]); j += 1
            } else {
                out.docs.append(a.docs[i]); out.scores.append(a.scores[i] + b.scores[j]); i += 1; j += 1
            }
        }
        return out
    }

    static func minus(_ a: ScoredDocs, _ b: ScoredDocs) -> ScoredDocs {
        var out = ScoredDocs()
        var j = 0
        for (i, doc) in a.docs.enumerated() {
            while j < b.docs.count && b.docs[j] < doc { j += 1 }
            if j < b.docs.count && b.docs[j] == doc { continue }
            out.docs.append(doc); out.scores.append(a.scores[i])
        }
        return out
    }
}

/// Runs queries against an open index. Holds an analyzer, so one searcher serves one thread.
public final class Searcher {
    public let index: IndexReader
    private let analyzer: Analyzer
    private let textFields: [Int]
    var analyzerForSnippets: Analyzer { analyzer }
    /// Postings lists opened by the current query.
    private var budget = CursorBudget()

    public init(index: IndexReader) throws {
        self.index = index
        analyzer = try Analyzer(settings: index.manifest.analyzer)
        textFields = index.manifest.fields.filter { $0.spec.analyzed }.map(\.number)
    }

    public func search(_ text: String, options: SearchOptions = SearchOptions()) throws(SearchError) -> SearchResult {
        let query: Query
        do { query = try QueryParser.parse(text) } catch { throw .query(error) }
        return try search(query, options: options)
    }

    public func search(_ query: Query, options: SearchOptions) throws(SearchError) -> SearchResult {
        var options = options
        if Self.positiveTermCount(query) < 2 { options.proximity = false }
        budget = CursorBudget()
        var explanations: [UInt32: [String]] = [:]
        var highlights: [String] = []
        var result: ScoredDocs
        do {
            result = try evaluate(query, options: options, explanations: &explanations, highlights: &highlights, positive: true)
            for filter in options.filters {
                guard let field = index.fieldNumber(filter.field) else {
                    throw SearchError.unknownField(filter.field, known: index.manifest.fields.filter { $0.spec.keyword }.map(\.spec.name))
                }
                let value = normalizeKeyword(filter.value, analyzer: analyzer)
                var allowed = ScoredDocs()
                if let info = try index.lookup(TermKey.make(field: field, kind: .keyword, term: value)) {
                    var cursor = try index.postings(info)
                    while cursor.doc != PostingsCursor.exhausted {
                        allowed.docs.append(cursor.doc); allowed.scores.append(0)
                        try cursor.next()
                    }
                }
                result = ScoredDocs.and(result, allowed)
            }
        } catch let error as SearchError {
            throw error
        } catch IndexError.build(let message) where message == CursorBudget.message {
            throw .query(QueryError(message: message, column: 1))
        } catch let error as IndexError {
            throw .index(error)
        } catch {
            throw .index(.build("\(error)"))
        }
        // Top k by score, ties by doc order.
        let order = TopK.select(result.scores, count: options.limit > Int.max - max(0, options.offset) ? Int.max : options.offset + options.limit)
        let hits = order.dropFirst(options.offset).map { i in
            Hit(doc: Int(result.docs[i]), id: index.docs.id(Int(result.docs[i])), score: result.scores[i],
                explanation: explanations[result.docs[i]] ?? [])
        }
        var facets: [(String, [(String, Int)])] = []
        for name in options.facets {
            guard let field = index.fieldNumber(name) else {
                throw .unknownField(name, known: index.manifest.fields.filter { $0.spec.keyword }.map(\.spec.name))
            }
            do { facets.append((name, try facetCounts(field: field, docs: result.docs))) } catch { throw .index(error) }
        }
        return SearchResult(total: result.docs.count, hits: hits, facets: facets,
                            allDocs: options.allIDs ? result.docs.map(Int.init) : [], highlightTerms: highlights)
    }

    /// Terms that add to the score (not under a NOT).
    static func positiveTermCount(_ query: Query) -> Int {
        switch query {
        case .term: 1
        case .and(let parts), .or(let parts): parts.reduce(0) { $0 + positiveTermCount($1) }
        case .not: 0
        }
    }

    private func facetCounts(field: Int, docs: [UInt32]) throws(IndexError) -> [(String, Int)] {
        var member = [Bool](repeating: false, count: index.documentCount)
        for doc in docs { member[Int(doc)] = true }
        var counts: [(String, Int)] = []
        for (key, info) in try index.terms(withPrefix: [UInt8(field), TermKind.keyword.rawValue]) {
            var cursor = try index.postings(info)
            var count = 0
            while cursor.doc != PostingsCursor.exhausted {
                if member[Int(cursor.doc)] { count += 1 }
                try cursor.next()
            }
            if count > 0 { counts.append((String(decoding: key.dropFirst(2), as: UTF8.self), count)) }
        }
        return counts.sorted { $0.1 != $1.1 ? $0.1 > $1.1 : $0.0 < $1.0 }
    }

    private func allDocs() -> ScoredDocs {
        ScoredDocs(docs: (0..<UInt32(index.documentCount)).map { $0 }, scores: Array(repeating: 0, count: index.documentCount))
    }

    private func evaluate(_ query: Query, options: SearchOptions, explanations: inout [UInt32: [String]],
                          highlights: inout [String], positive: Bool) throws -> ScoredDocs {
        switch query {
        case .term(let field, let text, _):
            return try evaluateTerm(field: field, text: text, options: options, explanations: &explanations,
                                    highlights: &highlights, positive: positive)
        case .and(let parts):
            let positives = parts.filter { if case .not = $0 { false } else { true } }
            var result = positives.isEmpty ? allDocs() : try evaluate(positives[0], options: options, explanations: &explanations, highlights: &highlights, positive: positive)
            for part in positives.dropFirst() {
                if result.docs.isEmpty { break }
                result = ScoredDocs.and(result, try evaluate(part, options: options, explanations: &explanations, highlights: &highlights, positive: positive))
                if options.explain && positive {
                    for (i, bonus) in result.proximityBonus.enumerated() where bonus > 0 {
                        explanations[result.docs[i], default: []].append(String(format: "proximity: +%.3f = 1/(1 + distance/8)", bonus))
                    }
                }
            }
            result.positions = []
            result.proximityBonus = []
            for part in parts {
                guard case .not(let inner) = part, !result.docs.isEmpty else { continue }
                result = ScoredDocs.minus(result, try evaluate(inner, options: options, explanations: &explanations, highlights: &highlights, positive: !positive))
            }
            return result
        case .or(let parts):
            var result = ScoredDocs()
            for part in parts {
                result = ScoredDocs.or(result, try evaluate(part, options: options, explanations: &explanations, highlights: &highlights, positive: positive))
            }
            return result
        case .not(let inner):
            return ScoredDocs.minus(allDocs(), try evaluate(inner, options: options, explanations: &explanations, highlights: &highlights, positive: !positive))
        }
    }

    private func evaluateTerm(field name: String?, text: String, options: SearchOptions, explanations: inout [UInt32: [String]],
                              highlights: inout [String], positive: Bool) throws -> ScoredDocs {
        let fields: [Int]
        if let name {
            guard let number = index.fieldNumber(name), index.manifest.fields[number].spec.analyzed else {
                throw SearchError.unknownField(name, known: textFields.map { index.manifest.fields[$0].spec.name })
            }
            fields = [number]
        } else {
            fields = textFields
        }
        let analyzed = analyzer.analyze(text)
        guard !analyzed.grams.isEmpty else { return ScoredDocs() }
        if positive { highlights.append(analyzed.text.string.trimmingCharacters(in: .whitespaces)) }
        let matcher = TermMatcher(index: index, wordsOnly: options.wordsOnly, collectStarts: options.proximity && positive, budget: budget)
        var perField: [FieldMatches] = []
        var union = ScoredDocs()
        let pieces = options.exact ? nil : NumberPieces(analyzed)
        for field in fields {
            var matches = try matcher.match(analyzed, field: field)
            if let pieces { matches = TermMatcher.union(matches, try matcher.match(pieces, field: field)) }
            union = ScoredDocs.or(union, ScoredDocs(docs: matches.docs, scores: Array(repeating: 0, count: matches.docs.count)))
            perField.append(matches)
        }
        // Score with the term's document frequency over all its fields.
        let idf = options.bm25.idf(documentCount: index.documentCount, docFreq: union.docs.count)
        var scores = [Double](repeating: 0, count: union.docs.count)
        for matches in perField {
            let spec = index.manifest.fields[matches.field].spec
            let lengths = index.docs.lengths(field: matches.field)
            let average = index.averageLength(field: matches.field)
            var j = 0
            for (i, doc) in matches.docs.enumerated() {
                while union.docs[j] != doc { j += 1 }
                let tf = Double(matches.frequencies[i] + matches.aligned[i])
                let length = Int(doc) < lengths.count ? Double(lengths[Int(doc)]) : average
                scores[j] += spec.boost * idf * options.bm25.termScore(tf: tf, length: length, averageLength: average)
                if options.explain && positive {
                    explanations[doc, default: []].append("\(text) " + options.bm25.explain(
                        field: spec.name, boost: spec.boost, idf: idf, tf: tf, length: length, averageLength: average)
                        + " (\(matches.frequencies[i]) matches, \(matches.aligned[i]) word-aligned)")
                }
            }
        }
        union.scores = positive ? scores : Array(repeating: 0, count: scores.count)
        if matcher.collectStarts {
            var positions = [[UInt32]](repeating: [], count: union.docs.count)
            for matches in perField where !matches.starts.isEmpty {
                var j = 0
                for (i, doc) in matches.docs.enumerated() {
                    while union.docs[j] != doc { j += 1 }
                    positions[j].append(contentsOf: matches.starts[i].map { UInt32(matches.field) << 24 | min($0, 0xFF_FFFF) })
                }
            }
            union.positions = positions.map { $0.sorted() }
        }
        return union
    }
}
