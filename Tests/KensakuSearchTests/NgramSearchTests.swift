import Foundation
import KensakuAnalysis
import KensakuIndex
@testable import KensakuSearch
import KensakuTestSupport
import Testing

/// An index built with n-gram counts answers a frequent term from its counts: the same
/// answers as through the positional grams, with no position read.
@Suite("Matching by n-gram counts")
struct NgramSearchTests {
    @Test("The same answers with n-gram counts as without: hits, totals, order and scores",
          arguments: [(2, false), (1, true), (5, false)])
    func sameAnswers(minDocs: Int, trigrams: Bool) throws {
        var rng = SeededGenerator(seed: 0x6_6A35 &+ UInt64(minDocs))
        let pieces = ["生活", "保護", "生", "活", "保", "護", "法", "の", "第二十五条", "第25条", "二十", "五", "条", "、", "。",
                      "マイレージ", "ー", "𠮷", "(", ")", " ", "平成二十三年", "規定", "査証", "検査証"]
        let (records, texts) = SearchFixtures.generatedRecords(pieces: pieces, using: &rng)
        let (plain, plainDir) = try SearchFixtures.searcher(records: records, name: "plain")
        defer { try? FileManager.default.removeItem(atPath: plainDir) }
        var options = IndexBuildOptions()
        options.ngrams = NgramSettings(minDocs: minDocs)
        options.trigrams = trigrams
        let (counted, countedDir) = try SearchFixtures.searcher(records: records, name: "ngrams", options: options)
        defer { try? FileManager.default.removeItem(atPath: countedDir) }
        #expect(counted.index.ngramsWhole != nil && plain.index.ngramsWhole == nil)

        var queries: [String] = ["生活保護", "保護法の", "生活保護法", "第二十五条", "二十五条", "平成二十三年", "マイレージ", "イレー", "査証",
                                 "生活、保護", "護。生", "(第", "\"生活 保護\"", "生活保護 -法", "活保護 OR 第25条", "title:生活保護", "𠮷生活",
                                 "生", "護", "𠮷", "生活 保護 法", "\"生活保護法の規定\"", "生活保護法の規定第二十五条"]
        queries += SearchFixtures.generatedQueries(texts: texts, pieces: pieces, lengths: 1...13, joined: 1...3, using: &rng)
        // The counts must really answer: most queries' terms are counted in the body.
        let analyzer = try Analyzer()
        let matcher = TermMatcher(index: counted.index, wordsOnly: false)
        let body = try #require(counted.index.fieldNumber("body"))
        let answered = try queries.filter { try matcher.countedMatches(analyzer.analyze($0), field: body, within: nil) != nil }.count
        #expect(answered > 30, "\(answered) of \(queries.count)")

        #expect(SearchFixtures.expectSameAnswers(plain, counted, queries: queries) > 200)
    }

    @Test("A count too large to pack (escaped) ranks as through the grams")
    func escapedCounts() throws {
        // Doc 0 holds 犬 70,001 times (70,000 of them words), above the packed limit.
        let bodies = [String(repeating: "犬 ", count: 70_000) + "猫犬", "犬 犬 犬 猫犬", "猫犬", "猫 犬犬"]
        let records = bodies.indices.map { ["id": "d\($0)", "title": "犬", "body": bodies[$0]] }
        let (plain, plainDir) = try SearchFixtures.searcher(records: records, name: "plain")
        defer { try? FileManager.default.removeItem(atPath: plainDir) }
        var options = IndexBuildOptions()
        options.ngrams = NgramSettings(minDocs: 2)
        let (counted, countedDir) = try SearchFixtures.searcher(records: records, name: "ngrams", options: options)
        defer { try? FileManager.default.removeItem(atPath: countedDir) }
        let body = try #require(counted.index.fieldNumber("body"))
        let matches = try #require(try TermMatcher(index: counted.index, wordsOnly: false)
            .countedMatches(Analyzer().analyze("犬"), field: body, within: nil))
        #expect(matches.docs == [0, 1, 2, 3] && matches.frequencies[0] == 70_001 && matches.aligned[0] >= 70_000)
        #expect(SearchFixtures.expectSameAnswers(plain, counted, queries: ["犬", "猫犬", "犬 猫", "\"犬 犬\"", "犬犬"]) >= 4)
    }

    @Test("Counts of an older layout are not used: the terms are matched through their grams")
    func olderLayout() throws {
        let records = (0..<8).map { ["id": "d\($0)", "body": String(repeating: "生活保護法の規定 ", count: $0 + 1)] }
        var options = IndexBuildOptions()
        options.ngrams = NgramSettings(minDocs: 2)
        let (counted, dir) = try SearchFixtures.searcher(records: records, name: "ngrams", options: options)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        #expect(counted.index.manifest.ngrams?.layout == Ngrams.layout && counted.index.ngramsWhole != nil)
        // The manifest as a build before layout 2 wrote it: no layout key.
        let path = dir + "/i/manifest.json"
        var manifest = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any])
        var ngrams = try #require(manifest["ngrams"] as? [String: Any])
        ngrams["layout"] = nil
        manifest["ngrams"] = ngrams
        try JSONSerialization.data(withJSONObject: manifest, options: [.sortedKeys]).write(to: URL(fileURLWithPath: path))
        let old = try Searcher(index: IndexReader.open(directory: dir + "/i"))
        #expect(old.index.manifest.ngrams?.layout == nil && old.index.ngramsWhole == nil)
        let body = try #require(old.index.fieldNumber("body"))
        #expect(try TermMatcher(index: old.index, wordsOnly: false).countedMatches(Analyzer().analyze("生活保護"), field: body, within: nil) == nil)
        #expect(SearchFixtures.expectSameAnswers(counted, old, queries: ["生活保護", "保護法の規定", "生活 規定", "\"法の\""]) > 20)
    }
}
