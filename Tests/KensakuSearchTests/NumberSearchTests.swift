import Foundation
import KensakuAnalysis
import KensakuCorpus
import KensakuIndex
@testable import KensakuSearch
import KensakuTestSupport
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

/// Number-aware matching against a brute-force oracle on random text made of numerals, era
/// names, counters and other characters: a doc matches a term when some value of an analyzed
/// field holds its normalized text, or ``NumberPieces`` finds its pieces there in a row.
@Suite("Number-aware matching equals the brute-force oracle")
struct NumberOracleTests {
    static let fragments = ["第", "条", "年", "項", "号", "平成", "昭和", "元", "一", "二", "三", "五", "十", "百", "千", "万",
                            "〇", "1", "2", "5", "0", "２", "、", "の", "規定", "に", "法律", "同", "。"]

    /// With `exact`, literal matching only: the oracle is the substring alone, and the literal
    /// plan also requires the numbers enclosed in the term (``TermMatcher/enclosedNumbers``).
    @Test("Random documents and number queries", arguments: [false, true])
    func randomCorpus(exact: Bool) throws {
        var rng = SeededGenerator(seed: 0x4E55_4D42)
        func form(_ n: Int, _ style: Int) -> String {
            let digits = Array(String(n)).map { Int(String($0))! }
            let kanji = ["〇", "一", "二", "三", "四", "五", "六", "七", "八", "九"]
            let wide = ["０", "１", "２", "３", "４", "５", "６", "７", "８", "９"]
            func positional(_ n: Int, _ numerals: [String], _ units: [String]) -> String {
                // 千 百 十 with an implicit 1 (百二十 = 120), as in 第百二十五条.
                var out = ""
                for (k, unit) in [(1000, units[2]), (100, units[1]), (10, units[0])] where n / k % 10 > 0 {
                    out += (n / k % 10 == 1 ? "" : numerals[n / k % 10]) + unit
                }
                return out + (n % 10 == 0 ? "" : numerals[n % 10])
            }
            switch style {
            case 4: return positional(n, kanji, ["十", "百", "千"])   // 千二百五
            case 5: return positional(n, ["〇", "壱", "弐", "参", "四", "五", "六", "七", "八", "九"], ["拾", "百", "千"])  // 弐拾五
            case 0: return String(n)                                  // 25
            case 1: return digits.map { wide[$0] }.joined()           // ２５
            case 2: return digits.map { kanji[$0] }.joined()          // 二五
            default:                                                  // 二十五
                if n < 10 { return kanji[n] }
                let tens = n / 10 == 1 ? "" : kanji[n / 10]
                return tens + "十" + (n % 10 == 0 ? "" : kanji[n % 10])
            }
        }
        func phrase() -> String {
            // Values up to 30, and a few with 百 and 千 (whose kanji forms start with a unit).
            let n = Bool.random(using: &rng) ? Int.random(in: 1...30, using: &rng) : [100, 105, 120, 125, 1000, 1020, 1200].randomElement(using: &rng)!
            let form = form(n, n > 30 ? [0, 1, 4, 5].randomElement(using: &rng)! : Int.random(in: 0...5, using: &rng))
            return ["第\(form)条", "\(form)年", "平成\(form)年", "昭和\(form)年", form, "第\(form)", "\(form)条の", "同\(form)項"]
                .randomElement(using: &rng)!
        }
        var records: [[String: String]] = []
        for d in 0..<80 {
            var body = ""
            for _ in 0..<Int.random(in: 3...20, using: &rng) {
                body += Bool.random(using: &rng) ? phrase() : Self.fragments.randomElement(using: &rng)!
            }
            records.append(["id": "d\(d)", "title": "t", "body": body])
        }
        let (searcher, dir) = try SearchFixtures.searcher(records: records, name: "number-oracle")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let analyzer = try Analyzer()
        let bodies = records.map { analyzer.analyze($0["body"]!) }
        let queries = (0..<80).map { _ in phrase() }
        var checked = 0
        for query in queries {
            let analyzed = analyzer.analyze(query)
            let needle = analyzed.text.units
            let pieces = NumberPieces(analyzed)
            var expected: Set<String> = []
            for (d, body) in bodies.enumerated() {
                let units = body.text.units
                let literal = needle.count <= units.count && (0...(units.count - needle.count)).contains { Array(units[$0..<($0 + needle.count)]) == needle }
                let numeric = !exact && (pieces.map { !$0.matches(in: units, numbers: body.numbers).isEmpty } ?? false)
                if literal || numeric { expected.insert("d\(d)") }
            }
            var options = SearchOptions()
            options.allIDs = true
            options.exact = exact
            let found = Set(try searcher.search("body:\"\(query)\"", options: options).allDocs.map { searcher.index.docs.id($0) })
            #expect(found == expected, "\(query)")
            if !expected.isEmpty { checked += 1 }
        }
        #expect(checked > 40)
        #expect(searcher.index.numbersWhole)
    }
}

/// A term whose numbers are all enclosed in it (第二十五条: 第 + 25 + 条) is matched by the
/// number-aware plan alone at first: every literal match is a number-aware one. Its literal
/// matches, needed only for word alignment, wait for `refine`. Ranking must not change: the
/// same hits, order and scores as `--explain`, which matches the literal text eagerly.
@Suite("A number-aware match that covers the literal one")
struct CoveredLiteralTests {
    @Test("Which terms are covered")
    func covered() throws {
        let analyzer = try Analyzer()
        func covers(_ text: String) -> Bool {
            let analyzed = analyzer.analyze(text)
            return NumberPieces(analyzed).map { TermMatcher.numberAwareCoversLiteral($0, analyzed) } ?? false
        }
        #expect(covers("第二十五条") && covers("第25条") && covers("同三項") && covers("第百二十条の"))
        // A number at an end of the term can be part of a longer one in a document (百二十五条
        // holds 二十五条, but its number is 125); an era year spans the era name.
        #expect(!covers("二十五条") && !covers("第二十五") && !covers("平成二十三年") && !covers("規定"))
    }

    @Test("Covered terms rank as when matched eagerly", arguments: ["第二十五条", "第25条", "同三項", "第十条", "二十五条", "平成二十三年"])
    func ranksAsEager(query: String) throws {
        var rng = SeededGenerator(seed: 0x434F_5645)
        let forms = ["第二十五条", "第25条", "第２５条", "第弐拾五条", "第二五条", "同三項", "同3項", "第十条", "第10条", "百二十五条",
                     "平成二十三年", "平成23年", "2011年", "規定", "の", "に", "。", "第", "条", "五", "十"]
        var records: [[String: String]] = []
        for d in 0..<150 {
            let body = (0..<Int.random(in: 5...80, using: &rng)).map { _ in forms.randomElement(using: &rng)! }.joined()
            records.append(["id": "d\(d)", "title": forms.randomElement(using: &rng)!, "body": body])
        }
        let (searcher, dir) = try SearchFixtures.searcher(records: records, name: "covered")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        for (limit, words) in [(1, false), (5, false), (20, false), (1_000, false), (10, true)] {
            for threads in [1, 2] {
                var lazy = SearchOptions()
                lazy.limit = limit
                lazy.wordsOnly = words
                lazy.allIDs = true
                lazy = SearchFixtures.splittingEverything(lazy)
                lazy.threads = threads
                var eager = lazy
                eager.explain = true
                let a = try searcher.search(query, options: lazy)
                let b = try searcher.search(query, options: eager)
                #expect(a.total > 0, "\(query)")
                // The same order, ties included (`TopK.rank`: the two paths add the same parts
                // in another order, which can change a tie's last bit).
                SearchFixtures.expectSameAnswers(a, b, "\(query) limit \(limit) words \(words) threads \(threads)")
            }
        }
    }
}
