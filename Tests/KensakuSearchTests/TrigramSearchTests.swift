import Foundation
import KensakuAnalysis
import KensakuIndex
@testable import KensakuSearch
import KensakuTestSupport
import Testing

/// An index built with trigrams matches a term of three characters or more by a cover of
/// bigrams and trigrams: the same answers as by bigrams alone, only fewer positions read.
@Suite("Matching by trigrams")
struct TrigramSearchTests {
    @Test("The cover has the least cost, covers every character, and goes by start")
    func cheapestCover() {
        // Index/FORMAT.md's worked example: 婦人相談所, every gram occurring once.
        #expect(TermMatcher.cheapestCover(bigrams: [1, 1, 1, 1], trigrams: [1, 1, 1]).map { [$0.index, $0.length] } == [[0, 2], [2, 3]])
        // Bigrams only where no trigram is indexed (相談、所).
        #expect(TermMatcher.cheapestCover(bigrams: [5, 1, 1], trigrams: [nil, nil]).map { [$0.index, $0.length] } == [[0, 2], [2, 2]])
        var rng = SeededGenerator(seed: 0x7219)
        for _ in 0..<400 {
            let characters = Int.random(in: 2...8, using: &rng)
            let bigrams = (0..<(characters - 1)).map { _ in Int.random(in: 1...50, using: &rng) }
            let trigrams: [Int?] = (0..<max(0, characters - 2)).map { _ in
                Bool.random(using: &rng) ? Int.random(in: 1...50, using: &rng) : nil
            }
            let cover = TermMatcher.cheapestCover(bigrams: bigrams, trigrams: trigrams)
            func cost(_ gram: (index: Int, length: Int)) -> Int { gram.length == 2 ? bigrams[gram.index] : trigrams[gram.index]! }
            var covered = Set<Int>()
            for gram in cover {
                #expect(gram.length == 2 || trigrams[gram.index] != nil)
                covered.formUnion(gram.index..<(gram.index + gram.length))
            }
            #expect(covered == Set(0..<characters))
            #expect(cover.map(\.index) == cover.map(\.index).sorted())
            // Brute force over every set of grams.
            let all = bigrams.indices.map { ($0, 2) } + trigrams.indices.compactMap { trigrams[$0] == nil ? nil : ($0, 3) }
            var best = Int.max
            for mask in 1..<(1 << all.count) {
                var chars = Set<Int>()
                var total = 0
                for (k, gram) in all.enumerated() where mask & (1 << k) != 0 {
                    chars.formUnion(gram.0..<(gram.0 + gram.1))
                    total += cost(gram)
                }
                if chars.count == characters { best = min(best, total) }
            }
            #expect(cover.map(cost).reduce(0, +) == best, "\(bigrams) \(trigrams)")
        }
    }

    @Test("The same answers with trigrams as without: hits, totals, order and scores")
    func sameAnswers() throws {
        var rng = SeededGenerator(seed: 0x3_6EA5)
        // A small alphabet, so that grams recur in many places and lengths: terms of every
        // length line up by bigrams and trigrams alike. Punctuation keeps some trigrams out.
        let pieces = ["生活", "保護", "生", "活", "保", "護", "法", "の", "第二十五条", "第25条", "二十", "五", "条", "、", "。",
                      "マイレージ", "ー", "𠮷", "(", ")", " ", "平成二十三年", "規定"]
        let (records, texts) = SearchFixtures.generatedRecords(pieces: pieces, using: &rng)
        let (plain, plainDir) = try SearchFixtures.searcher(records: records, name: "bigrams")
        defer { try? FileManager.default.removeItem(atPath: plainDir) }
        var options = IndexBuildOptions()
        options.trigrams = true
        let (tri, triDir) = try SearchFixtures.searcher(records: records, name: "trigrams", options: options)
        defer { try? FileManager.default.removeItem(atPath: triDir) }
        #expect(tri.index.trigramsWhole && !plain.index.trigramsWhole)

        // Substrings of the texts (they occur), strings of pieces (they may not), and a few
        // queries of every kind.
        var queries: [String] = ["生活保護", "保護法の", "生活保護法", "第二十五条", "二十五条", "平成二十三年", "マイレージ", "イレー",
                                 "生活、保護", "護。生", "(第", "\"生活 保護\"", "生活保護 -法", "活保護 OR 第25条", "title:生活保護", "𠮷生活"]
        queries += SearchFixtures.generatedQueries(texts: texts, pieces: pieces, lengths: 3...8, joined: 2...3, using: &rng)
        #expect(SearchFixtures.expectSameAnswers(plain, tri, queries: queries) > 200)
    }
}
