import KensakuTestSupport
import Foundation
@testable import KensakuSearch
import Testing

/// Word alignment and proximity are counted late, only for the docs that can reach the top k
/// (`Searcher.refine`). `--explain` counts them eagerly for every doc, so the two must rank
/// alike: same hits, same order, same scores.
@Suite("Deferred scoring equals eager scoring")
struct DeferredScoringTests {
    let searcher: Searcher

    init() throws { searcher = try SearchFixtures.makeSearcher() }

    @Test("Top hits and scores with alignment and proximity counted late or eagerly", arguments: [
        "婦人相談所", "相談所", "人身取引 被害者", "人身取引 被害者 保護", "外国人 在留", "\"人身取引対策\"",
        "被害者 OR 相談", "(人身取引 被害者) OR 旅券", "人身取引 -(-被害者)", "人身取引 -旅券", "ministry:法務省 在留",
        "第二十五条", "平成二十三年 人身取引", "児童 売春 防止", "査証", "取締り 強化 -警察庁",
        // One character (a union of many grams, matched again round after round by the same
        // rewound plan), twice in one query (one kept plan serves both), and beside another.
        "人", "人 人", "者 OR 人", "保護 保",
    ])
    func deferredEqualsEager(query: String) throws {
        for (limit, offset) in [(1, 0), (3, 0), (10, 0), (5, 5), (1_000, 0)] {
            for words in [false, true] {
                var lazy = SearchOptions()
                lazy.limit = limit
                lazy.offset = offset
                lazy.wordsOnly = words
                var eager = lazy
                eager.explain = true
                let a = try searcher.search(query, options: lazy)
                let b = try searcher.search(query, options: eager)
                SearchFixtures.expectSameAnswers(a, b, "\(query) limit \(limit) offset \(offset) words \(words)")
            }
        }
    }

    @Test("Scoring a field's matches gives BM25.termScore's values, bit for bit, and the all-aligned slack",
          arguments: [false, true])
    func accumulateEqualsTermScore(withSlack: Bool) {
        var generator = SeededGenerator(seed: withSlack ? 7 : 8)
        let bm25 = BM25(k1: 1.2, b: 0.75)
        let documentCount = 500
        let norms = (0..<documentCount).map { _ in bm25.lengthNorm(length: Double.random(in: 1...50_000, using: &generator), averageLength: 3_000) }
        // The union of two fields' docs; this field's are a subset of it.
        let union = (0..<UInt32(documentCount)).filter { _ in Bool.random(using: &generator) }
        var matches = FieldMatches(field: 1)
        matches.docs = union.filter { _ in Int.random(in: 0..<3, using: &generator) > 0 }
        matches.frequencies = matches.docs.map { _ in UInt32.random(in: 1...400, using: &generator) }
        matches.aligned = matches.frequencies.map { f in withSlack ? 0 : UInt32.random(in: 0...f, using: &generator) }
        let before = union.map { _ in Double.random(in: 0...5, using: &generator) }
        var scores = before
        var slack = withSlack ? union.map { _ in Double.random(in: 0...1, using: &generator) } : []
        let slackBefore = slack
        Searcher.accumulate(matches, into: union, norms: norms, weight: 2.5, bm25: bm25, scores: &scores, slack: &slack, withSlack: withSlack)
        var j = 0
        for (i, doc) in matches.docs.enumerated() {
            while union[j] != doc { j += 1 }
            let norm = norms[Int(doc)]
            let part = bm25.termScore(tf: Double(matches.frequencies[i] + matches.aligned[i]), norm: norm)
            #expect(scores[j] == before[j] + 2.5 * part, "doc \(doc)")
            if withSlack {
                let most = bm25.termScore(tf: 2 * Double(matches.frequencies[i]), norm: norm)
                #expect(slack[j] == slackBefore[j] + 2.5 * (most - part), "doc \(doc)")
            }
        }
        // Docs of the union that this field lacks are left alone.
        let untouched = union.indices.filter { !matches.docs.contains(union[$0]) }
        #expect(untouched.allSatisfy { scores[$0] == before[$0] })
    }

    /// Starts as dense as the positions (30%, many hits), 10%, 5%
    /// (merged), 2% and sparser (galloping); lists of every length modulo 4.
    @Test("keepAligned (merge or galloping) equals a filter", arguments: 0..<60)
    func keepAligned(seed: Int) {
        var rng = SeededGenerator(seed: UInt64(seed))
        let perMille: UInt64 = [300, 100, 50, 20, 2, 0][seed % 6]
        var positions: [UInt32] = []
        var starts: [UInt32] = []
        for p in 0..<UInt32(3_000 + seed) {
            if rng.next() % 100 < 30 { positions.append(p) }
            if rng.next() % 1000 < max(perMille, 1) { starts.append(p) }
        }
        for offset: UInt32 in [0, 1, 3] {
            var got = starts
            TermMatcher.keepAligned(&got, positions, offset: offset)
            let set = Set(positions)
            #expect(got == starts.filter { set.contains($0 + offset) })
        }
    }
}

