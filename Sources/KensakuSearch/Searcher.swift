import Foundation
import Synchronization
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
    /// Threads one search may use: with 2, a term with many candidate docs is matched on two
    /// threads, each over half of the doc ids (`--threads`; by default 2 where the machine has
    /// two cores or more). Results do not depend on it.
    public var threads = SearchOptions.defaultThreads
    /// Read once: `activeProcessorCount` reads the cgroup files on every call (about 27 µs here).
    static let defaultThreads = min(2, ProcessInfo.processInfo.activeProcessorCount)
    /// A term is split between threads only when its rarest gram is in at least this many
    /// docs: below, handing half to the second thread costs more than it saves. (With
    /// ``HelperThread`` the handoff takes microseconds: on laws2013, 64 instead of 512 took
    /// ファクシミリ from 74 to 47 µs and 難民認定 from 81 to 57; 24 gained nothing more.)
    public var splitMinimumCandidates = 64
    /// Only a field whose texts average at least this many characters is split: in a field
    /// of short texts (titles, 48 on laws2013) a term's matching takes tens of microseconds,
    /// and when the machine's second vCPU stalls, waiting for its half can take hundreds
    /// (第二十五条's titles: 20 µs alone, up to 540 µs split, in a slow phase).
    public var splitMinimumFieldLength = 1_024
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
    /// How much each score may still grow once pending word alignments are counted (empty
    /// when none is pending): the true score is in `scores[i] ... scores[i] + slack[i]`.
    var slack: [Double] = []

    /// The positive term (an index into the searcher's pending terms) whose match starts stand
    /// for `positions` when proximity is counted later.
    var lastTerm: Int?

    @inline(__always) func slack(_ i: Int) -> Double { slack.isEmpty ? 0 : slack[i] }

    /// Docs in both, scores added. When both carry positions, the closer their matches, the
    /// larger the bonus: `1 / (1 + distance / 8)`, at most 1 for adjacent matches.
    static func and(_ a: ScoredDocs, _ b: ScoredDocs) -> ScoredDocs {
        var out = ScoredDocs()
        let (ia, ib) = SortedDocs.commonIndices(a.docs, b.docs)
        out.docs = ia.map { a.docs[$0] }
        out.scores = zip(ia, ib).map { a.scores[$0] + b.scores[$1] }
        if !a.positions.isEmpty && !b.positions.isEmpty {
            out.proximityBonus = zip(ia, ib).map { minimumDistance(a.positions[$0], b.positions[$1]).map { 1 / (1 + Double($0) / 8) } ?? 0 }
            for k in out.scores.indices { out.scores[k] += out.proximityBonus[k] }
            out.positions = ib.map { b.positions[$0] }
        }
        if !a.slack.isEmpty || !b.slack.isEmpty { out.slack = zip(ia, ib).map { a.slack($0) + b.slack($1) } }
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
        let slack = !a.slack.isEmpty || !b.slack.isEmpty
        var i = 0, j = 0
        while i < a.docs.count || j < b.docs.count {
            if j == b.docs.count || (i < a.docs.count && a.docs[i] < b.docs[j]) {
                if slack { out.slack.append(a.slack(i)) }
                out.docs.append(a.docs[i]); out.scores.append(a.scores[i]); i += 1
            } else if i == a.docs.count || b.docs[j] < a.docs[i] {
                if slack { out.slack.append(b.slack(j)) }
                out.docs.append(b.docs[j]); out.scores.append(b.scores[j]); j += 1
            } else {
                if slack { out.slack.append(a.slack(i) + b.slack(j)) }
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
            if !a.slack.isEmpty { out.slack.append(a.slack[i]) }
            out.docs.append(doc); out.scores.append(a.scores[i])
        }
        return out
    }
}

/// Runs queries against an open index. Holds an analyzer, so one searcher serves one thread
/// at a time; a search itself may match a term on two threads (``SearchOptions/threads``).
public final class Searcher {
    public let index: IndexReader
    private let analyzer: Analyzer
    private let textFields: [Int]
    var analyzerForSnippets: Analyzer { analyzer }
    /// Length norms by field, with the BM25 parameters they were computed for (``lengthNorms(field:bm25:)``).
    private var normCache: [Int: (BM25, [Double])] = [:]
    /// Postings lists opened by the current query.
    private var budget = CursorBudget()
    /// Dictionary prefix scans made by the current query, for its second matching pass.
    private var prefixTerms = PrefixTerms()
    /// Positive terms of the current query with score parts still to be counted (see `refine`).
    private var pending: [PendingTerm] = []
    /// Adjacent terms of an AND whose proximity bonus is still to be counted.
    private var pairs: [ProximityPair] = []
    /// The plans a pending term was last matched with (unsplit), by field and term text:
    /// `refine` rewinds them and matches again instead of opening every cursor again (税
    /// opens 254 and decodes each one's doc tail, in each of its rounds).
    private var refinePlans: [PlanKey: TermMatcher.Plan] = [:]

    struct PlanKey: Hashable {
        var field: Int
        var text: String
    }

    /// A positive term whose word alignment or match starts are not counted yet.
    struct PendingTerm {
        /// One field's matches, scored for now as if no occurrence were word-aligned.
        struct Field {
            var field: Int
            var docs: [UInt32]
            var frequencies: [UInt32]
            /// boost × idf.
            var weight: Double
        }
        var analyzed: AnalyzedText
        var fields: [Int]
        var alignment: [Field]
        /// Its match starts are needed for a proximity bonus.
        var proximity: Bool
        /// Its matches in each field where it matched, every match start kept (see
        /// ``FieldMatches/keptAll``); nil when some field's were not, and it must be matched again.
        var kept: [FieldMatches]?
    }

    /// The terms (indices into `pending`) on either side of an AND step, and the docs that
    /// step kept: each earns up to 1 for the two terms' closest matches.
    struct ProximityPair {
        var first: Int
        var second: Int
        var docs: [UInt32]
    }

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
        prefixTerms = PrefixTerms()
        pending = []
        pairs = []
        refinePlans = [:]
        defer { pending = []; pairs = []; prefixTerms = PrefixTerms(); refinePlans = [:] }
        var explanations: [UInt32: [String]] = [:]
        var highlights: [String] = []
        var result: ScoredDocs
        var selected: [Int]?
        let window = options.limit > Int.max - max(0, options.offset) ? Int.max : options.offset + options.limit
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
            selected = try refine(&result, window: window, options: options)
        } catch let error as SearchError {
            throw error
        } catch IndexError.build(let message) where message == CursorBudget.message {
            throw .query(QueryError(message: message, column: 1))
        } catch let error as IndexError {
            throw .index(error)
        } catch {
            throw .index(.build("\(error)"))
        }
        // Top k by score, ties by doc order (refine's last selection, when it made one).
        let order = selected ?? TopK.select(result.scores, count: window)
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

    /// The query's docs and scores. With `scoring` (increasing; an AND's docs so far), a term
    /// scores only its docs among those (see ``evaluateTerm``); other queries score all theirs.
    private func evaluate(_ query: Query, options: SearchOptions, explanations: inout [UInt32: [String]],
                          highlights: inout [String], positive: Bool, scoring: [UInt32]? = nil) throws -> ScoredDocs {
        switch query {
        case .term(let field, let text, _):
            return try evaluateTerm(field: field, text: text, options: options, explanations: &explanations,
                                    highlights: &highlights, positive: positive, scoring: scoring)
        case .and(let parts):
            let positives = parts.filter { if case .not = $0 { false } else { true } }
            var result = positives.isEmpty ? allDocs() : try evaluate(positives[0], options: options, explanations: &explanations, highlights: &highlights, positive: positive)
            for part in positives.dropFirst() {
                if result.docs.isEmpty { break }
                // Only the docs the AND still holds are scored (a term's matches are still all
                // found: its document frequency is over the whole index).
                let next = try evaluate(part, options: options, explanations: &explanations, highlights: &highlights,
                                        positive: positive, scoring: result.docs)
                let previousTerm = result.lastTerm
                result = ScoredDocs.and(result, next)
                if let a = previousTerm, let b = next.lastTerm, !result.docs.isEmpty {
                    // Proximity counted later: up to 1 more for each doc.
                    pairs.append(ProximityPair(first: a, second: b, docs: result.docs))
                    if result.slack.isEmpty { result.slack = Array(repeating: 0, count: result.docs.count) }
                    for i in result.slack.indices { result.slack[i] += 1 }
                    result.lastTerm = b
                }
                if options.explain && positive {
                    for (i, bonus) in result.proximityBonus.enumerated() where bonus > 0 {
                        explanations[result.docs[i], default: []].append(String(format: "proximity: +%.3f = 1/(1 + distance/8)", bonus))
                    }
                }
            }
            result.positions = []
            result.proximityBonus = []
            result.lastTerm = nil
            for part in parts {
                guard case .not(let inner) = part, !result.docs.isEmpty else { continue }
                let (keptTerms, keptPairs) = (pending.count, pairs.count)
                result = ScoredDocs.minus(result, try evaluate(inner, options: options, explanations: &explanations, highlights: &highlights, positive: !positive))
                // The excluded side adds nothing to any score.
                pending.removeSubrange(keptTerms...)
                pairs.removeSubrange(keptPairs...)
            }
            return result
        case .or(let parts):
            var result = ScoredDocs()
            for part in parts {
                result = ScoredDocs.or(result, try evaluate(part, options: options, explanations: &explanations, highlights: &highlights, positive: positive))
            }
            return result
        case .not(let inner):
            let (keptTerms, keptPairs) = (pending.count, pairs.count)
            defer {
                pending.removeSubrange(keptTerms...)
                pairs.removeSubrange(keptPairs...)
            }
            return ScoredDocs.minus(allDocs(), try evaluate(inner, options: options, explanations: &explanations, highlights: &highlights, positive: !positive))
        }
    }

    /// The fields a term searches: the one it names, or every analyzed field.
    private func termFields(_ name: String?) throws -> [Int] {
        guard let name else { return textFields }
        guard let number = index.fieldNumber(name), index.manifest.fields[number].spec.analyzed else {
            throw SearchError.unknownField(name, known: textFields.map { index.manifest.fields[$0].spec.name })
        }
        return [number]
    }

    /// A term's matches in each of `fields`, literal and (unless exact) number-aware.
    private func matchTerm(_ analyzed: AnalyzedText, fields: [Int], options: SearchOptions, lazyAlignment: Bool,
                           collectStarts: Bool, within: [UInt32]? = nil, budget: CursorBudget,
                           eagerWhenFew: Bool = false, reusePlans: Bool = false, countAlignment: Bool = true) throws -> [FieldMatches] {
        var matcher = TermMatcher(index: index, wordsOnly: options.wordsOnly, collectStarts: collectStarts, budget: budget,
                                  prefixTerms: prefixTerms)
        matcher.countAlignment = countAlignment
        let pieces = options.exact ? nil : NumberPieces(analyzed)
        // A number-aware match that covers the literal one (第二十五条: 第 + 25 in any form + 条)
        // finds every doc and occurrence: with alignment pending, the literal text is matched
        // only later, by `refine`, on the docs that can reach the top k. (Not in an index whose
        // build cut a text inside a number: a doc's number there may be split.)
        let literalCovered = lazyAlignment && within == nil && !options.wordsOnly && index.numbersWhole
            && pieces.map { TermMatcher.numberAwareCoversLiteral($0, analyzed) } == true
        // Every field's plans first (on this thread: planning reads the search's shared
        // dictionary cache), and where a field's matching splits between the threads.
        var plans: [FieldPlan] = []
        plans.reserveCapacity(fields.count)
        // With `reusePlans`, the plans of an unsplit match are kept for `refine`, which takes
        // them back (matching `within` docs).
        for field in fields {
            var plan: TermMatcher.Plan?
            // A frequent text's n-gram counts are its exact matches (not when match starts
            // are wanted: those need positions).
            // (With them, no plan: the literal match is done.)
            let counted = collectStarts ? nil : try matcher.countedMatches(analyzed, field: field, within: within)
            if counted == nil {
                if reusePlans && within != nil, var kept = refinePlans.removeValue(forKey: PlanKey(field: field, text: analyzed.text.string)) {
                    try kept.rewind()
                    plan = kept
                } else {
                    plan = try matcher.plan(analyzed, field: field)
                }
            }
            let numberPlan = try pieces.flatMap { (pieces) throws(IndexError) in try matcher.numberPlan(pieces, field: field) }
            let lazyAlignment = lazyAlignment && !(eagerWhenFew && plan.map(TermMatcher.alignsEagerly) ?? false)
            let literalWaits = counted == nil && literalCovered && lazyAlignment && numberPlan != nil && plan?.alignable == true
            // Split when the literal or the number-aware match has many candidates.
            var split: UInt32?
            if within == nil, options.threads > 1, index.averageLength(field: field) >= Double(options.splitMinimumFieldLength) {
                // A text the index would count were it in `minDocs` docs, and does not, is in
                // fewer: its matching is too short to gain from a second thread (on laws2013's
                // n-gram index, 10 rounds: ダイオキシン 185 → 130 µs at the median on one thread).
                let rare = counted == nil && matcher.countKey(analyzed, field: field) != nil
                if let plan, !literalWaits, !rare { split = try TermMatcher.splitDoc(plan, minimumCandidates: options.splitMinimumCandidates) }
                if split == nil, let numberPlan {
                    split = try TermMatcher.splitDoc(numberPlan, minimumCandidates: options.splitMinimumCandidates)
                }
            }
            plans.append(FieldPlan(field: field, plan: plan, numberPlan: numberPlan, counted: counted, lazyAlignment: lazyAlignment,
                                   literalWaits: literalWaits, split: split))
        }
        /// Matches a field's plans over `range` (or `within`). Plans are matched in place (a
        /// copy would copy every cursor's buffers when it first moves): `fieldPlan` is the
        /// field's own, or a copy of it for one part of a split.
        func match(_ fieldPlan: inout FieldPlan, range: Range<UInt32>?) throws -> FieldMatches {
            let field = fieldPlan.field
            // Without a plan the text cannot match.
            var matches = FieldMatches(field: field)
            if let counted = fieldPlan.counted {
                // (A field is split here only for its number plan: each part takes its range.)
                matches = range.map { counted.restricted(to: $0) } ?? counted
            } else if fieldPlan.literalWaits {
                // (Every literal match is a number-aware one: its alignment is what waits.)
                matches.alignmentPending = true
            } else if fieldPlan.plan != nil {
                matches = try matcher.match(analyzed, field: field, lazyAlignment: fieldPlan.lazyAlignment, within: within,
                                            plan: &fieldPlan.plan!, range: range)
            }
            if fieldPlan.numberPlan != nil {
                matches = TermMatcher.union(matches, try matcher.match(&fieldPlan.numberPlan!, field: field, within: within, range: range))
            }
            return matches
        }
        guard plans.contains(where: { $0.split != nil }) else {
            var perField: [FieldMatches] = []
            perField.reserveCapacity(plans.count)
            for i in plans.indices {
                perField.append(try match(&plans[i], range: nil))
                if reusePlans, let plan = plans[i].plan {
                    plans[i].plan = nil  // (moved: its cursors' buffers stay uniquely referenced)
                    refinePlans[PlanKey(field: plans[i].field, text: analyzed.text.string)] = plan
                }
            }
            return perField
        }
        // The parts of the split fields (each thread on its own copy of the plans), then the
        // other fields (a title, a source), taken in turn by the two threads: a title's
        // matching (up to about 10 µs for a mid-band term on laws2013, much of it the cache
        // misses of its word alignment) no longer waits for the split field's.
        var tasks: [(plan: Int, range: Range<UInt32>?)] = []
        var firstTask = [Int](repeating: 0, count: plans.count)  // a field's (first) task
        for i in plans.indices {
            guard let split = plans[i].split else { continue }
            firstTask[i] = tasks.count
            tasks += [(i, 0..<split), (i, split..<PostingsCursor.exhausted)]
        }
        for i in plans.indices where plans[i].split == nil {
            firstTask[i] = tasks.count
            tasks.append((i, nil))
        }
        let results = try plans.withUnsafeMutableBufferPointer { (planStorage) throws -> [FieldMatches] in
            let shared = UncheckedSendable(planStorage)
            return try Self.inParallel(tasks: tasks.count) { t in
                let (i, range) = tasks[t]
                if range == nil { return try match(&shared.value[i], range: nil) }
                var own = shared.value[i]
                return try match(&own, range: range)
            }
        }
        // Per field, in field order: a split field's two parts joined.
        return plans.indices.map { i in
            let t = firstTask[i]
            return plans[i].split == nil ? results[t] : Self.joined(results[t], results[t + 1])
        }
    }

    /// One field's plans in ``matchTerm``: the literal and the number-aware, whether word
    /// alignment waits, and where the doc ids are cut between the threads (nil: not split).
    private struct FieldPlan {
        var field: Int
        var plan: TermMatcher.Plan?
        var numberPlan: TermMatcher.NumberPlan?
        /// The literal matches, from the text's n-gram counts (``TermMatcher/countedMatches(_:field:within:)``).
        var counted: FieldMatches?
        var lazyAlignment: Bool
        /// The literal match is covered by the number-aware one and left to `refine`.
        var literalWaits: Bool
        var split: UInt32?
    }

    /// Runs the tasks `0..<tasks` on this thread and the ``HelperThread``, each taking the
    /// next task not yet taken until none is left (a thread done with its part of a split
    /// field takes a short field's matching), and returns their results in task order.
    private static func inParallel(tasks: Int, _ body: (Int) throws -> FieldMatches) throws -> [FieldMatches] {
        let results = UnsafeMutableBufferPointer<Result<FieldMatches, Error>?>.allocate(capacity: tasks)
        results.initialize(repeating: nil)
        defer {
            _ = results.deinitialize()
            results.deallocate()
        }
        let slots = UncheckedSendable(results)
        let taken = TaskClaims()
        withoutActuallyEscaping(body) { body in
            let work = UncheckedSendable(body)
            let worker = {
                while let t = taken.next(below: tasks) { slots.value[t] = Result { try work.value(t) } }
            }
            HelperThread.shared.run(worker, worker)
        }
        return try results.map { try $0!.get() }
    }

    /// The two parts of a split field's matches, in doc order.
    private static func joined(_ first: FieldMatches, _ part: FieldMatches) -> FieldMatches {
        var joined = first
        if joined.keptAll && part.keptAll {
            let base = UInt32(joined.keptStarts.count)
            joined.keptStarts += part.keptStarts
            joined.keptEnds += part.keptEnds.map { $0 + base }
        } else {
            joined.keptAll = false
        }
        joined.docs += part.docs
        joined.frequencies += part.frequencies
        joined.aligned += part.aligned
        joined.starts += part.starts
        joined.alignmentPending = joined.alignmentPending || part.alignmentPending
        return joined
    }

    /// The match starts of each field, tagged `field << 24 | start` and sorted, per doc of `docs`.
    static func taggedStarts(_ perField: [FieldMatches], docs: [UInt32]) -> [[UInt32]] {
        var positions = [[UInt32]](repeating: [], count: docs.count)
        for matches in perField where !matches.starts.isEmpty {
            var j = 0
            for (i, doc) in matches.docs.enumerated() {
                while docs[j] != doc { j += 1 }
                positions[j].append(contentsOf: matches.starts[i].map { UInt32(matches.field) << 24 | min($0, 0xFF_FFFF) })
            }
        }
        return positions.map { $0.sorted() }
    }

    /// A term's docs and scores; with `scoring` (increasing), only its docs among those (the
    /// others could not survive the AND being evaluated), its idf still from all its docs.
    private func evaluateTerm(field name: String?, text: String, options: SearchOptions, explanations: inout [UInt32: [String]],
                              highlights: inout [String], positive: Bool, scoring: [UInt32]? = nil) throws -> ScoredDocs {
        let fields = try termFields(name)
        let analyzed = analyzer.analyze(text)
        guard !analyzed.grams.isEmpty else { return ScoredDocs() }
        if positive { highlights.append(Self.trimmingSpaces(analyzed.text.string)) }
        // Word alignment and proximity only change scores: unless they are explained, they are
        // counted later, for the docs that can reach the top (see `refine`).
        let lazy = !options.explain
        let proximity = options.proximity && positive
        // (A term with a proximity bonus to count is matched again anyway: its alignment waits.)
        var perField = try matchTerm(analyzed, fields: fields, options: options, lazyAlignment: lazy,
                                     collectStarts: proximity && !lazy, budget: budget, eagerWhenFew: !proximity,
                                     reusePlans: lazy && positive)
        var union = ScoredDocs()
        let matched = perField.filter { !$0.docs.isEmpty }
        if matched.count == 1 {
            union.docs = matched[0].docs
        } else {
            for matches in matched { union.docs = TermMatcher.union(union.docs, matches.docs) }
        }
        // Score with the term's document frequency over all its fields.
        let idf = options.bm25.idf(documentCount: index.documentCount, docFreq: union.docs.count)
        // (Restricting costs a pass over the matches: worth it when most of them go.)
        if let scoring, union.docs.count > 2 * scoring.count {
            union.docs = SortedDocs.intersect(union.docs, scoring)
            perField = perField.map { $0.restricted(to: union.docs) }
        }
        var scores = [Double](repeating: 0, count: union.docs.count)
        var slack: [Double] = []
        var pendingFields: [PendingTerm.Field] = []
        for matches in perField {
            let spec = index.manifest.fields[matches.field].spec
            let pendingHere = matches.alignmentPending && positive && !matches.docs.isEmpty
            if pendingHere {
                pendingFields.append(PendingTerm.Field(field: matches.field, docs: matches.docs, frequencies: matches.frequencies,
                                                       weight: spec.boost * idf))
                if slack.isEmpty { slack = Array(repeating: 0, count: union.docs.count) }
            }
            Self.accumulate(matches, into: union.docs, norms: lengthNorms(field: matches.field, bm25: options.bm25),
                            weight: spec.boost * idf, bm25: options.bm25, scores: &scores, slack: &slack, withSlack: pendingHere)
            if options.explain && positive {
                let lengths = index.docs.lengths(field: matches.field)
                let average = index.averageLength(field: matches.field)
                for (i, doc) in matches.docs.enumerated() {
                    let tf = Double(matches.frequencies[i] + matches.aligned[i])
                    let length = Int(doc) < lengths.count ? Double(lengths[Int(doc)]) : average
                    explanations[doc, default: []].append("\(text) " + options.bm25.explain(
                        field: spec.name, boost: spec.boost, idf: idf, tf: tf, length: length, averageLength: average)
                        + " (\(matches.frequencies[i]) matches, \(matches.aligned[i]) word-aligned)")
                }
            }
        }
        union.scores = positive ? scores : Array(repeating: 0, count: scores.count)
        union.slack = positive ? slack : []
        if proximity && lazy && !union.docs.isEmpty {
            union.lastTerm = pending.count
            pending.append(PendingTerm(analyzed: analyzed, fields: fields, alignment: pendingFields, proximity: true, kept: Self.kept(perField, proximity: true)))
        } else if !pendingFields.isEmpty {
            pending.append(PendingTerm(analyzed: analyzed, fields: fields, alignment: pendingFields, proximity: false, kept: Self.kept(perField, proximity: false)))
        }
        if proximity && !lazy { union.positions = Self.taggedStarts(perField, docs: union.docs) }
        return union
    }

    /// Adds one field's BM25 part for each of `matches`' docs to `scores` (indexed like `docs`,
    /// which holds every doc of `matches`, increasing): `weight` (boost × idf) times the score
    /// of tf = occurrences + word-aligned occurrences. With `withSlack`, alignment is pending
    /// and `slack` gets what the score would gain were every occurrence aligned (tf doubled).
    /// - Complexity: O(|docs|), one or two divisions a match.
    static func accumulate(_ matches: FieldMatches, into docs: [UInt32], norms: [Double], weight: Double, bm25: BM25,
                           scores: inout [Double], slack: inout [Double], withSlack: Bool) {
        let n = matches.docs.count
        guard n > 0 else { return }
        precondition(matches.frequencies.count == n && matches.aligned.count == n && scores.count == docs.count
                     && (!withSlack || slack.count == docs.count))
        matches.docs.withUnsafeBufferPointer { md in
        matches.frequencies.withUnsafeBufferPointer { mf in
        matches.aligned.withUnsafeBufferPointer { ma in
        docs.withUnsafeBufferPointer { ud in
        norms.withUnsafeBufferPointer { nb in
        scores.withUnsafeMutableBufferPointer { sc in
        slack.withUnsafeMutableBufferPointer { sl in
            var j = 0
            if withSlack {
                // The score and its bound with every occurrence aligned (tf doubled) in the two
                // lanes of one division: the same operations as ``BM25/termScore(tf:norm:)``
                // on each, so the same values, at half the divisions.
                let k1p1 = SIMD2<Double>(repeating: bm25.k1 + 1)
                for i in 0..<n {
                    let doc = md[i]
                    while ud[j] != doc { j &+= 1 }
                    let norm = Self.norm(of: doc, in: nb, bm25: bm25)
                    let tf = SIMD2<Double>(Double(mf[i] &+ ma[i]), 2 * Double(mf[i]))
                    let both = tf * k1p1 / (tf + SIMD2(repeating: norm))
                    sc[j] += weight * both[0]
                    sl[j] += weight * (both[1] - both[0])
                }
                return
            }
            for i in 0..<n {
                let doc = md[i]
                while ud[j] != doc { j &+= 1 }
                let norm = Self.norm(of: doc, in: nb, bm25: bm25)
                sc[j] += weight * bm25.termScore(tf: Double(mf[i] &+ ma[i]), norm: norm)
            }
        } } } } } } }
    }

    /// `doc`'s entry of `norms` (``lengthNorms(field:bm25:)``). Every doc id is below the
    /// document count (the cursor checks each), which is `norms.count`; a doc past it scores as
    /// one of average length would.
    @inline(__always)
    static func norm(of doc: UInt32, in norms: UnsafeBufferPointer<Double>, bm25: BM25) -> Double {
        Int(doc) < norms.count ? norms[Int(doc)] : bm25.lengthNorm(length: 1, averageLength: 1)
    }

    @inline(__always)
    static func norm(of doc: UInt32, in norms: [Double], bm25: BM25) -> Double {
        norms.withUnsafeBufferPointer { norm(of: doc, in: $0, bm25: bm25) }
    }

    /// Each doc's BM25 length norm in `field` (``BM25/lengthNorm(length:averageLength:)``),
    /// computed on first use and kept for later searches with the same k1 and b: 8 bytes a doc
    /// and field.
    func lengthNorms(field: Int, bm25: BM25) -> [Double] {
        if let (params, norms) = normCache[field], params == bm25 { return norms }
        let lengths = index.docs.lengths(field: field)
        let average = index.averageLength(field: field)
        let norms = (0..<index.documentCount).map { doc in
            bm25.lengthNorm(length: doc < lengths.count ? Double(lengths[doc]) : average, averageLength: average)
        }
        normCache[field] = (bm25, norms)
        return norms
    }

    /// The fields where a term matched with its alignment pending (with `proximity`, all where
    /// it matched: refine needs their starts), when each kept every match start (nil otherwise).
    static func kept(_ perField: [FieldMatches], proximity: Bool) -> [FieldMatches]? {
        let needed = perField.filter { !$0.docs.isEmpty && (proximity || $0.alignmentPending) }
        return needed.allSatisfy(\.keptAll) ? needed : nil
    }

    /// `text` without leading and trailing spaces and tabs (`CharacterSet.whitespaces`, without
    /// Foundation's bridging cost on every query term).
    static func trimmingSpaces(_ text: String) -> String {
        func isSpace(_ scalar: Unicode.Scalar) -> Bool { scalar == "\t" || scalar.properties.generalCategory == .spaceSeparator }
        let scalars = text.unicodeScalars
        guard let first = scalars.firstIndex(where: { !isSpace($0) }), let last = scalars.lastIndex(where: { !isSpace($0) }) else { return "" }
        return String(scalars[first...last])
    }

    /// Makes the scores of the docs that can reach the first `window` hits exact, counting
    /// their pending word alignments and proximity bonuses.
    ///
    /// Every score is a lower bound with a slack to its upper bound. θ is the `window`-th best
    /// lower bound; a doc whose upper bound reaches θ may belong in the window, so its pending
    /// terms are matched again on it alone (with alignment and match starts), which makes its
    /// score exact, and θ is taken again, until no doc with slack reaches it. The first round
    /// takes at most `window` docs, those with the highest upper bounds, and each next one four
    /// times as many: once they are exact, θ is usually high enough to rule out most of the
    /// rest. So a few dozen docs are matched again instead of reading the match positions of
    /// every matching doc. (A round opens its terms' postings lists again, hundreds for a lone
    /// character: growing by 4 rather than 2 took 税 from 5 rounds to 3 and 14% fewer
    /// instructions, the other measure queries unchanged.) Docs left with slack rank below
    /// the window whatever their alignment.
    ///
    /// - Returns: the first `window` hits (indices into `result`, best first) once no doc can
    ///   change them, as `TopK.select` gives them; nil when nothing was pending.
    private func refine(_ result: inout ScoredDocs, window: Int, options: SearchOptions) throws -> [Int]? {
        guard !pending.isEmpty, !result.slack.isEmpty, window > 0 else { return nil }
        let bm25 = options.bm25
        var batch = window
        // The docs whose upper bound reached θ last round (all, at first). Scores only grow, so
        // θ never falls: a doc below it once stays below, and selecting among these alone gives
        // the selection over all.
        var alive: [Int]?
        while true {
            let best = alive.map { TopK.select(result.scores, among: $0, count: window) } ?? TopK.select(result.scores, count: window)
            let theta = best.count < window ? -Double.infinity : result.scores[best[best.count - 1]]
            var candidates: [Int] = []
            var reaching: [Int] = []
            // (Reserved: a two-character term's round visits thousands of docs.)
            candidates.reserveCapacity(alive?.count ?? result.docs.count)
            reaching.reserveCapacity(alive?.count ?? result.docs.count)
            result.scores.withUnsafeBufferPointer { scores in
                result.slack.withUnsafeBufferPointer { slack in
                    func visit(_ i: Int) {
                        // (Within the tie margin below θ, a doc may rank alike and go first on its
                        // index: it stays in.)
                        guard scores[i] + slack[i] >= theta - TopK.tieMargin else { return }
                        reaching.append(i)
                        if slack[i] > 0 { candidates.append(i) }
                    }
                    if let alive { for i in alive { visit(i) } } else { for i in scores.indices { visit(i) } }
                }
            }
            alive = reaching
            // The scores are final for the window: its selection is the answer.
            if candidates.isEmpty { return best }
            if candidates.count > batch {
                // The highest upper bounds first: their exact scores raise θ, which usually
                // rules most of the others out without matching them.
                candidates = result.scores.withUnsafeBufferPointer { scores in
                    result.slack.withUnsafeBufferPointer { slack in
                        candidates.withUnsafeBufferPointer { c in
                            TopK.select(count: batch, n: c.count) { scores[c[$0]] + slack[c[$0]] }.map { c[$0] }
                        }
                    }
                }.sorted()
            }
            batch = batch < Int.max / 4 ? 4 * batch : Int.max
            let docs = candidates.map { result.docs[$0] }
            var delta = [Double](repeating: 0, count: docs.count)
            var starts: [Int: [[UInt32]]] = [:]
            for (t, term) in pending.enumerated() {
                // From the kept match starts when there are (no postings opened again), else
                // matched again on these docs alone.
                let perField = try term.kept.map { (kept) throws(IndexError) in
                    try kept.map { (m) throws(IndexError) in try m.kept(within: docs, boundaries: index.docs, collectStarts: term.proximity) }
                } ?? matchTerm(term.analyzed, fields: term.fields, options: options, lazyAlignment: false,
                               collectStarts: term.proximity, within: docs, budget: CursorBudget(), reusePlans: true,
                               countAlignment: !term.alignment.isEmpty || options.wordsOnly)
                if term.proximity { starts[t] = Self.taggedStarts(perField, docs: docs) }
                for pendingField in term.alignment {
                    guard let matches = perField.first(where: { $0.field == pendingField.field }) else { continue }
                    let norms = lengthNorms(field: pendingField.field, bm25: bm25)
                    var c = 0, j = 0
                    for (i, doc) in matches.docs.enumerated() where matches.aligned[i] > 0 {
                        while docs[c] != doc { c += 1 }
                        // The frequency it was scored with (a number-aware count can exceed the literal one).
                        while j < pendingField.docs.count && pendingField.docs[j] < doc { j += 1 }
                        guard j < pendingField.docs.count, pendingField.docs[j] == doc else { continue }
                        let f = Double(pendingField.frequencies[j])
                        let norm = Self.norm(of: doc, in: norms, bm25: bm25)
                        delta[c] += pendingField.weight * (bm25.termScore(tf: f + Double(matches.aligned[i]), norm: norm)
                            - bm25.termScore(tf: f, norm: norm))
                    }
                }
            }
            for pair in pairs {
                guard let a = starts[pair.first], let b = starts[pair.second] else { continue }
                var j = 0
                for (c, doc) in docs.enumerated() {
                    // Only where this AND held (the pair's docs).
                    while j < pair.docs.count && pair.docs[j] < doc { j += 1 }
                    guard j < pair.docs.count, pair.docs[j] == doc else { continue }
                    delta[c] += ScoredDocs.minimumDistance(a[c], b[c]).map { 1 / (1 + Double($0) / 8) } ?? 0
                }
            }
            for (c, i) in candidates.enumerated() {
                result.scores[i] += delta[c]
                result.slack[i] = 0
            }
        }
    }
}

/// The tasks of a split term that its threads have taken: each ``next(below:)`` takes the next
/// one, once.
final class TaskClaims: Sendable {
    private let taken = Atomic<Int>(0)

    /// The next task not taken yet, or nil when all `count` are.
    func next(below count: Int) -> Int? {
        let task = taken.wrappingAdd(1, ordering: .relaxed).oldValue
        return task < count ? task : nil
    }
}

/// Hands a value to the threads of ``Searcher``'s split matching, each of which touches only
/// its own part of it (or only reads it).
struct UncheckedSendable<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
