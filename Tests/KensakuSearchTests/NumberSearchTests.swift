import Foundation
import KensakuAnalysis
import KensakuCorpus
import KensakuIndex
import KensakuSearch
import Testing

@Suite("Numbers and era years in search")
struct NumberSearchTests {
    static let documents: [[String: String]] = [
        ["id": "kanji", "title": "甲法", "body": "第二十五条 前条の規定は、平成二十三年四月一日から施行する。"],
        ["id": "digits", "title": "乙法", "body": "第25条 この法律は、2011年4月1日から施行する。"],
        ["id": "wide", "title": "丙法", "body": "第２５条 平成23年度の予算は十万二千五百円とする。"],
        ["id": "showa", "title": "丁法", "body": "昭和二十二年法律第百号。第一条の規定による。"],
        ["id": "other", "title": "戊法", "body": "一般の事務を統一し、万一の場合に備える。第二十六条。"],
        ["id": "money", "title": "己法", "body": "手数料は102,500円とする。1947年に定めた。"],
    ]

    static func searcher() throws -> (Searcher, String) {
        try SearchFixtures.searcher(records: documents, name: "numbers")
    }

    func ids(_ searcher: Searcher, _ query: String, exact: Bool = false) throws -> Set<String> {
        var options = SearchOptions()
        options.allIDs = true
        options.exact = exact
        let result = try searcher.search(query, options: options)
        return Set(result.allDocs.map { searcher.index.docs.id($0) })
    }

    @Test("Equivalent forms are found by default, and only the literal one with exact")
    func equivalences() throws {
        let (searcher, dir) = try Self.searcher()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let cases: [(String, Set<String>, Set<String>)] = [
            ("第25条", ["kanji", "digits", "wide"], ["digits", "wide"]),
            ("第二十五条", ["kanji", "digits", "wide"], ["kanji"]),
            ("2011年", ["kanji", "digits", "wide"], ["digits"]),
            ("平成二十三年", ["kanji", "digits", "wide"], ["kanji"]),
            ("1947年", ["showa", "money"], ["money"]),
            ("昭和二十二年", ["showa", "money"], ["showa"]),
            ("102500円", ["wide", "money"], []),
            ("第1条", ["showa"], []),
            ("一般", ["other"], ["other"]),
            ("第26条", ["other"], []),
        ]
        for (query, expected, literal) in cases {
            #expect(try ids(searcher, query) == expected, "\(query)")
            #expect(try ids(searcher, query, exact: true) == literal, "\(query) --exact")
        }
    }

    @Test("Highlights land on the form the document wrote")
    func highlights() throws {
        let (searcher, dir) = try Self.searcher()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let snippet = searcher.snippet(of: "第二十五条 平成二十三年四月", terms: ["第25条", "2011年"])
        #expect(snippet.render(open: "[", close: "]") == "[第二十五条] [平成二十三年]四月")
        let exact = searcher.snippet(of: "第二十五条 平成二十三年四月", terms: ["第25条"], numbers: false)
        #expect(exact.matchCount == 0)
    }
}

@Suite("Proximity")
struct ProximityTests {
    @Test("Terms that match close together rank first")
    func closeTermsRankFirst() throws {
        let filler = String(repeating: "あいうえお", count: 40)
        let (searcher, dir) = try SearchFixtures.searcher(records: [
            ["id": "far", "title": "甲", "body": "児童" + filler + "虐待"],
            ["id": "near", "title": "乙", "body": "児童虐待" + filler],
        ], name: "proximity")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var options = SearchOptions()
        options.explain = true
        let ranked = try searcher.search("児童 虐待", options: options)
        #expect(ranked.hits.map(\.id) == ["near", "far"])
        #expect(ranked.hits[0].explanation.contains { $0.hasPrefix("proximity") })
        #expect(ranked.hits[0].score > ranked.hits[1].score)
        options.proximity = false
        let flat = try searcher.search("児童 虐待", options: options)
        #expect(abs(flat.hits[0].score - flat.hits[1].score) < 1e-9)
    }
}

@Suite("Prolonged sound mark at the start of a query")
struct ProlongedSoundMarkTests {
    @Test("ーション finds ニュースキュレーション")
    func leadingChoonpu() throws {
        let analyzer = try KensakuAnalysis.Analyzer()
        let document = analyzer.normalize("ニュースキュレーション").string
        let query = analyzer.normalize("ーション").string
        #expect(query == "ーション")
        #expect(document.contains(query))
        #expect(analyzer.normalize("ー1").string == "-1")
    }
}
