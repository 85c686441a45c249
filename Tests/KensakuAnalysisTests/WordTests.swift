import Testing
@testable import KensakuAnalysis

@Suite("Words")
struct WordTests {
    static let cases: [(String, [String])] = [
        ("婦人相談所では", ["婦人", "相談", "所", "では"]),
        ("婦人相談所長", ["婦人", "相談", "所長"]),
        ("マイレージ", ["マイレージ"]),
        ("ニュースキュレーション", ["ニュースキュレーション"]),
        ("第二十五条", ["第二", "十五", "条"]),
        ("ＩＣＰＯ", ["icpo"]),
        ("２５", ["25"]),
        ("ｶｰﾄﾞ", ["カード"]),
        ("ポスター・リーフレット", ["ポスター", "リーフレット"]),
        ("  ", []),
        ("、。「」", []),
    ]

    /// Phrases from the seed report (`Index/follow-up-2011.tsv`), with ICU 72's segmentation.
    static let seedCases: [(String, [String])] = [
        ("人身取引対策行動計画", ["人身", "取引", "対策", "行動", "計画"]),
        ("IOM(国際移住機関)", ["iom", "国際", "移住", "機関"]),
        ("コンタクトポイント連絡会議", ["コンタクトポイント", "連絡", "会議"]),
        ("在京大使館", ["在京", "大使館"]),
        ("平成23年中(9月末現在)", ["平成", "23", "年", "中", "9", "月末", "現在"]),
        ("外国人女性等が稼働する店舗", ["外国", "人", "女性", "等", "が", "稼働", "する", "店舗"]),
        ("「人身取引対策行動計画2009」フォローアップ", ["人身", "取引", "対策", "行動", "計画", "2009", "フォローアップ"]),
        ("<p>◎警察では、", ["p", "警察", "では"]),
        ("平成24年1～2月", ["平成", "24", "年", "1", "2", "月"]),
        ("「人身取引—予防、訴追、被害者保護", ["人身", "取引", "予防", "訴追", "被害", "者", "保護"]),
    ]

    @Test("word table", arguments: cases)
    func words(text: String, expected: [String]) throws {
        #expect(try analyzeBytes(text, memoize: true).wordTerms == expected)
        #expect(try analyzeBytes(text, memoize: false).wordTerms == expected)
    }

    @Test("words of seed report phrases", arguments: seedCases)
    func seedWords(text: String, expected: [String]) throws {
        #expect(try analyzeBytes(text).wordTerms == expected)
        // The phrases come from the report, and analyze the same in place.
        let report = try SeedReport.text()
        #expect(report.contains(text))
        let line = try #require(SeedReport.lines().first { $0.contains(text) })
        let analyzed = try analyzeBytes(line)
        let normalized = normalizeForSearch(text)
        let offset = try #require(analyzed.text.string.utf16.indexOf(Array(normalized.utf16)))
        let inside = analyzed.words.filter { Int($0.start) >= offset && Int($0.end) <= offset + normalized.utf16.count }
        #expect(inside.map(analyzed.term) == expected)
    }

    @Test("word positions and source ranges")
    func positions() throws {
        let analyzed = try analyzeBytes("婦人相談所では")
        #expect(analyzed.words.map(\.position) == [0, 2, 4, 5])
        #expect(analyzed.words.map(analyzed.sourceRange) == [0..<6, 6..<12, 12..<15, 15..<21])
        let wide = try analyzeBytes("ＩＣＰＯと２５")
        #expect(wide.wordTerms == ["icpo", "と", "25"])
        #expect(wide.words.map(wide.sourceRange) == [0..<12, 12..<15, 15..<21])
    }

    /// ICU alone shreds unknown katakana words; the repair joins adjacent all-katakana
    /// segments, and only those.
    @Test("katakana repair")
    func katakanaRepair() throws {
        let units: [UInt16] = Array("マイレージ券".utf16)
        units.withUnsafeBufferPointer { buffer in
            let raw = [TokenSpan(start: 0, end: 2), TokenSpan(start: 2, end: 3), TokenSpan(start: 3, end: 5), TokenSpan(start: 5, end: 6)]
            #expect(Analyzer.repairKatakana(raw, buffer) == [TokenSpan(start: 0, end: 5), TokenSpan(start: 5, end: 6)])
            // Segments that do not touch are not joined.
            let gap = [TokenSpan(start: 0, end: 2), TokenSpan(start: 3, end: 5)]
            #expect(Analyzer.repairKatakana(gap, buffer) == gap)
        }
        #expect(try analyzeBytes("マイレージ券").wordTerms.first == "マイレージ")
        // A middle dot is punctuation: it separates katakana words.
        #expect(try analyzeBytes("ポスター・リーフレット").wordTerms.count == 2)
    }

    @Test("analyze(String) equals analyze(utf8:)")
    func stringEntryPoint() throws {
        let analyzer = try Analyzer()
        for text in try SeedReport.lines().prefix(20) + RandomText.samples(seed: 7, count: 30) {
            let a = analyzer.analyze(text)
            let b = try analyzeBytes(text, analyzer: analyzer)
            #expect(a.words == b.words && a.grams == b.grams && a.text.units == b.text.units)
        }
    }
}

extension String.UTF16View {
    /// The offset of the first occurrence of `needle`.
    func indexOf(_ needle: [UInt16]) -> Int? {
        let hay = Array(self)
        guard needle.count <= hay.count else { return nil }
        return (0...(hay.count - needle.count)).first { hay[$0..<$0 + needle.count].elementsEqual(needle) }
    }
}
