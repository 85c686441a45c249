import Testing
@testable import KensakuAnalysis
import KensakuTestSupport

@Suite("Normalization")
struct NormalizationTests {
    /// NFKC-casefold plus the Japanese folds, hiragana folding off (the default).
    @Test("normalizeForSearch", arguments: [
        // Compatibility characters.
        ("㍿", "株式会社"),
        ("㈱", "(株)"),
        ("㌔", "キロ"),
        ("㍻", "平成"),
        ("①", "1"),
        ("⑳", "20"),
        ("Ⅳ", "iv"),
        ("ﬁ", "fi"),
        // Half-width katakana, with voicing marks composed.
        ("ｶﾞ", "ガ"),
        ("ﾊﾟﾝ", "パン"),
        ("ｷﾞｬﾗﾘｰ", "ギャラリー"),
        // Full-width Latin and digits, case folded.
        ("ＩＣＰＯ", "icpo"),
        ("２５", "25"),
        ("Straße", "strasse"),
        ("ΣΑΣ", "σασ"),
        // Voicing marks: spacing (U+309B/U+309C) after kana, and combining.
        ("か゛", "が"),
        ("は゜", "ぱ"),
        ("カ゛", "ガ"),
        ("か\u{3099}", "が"),
        ("は\u{309A}", "ぱ"),
        // Wave dashes.
        ("〜", "〜"), ("～", "〜"), ("~", "〜"), ("∼", "〜"), ("〰", "〜"), ("1～2", "1〜2"),
        // Hyphens, dashes and minus signs.
        ("‐", "-"), ("‑", "-"), ("–", "-"), ("—", "-"), ("−", "-"), ("﹣", "-"), ("－", "-"), ("―", "-"),
        ("人身取引—予防", "人身取引-予防"),
        // The prolonged sound mark: kept after kana, half-width too; a hyphen elsewhere.
        ("ラーメン", "ラーメン"),
        ("すーっと", "すーっと"),
        ("ｶｰﾄﾞ", "カード"),
        ("ㇰー", "ㇰー"),
        ("長ー", "長-"),
        ("aｰ", "a-"),
        ("ｰ", "-"),
        ("ー", "-"),
        // Iteration marks: the kana they repeat, voiced or not, in their own script only.
        ("こゝろ", "こころ"),
        ("いすゞ", "いすず"),
        ("ぶゝ", "ぶふ"),
        ("ぶゞ", "ぶぶ"),
        ("カヽキヾ", "カカキギ"),
        ("バヽ", "バハ"),
        ("ハヾ", "ハバ"),
        ("カゝ", "カゝ"),
        ("かヽ", "かヽ"),
        ("ゝ", "ゝ"),
        // Hiragana stays hiragana by default.
        ("ひらがな", "ひらがな"),
        ("ゔ", "ゔ"),
        ("ゟ", "より"),
    ] as [(String, String)])
    func normalizeForSearchTable(input: String, expected: String) throws {
        #expect(normalizeForSearch(input) == expected, "\(scalarDump(input)) → \(scalarDump(normalizeForSearch(input)))")
        // The analyzer normalizes the same way, through both of its entry points.
        let analyzer = try Analyzer()
        #expect(analyzer.normalize(input).string == expected)
        #expect(try analyzeBytes(input, analyzer: analyzer).text.string == expected)
    }

    @Test("hiragana folded to katakana", arguments: [
        ("ひらがな", "ヒラガナ"),
        ("カタカナ", "カタカナ"),
        ("こゝろ", "ココロ"),
        ("いすゞ", "イスズ"),
        ("ゔ", "ヴ"),
        ("ゕゖ", "ヵヶ"),
        ("ゞ", "ヾ"),
        ("か゛", "ガ"),
        ("婦人相談所では", "婦人相談所デハ"),
        ("ＩＣＰＯ", "icpo"),
    ] as [(String, String)])
    func hiraganaToKatakana(input: String, expected: String) throws {
        #expect(normalizeForSearch(input, hiraganaToKatakana: true) == expected)
        let analyzer = try Analyzer(settings: AnalyzerSettings(foldHiraganaToKatakana: true))
        #expect(analyzer.normalize(input).string == expected)
        #expect(analyzer.settings.summary.contains("hira2kata=on"))
    }

    @Test("hiragana folding off leaves hiragana alone")
    func hiraganaFoldingOff() throws {
        let analyzer = try Analyzer(settings: AnalyzerSettings(foldHiraganaToKatakana: false))
        #expect(analyzer.normalize("ひらがなカタカナ").string == "ひらがなカタカナ")
        #expect(analyzer.settings.summary.contains("hira2kata=off"))
        // Folding changes what matches: the two scripts meet only with it on.
        #expect(normalizeForSearch("ひらがな") != normalizeForSearch("ヒラガナ"))
        #expect(normalizeForSearch("ひらがな", hiraganaToKatakana: true) == normalizeForSearch("ヒラガナ", hiraganaToKatakana: true))
    }

    @Test("all wave dashes fold to one form")
    func waveDashesFoldTogether() {
        let forms = Set(["〜", "～", "~", "∼", "⁓", "〰"].map { normalizeForSearch($0) })
        #expect(forms == ["〜"])
    }

    @Test("all hyphen variants fold to '-'")
    func hyphensFoldTogether() {
        let forms = Set(["‐", "‑", "‒", "–", "—", "―", "−", "﹣", "－", "⁃", "-"].map { normalizeForSearch($0) })
        #expect(forms == ["-"])
    }

    /// Each normalized unit maps back to the whole original segment it came from.
    @Test("source map", arguments: [
        // (input, normalized, byte range of each normalized unit)
        ("㍿", "株式会社", [0..<3, 0..<3, 0..<3, 0..<3]),
        ("か゛い", "がい", [0..<6, 6..<9]),
        ("ｶﾞ", "ガ", [0..<6]),
        ("aＢc", "abc", [0..<1, 1..<4, 4..<5]),
        ("𠮷野", "𠮷野", [0..<4, 0..<4, 4..<7]),
        ("こゝろ", "こころ", [0..<3, 3..<6, 6..<9]),
    ] as [(String, String, [Range<Int>])])
    func sourceMap(input: String, normalized: String, ranges: [Range<Int>]) throws {
        let text = try Analyzer().normalize(input)
        #expect(text.string == normalized)
        #expect((0..<text.units.count).map { text.sourceRange($0, $0 + 1) } == ranges)
    }

    @Test("empty and whitespace-only text")
    func emptyText() throws {
        let analyzer = try Analyzer()
        #expect(analyzer.normalize("").units.isEmpty)
        let blank = try analyzeBytes(" \u{3000}\n\t", analyzer: analyzer)
        #expect(blank.text.string == "  \n\t")
        #expect(blank.words.isEmpty && blank.grams.isEmpty)
        let empty = try analyzeBytes("", analyzer: analyzer)
        #expect(empty.text.units.isEmpty && empty.words.isEmpty && empty.grams.isEmpty)
    }
}

@Suite("Normalized text as a string")
struct NormalizedTextStringTests {
    /// The hand-written UTF-16 → UTF-8 transcoding agrees with Swift's, lone surrogates included.
    @Test("agrees with String(decoding:as: UTF16.self)", arguments: [1, 2, 3] as [UInt64])
    func agreesWithSwift(seed: UInt64) {
        var random = SeededGenerator(seed: seed)
        // Units from every UTF-8 length class, surrogates (paired and not) and the edges.
        let pool: [ClosedRange<UInt16>] = [0...0x7F, 0x80...0x7FF, 0x800...0xD7FF, 0xD800...0xDBFF, 0xDC00...0xDFFF, 0xE000...0xFFFF]
        for _ in 0..<500 {
            let length = Int.random(in: 0...12, using: &random)
            let units = (0..<length).map { _ in UInt16.random(in: pool.randomElement(using: &random)!, using: &random) }
            let text = NormalizedText(units: units, sourceStart: [], sourceEnd: [])
            #expect(text.string == String(decoding: units, as: UTF16.self), "\(units)")
        }
        let edges: [[UInt16]] = [[0x7F, 0x80, 0x7FF, 0x800, 0xFFFF], [0xD83D, 0xDE00], [0xDBFF, 0xDFFF], [0xD800], [0xDC00, 0xD800], []]
        for units in edges {
            #expect(NormalizedText(units: units, sourceStart: [], sourceEnd: []).string == String(decoding: units, as: UTF16.self))
        }
    }
}
