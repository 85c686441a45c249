import Foundation
import KensakuTestSupport
@testable import KensakuSearch
import Testing

/// A term with many candidates is matched on two threads, each over part of the doc ids
/// (`SearchOptions.threads`). The results must not depend on it: same total, same hits in the
/// same order with the same scores, same facets and explanations.
@Suite("Split search equals one-thread search")
struct SplitSearchTests {
    static let queries = [
        "婦人相談所", "相談所", "人身取引 被害者", "\"人身取引対策\"", "被害者 OR 相談", "(人身取引 被害者) OR 旅券",
        "人身取引 -旅券", "ministry:法務省 在留", "第二十五条", "平成二十三年 人身取引", "児童 売春 防止", "査証",
        "取締り 強化 -警察庁", "の", "する", "関係機関", "\"について\"", "実施 している",
    ]

    static func expectSame(_ searcher: Searcher, _ query: String, _ base: SearchOptions) throws {
        var one = base
        one.threads = 1
        let split = SearchFixtures.splittingEverything(base)
        let a = try searcher.search(query, options: one)
        let b = try searcher.search(query, options: split)
        SearchFixtures.expectSameAnswers(a, b, query)
        for (x, y) in zip(a.hits, b.hits) { #expect(x.explanation == y.explanation, "\(query): \(x.id)") }
        #expect(a.facets.map(\.field) == b.facets.map(\.field), "\(query)")
        for (f, g) in zip(a.facets, b.facets) {
            #expect(f.counts.map(\.value) == g.counts.map(\.value) && f.counts.map(\.count) == g.counts.map(\.count), "\(query)")
        }
    }

    static func optionSets(facet: String?) -> [SearchOptions] {
        var sets: [SearchOptions] = []
        for (exact, words, explain) in [(false, false, false), (true, false, false), (false, true, false), (false, false, true), (true, true, true)] {
            var o = SearchOptions()
            o.exact = exact
            o.wordsOnly = words
            o.explain = explain
            o.limit = 7
            o.allIDs = true
            if let facet { o.facets = [facet] }
            sets.append(o)
        }
        return sets
    }

    @Test("seed report", arguments: queries)
    func seedReport(query: String) throws {
        let searcher = try SearchFixtures.makeSearcher()
        for options in Self.optionSets(facet: "ministry") { try Self.expectSame(searcher, query, options) }
    }

    /// A corpus big enough for postings of several blocks (128 docs each), so that the cut
    /// comes from the skip data, with numbers written in several forms.
    @Test("a corpus of 600 generated documents")
    func generatedCorpus() throws {
        var random = SeededGenerator(seed: 42)
        let words = ["人身取引", "被害者", "保護", "相談所", "婦人", "第二十五条", "第25条", "平成二十三年", "2011年", "の", "を", "、",
                     "法務省", "在留", "許可", "について", "実施", "する", "対策", "査証", "検査証", "。\n"]
        var records: [[String: String]] = []
        for i in 0..<600 {
            let count = Int.random(in: 5...60, using: &random)
            let body = (0..<count).map { _ in words.randomElement(using: &random)! }.joined()
            records.append(["id": "d\(i)", "title": words.randomElement(using: &random)!, "body": body])
        }
        let (searcher, dir) = try SearchFixtures.searcher(records: records, name: "split")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let queries = ["人身取引", "被害者 保護", "\"相談所の\"", "第25条", "平成二十三年", "2011年", "査証", "の", "について 実施 -法務省",
                       "title:在留 OR 許可", "保護 を", "婦人相談所"]
        for query in queries {
            for options in Self.optionSets(facet: nil) { try Self.expectSame(searcher, query, options) }
        }
    }
}
