import Testing
@testable import KensakuAnalysis

/// Properties that hold for every analyzed text, checked on random text and on the seed report.
///
/// The precise relation between a token and its source bytes: every normalized unit maps to
/// the whole normalization segment it came from, so a token's source range is the union of
/// whole segments. Normalizing those bytes alone gives the token's *expanded* span (the token
/// grown to whole segments: 株式 from ㍿ expands to 株式会社), except for the context-dependent
/// Japanese folds, which look at the character before: a prolonged sound mark ー keeps its form
/// only after kana, or at the start of the text before kana (elsewhere it becomes `-`), an iteration mark ゝ/ヽ becomes the kana before it
/// (alone it stays a mark), and a spacing voicing mark ゛゜ after kana becomes a combining mark
/// (alone NFKC makes it a space and a combining mark). Such differences can only form a leading
/// run of the range, and never when the range starts the text. So "the source renormalizes to
/// something containing the term" holds only for tokens without such a leading fold; the
/// precise statement is the expanded-span equality modulo that leading run, plus: normalizing
/// everything up to the range's end gives exactly the normalized text up to the end of the
/// expanded span.
enum Invariants {
    /// Checks every invariant on one analyzed text. `prefixStride` samples the tokens whose
    /// prefix is renormalized (1 checks all; the check is quadratic).
    static func check(_ text: String, _ analyzed: AnalyzedText, hiraganaToKatakana: Bool = false,
                      prefixStride: Int = 1, sourceLocation: SourceLocation = #_sourceLocation) {
        let bytes = Array(text.utf8)
        let t = analyzed.text
        let n = t.units.count
        #expect(t.sourceStart.count == n && t.sourceEnd.count == n, sourceLocation: sourceLocation)
        #expect(t.string == normalizeForSearch(text, hiraganaToKatakana: hiraganaToKatakana), sourceLocation: sourceLocation)

        var checked = 0
        for (kind, tokens) in [(TokenKind.word, analyzed.words), (.gram, analyzed.grams)] {
            for token in tokens {
                let s = Int(token.start), e = Int(token.end)
                guard 0 <= s, s < e, e <= n else {
                    Issue.record("\(kind) token \(s)..<\(e) outside 0..<\(n) in \(scalarDump(text))", sourceLocation: sourceLocation)
                    continue
                }
                checkSource(kind, token, text, bytes, analyzed, hiraganaToKatakana: hiraganaToKatakana,
                            checkPrefix: checked % prefixStride == 0, sourceLocation: sourceLocation)
                checked += 1
            }
        }
        checkGrams(analyzed, sourceLocation: sourceLocation)
        checkWords(analyzed, sourceLocation: sourceLocation)
    }

    /// A byte offset on a UTF-8 scalar boundary.
    static func onBoundary(_ bytes: [UInt8], _ offset: Int) -> Bool {
        offset == bytes.count || (offset >= 0 && offset < bytes.count && bytes[offset] & 0xC0 != 0x80)
    }

    /// How many units of `alone` (normalized without the text before it) and of the text
    /// (normalized in context) a context-dependent fold accounts for, if one does: ー after kana
    /// (`-` alone), an iteration mark after kana (the mark alone), a spacing voicing mark ゛゜
    /// after kana (a combining mark in context, space + combining mark alone).
    static func contextFold(alone: ArraySlice<UInt16>, inText: UInt16, sourceStartsWithSpacingMark: Bool) -> (alone: Int, inText: Int)? {
        let first = alone[alone.startIndex]
        if inText == 0x30FC && first == 0x2D { return (1, 1) }
        // ー at the start of a text stays ー before kana; in the text, after non-kana, it is `-`.
        if inText == 0x2D && first == 0x30FC { return (1, 1) }
        if [0x309D, 0x309E, 0x30FD, 0x30FE].contains(first) && CharacterClass.isKana(inText) { return (1, 1) }
        if first == 0x20 && sourceStartsWithSpacingMark { return (1, 0) }
        return nil
    }

    static func checkSource(_ kind: TokenKind, _ token: TokenSpan, _ text: String, _ bytes: [UInt8], _ analyzed: AnalyzedText,
                            hiraganaToKatakana: Bool, checkPrefix: Bool, sourceLocation: SourceLocation) {
        let t = analyzed.text
        let s = Int(token.start), e = Int(token.end)
        let range = analyzed.sourceRange(token)
        func where_() -> String { "\(kind) \(analyzed.term(token).debugDescription) at \(s)..<\(e), bytes \(range), in \(scalarDump(text))" }
        guard range.lowerBound >= 0, range.lowerBound < range.upperBound, range.upperBound <= bytes.count,
              onBoundary(bytes, range.lowerBound), onBoundary(bytes, range.upperBound) else {
            Issue.record("source range not on scalar boundaries: \(where_())", sourceLocation: sourceLocation)
            return
        }
        // The token grown to whole source segments.
        var a = s
        while a > 0 && t.sourceStart[a - 1] == t.sourceStart[s] { a -= 1 }
        var b = e
        while b < t.units.count && t.sourceEnd[b] == t.sourceEnd[e - 1] { b += 1 }
        #expect(Int(t.sourceStart[a]) == range.lowerBound && Int(t.sourceEnd[b - 1]) == range.upperBound,
                "expansion does not match the source range: \(where_())", sourceLocation: sourceLocation)
        let expanded = Array(t.units[a..<b])
        let term = Array(t.units[s..<e])

        // Normalizing the source bytes alone.
        let alone = Array(normalizeForSearch(String(decoding: bytes[range], as: UTF8.self), hiraganaToKatakana: hiraganaToKatakana).utf16)
        let describe = { "renormalized source \(String(decoding: alone, as: UTF16.self).debugDescription) vs expanded token \(String(decoding: expanded, as: UTF16.self).debugDescription): \(where_())" }
        // Skip the leading run of context folds.
        var i = 0, j = 0
        while i < alone.count && j < expanded.count && alone[i] != expanded[j] {
            guard range.lowerBound > 0 else {
                Issue.record("differs at the start of the text: \(describe())", sourceLocation: sourceLocation)
                return
            }
            let startsWithSpacingMark = bytes[range].starts(with: [0xE3, 0x82, 0x9B]) || bytes[range].starts(with: [0xE3, 0x82, 0x9C])
            if let step = contextFold(alone: alone[i...], inText: expanded[j], sourceStartsWithSpacingMark: startsWithSpacingMark && i == 0) {
                i += step.alone
                j += step.inText
            } else {
                Issue.record("differs, not by a context fold: \(describe())", sourceLocation: sourceLocation)
                return
            }
        }
        #expect(alone[i...] == expanded[j...], "differs after its context folds: \(describe())", sourceLocation: sourceLocation)
        if i == 0 && j == 0 {
            // No context fold involved: the plain containment (equality for whole segments).
            if a == s && b == e {
                #expect(alone == term, "\(describe())", sourceLocation: sourceLocation)
            } else {
                #expect(alone.indices.contains { Array(alone[$0...].prefix(term.count)) == term }, "\(describe())", sourceLocation: sourceLocation)
            }
        }

        if checkPrefix {
            let prefix = normalizeForSearch(String(decoding: bytes[0..<range.upperBound], as: UTF8.self), hiraganaToKatakana: hiraganaToKatakana)
            #expect(Array(prefix.utf16) == Array(t.units[0..<b]), "prefix normalization differs: \(where_())", sourceLocation: sourceLocation)
        }
    }

    /// Separators between gram runs, defined independently of the analyzer's own table.
    static func isSeparator(_ scalar: Unicode.Scalar) -> Bool {
        scalar.properties.isWhitespace || scalar.properties.generalCategory == .control || scalar.value == 0xFEFF
    }

    /// Grams recomputed from the normalized text's scalars: a bigram at each scalar with a
    /// successor in its run, a unigram for the last.
    static func referenceGrams(_ t: NormalizedText) -> [TokenSpan] {
        var starts: [(Int, Unicode.Scalar)] = []
        var offset = 0
        for scalar in t.string.unicodeScalars {
            starts.append((offset, scalar))
            offset += scalar.utf16.count
        }
        var grams: [TokenSpan] = []
        for (i, (start, scalar)) in starts.enumerated() where !isSeparator(scalar) {
            let nextStart = i + 1 < starts.count ? starts[i + 1].0 : offset
            if i + 1 < starts.count && !isSeparator(starts[i + 1].1) {
                let end = i + 2 < starts.count ? starts[i + 2].0 : offset
                grams.append(TokenSpan(start: Int32(start), end: Int32(end)))
            } else {
                grams.append(TokenSpan(start: Int32(start), end: Int32(nextStart)))
            }
        }
        return grams
    }

    static func checkGrams(_ analyzed: AnalyzedText, sourceLocation: SourceLocation) {
        let grams = analyzed.grams
        let units = analyzed.text.units
        for (previous, gram) in zip(grams, grams.dropFirst()) {
            #expect(previous.position < gram.position, "gram positions not increasing", sourceLocation: sourceLocation)
            // Within a run, a gram starts where the previous (bigram) gram's second character starts.
            if previous.end > gram.start {
                let firstLength = CharacterClass.isHighSurrogate(units[Int(previous.start)]) ? 2 : 1
                #expect(Int(gram.start) == Int(previous.start) + firstLength && gram.start < previous.end,
                        "gram \(gram) does not start at the second character of \(previous)", sourceLocation: sourceLocation)
            }
        }
        #expect(grams == referenceGrams(analyzed.text), "grams differ from the reference in \(scalarDump(analyzed.text.string))",
                sourceLocation: sourceLocation)
    }

    static func checkWords(_ analyzed: AnalyzedText, sourceLocation: SourceLocation) {
        let words = analyzed.words
        for (previous, word) in zip(words, words.dropFirst()) {
            #expect(previous.end <= word.start, "words \(previous) and \(word) overlap or are out of order", sourceLocation: sourceLocation)
        }
        let gramStarts = Set(analyzed.grams.map(\.start))
        for word in words {
            let term = analyzed.term(word)
            #expect(!term.unicodeScalars.contains(where: isSeparator), "word \(term.debugDescription) spans a separator", sourceLocation: sourceLocation)
            #expect(gramStarts.contains(word.start), "word \(term.debugDescription) does not start at a gram position", sourceLocation: sourceLocation)
        }
    }
}

@Suite("Invariants")
struct InvariantTests {
    @Test("random text", arguments: [1, 2, 3, 4] as [UInt64])
    func randomText(seed: UInt64) throws {
        let analyzer = try Analyzer()
        for text in RandomText.samples(seed: seed, count: 150) {
            Invariants.check(text, try analyzeBytes(text, analyzer: analyzer))
        }
    }

    @Test("random text, hiragana folded to katakana")
    func randomTextFolded() throws {
        let analyzer = try Analyzer(settings: AnalyzerSettings(foldHiraganaToKatakana: true))
        for text in RandomText.samples(seed: 99, count: 150) {
            Invariants.check(text, try analyzeBytes(text, analyzer: analyzer), hiraganaToKatakana: true)
        }
    }

    @Test("seed report, line by line")
    func seedReportLines() throws {
        let analyzer = try Analyzer()
        let lines = try SeedReport.lines()
        #expect(lines.count > 100)
        for line in lines {
            Invariants.check(line, try analyzeBytes(line, analyzer: analyzer), prefixStride: 211)
        }
    }

    @Test("seed report, whole")
    func seedReportWhole() throws {
        let text = try SeedReport.text()
        Invariants.check(text, try analyzeBytes(text), prefixStride: 4999)
    }

    @Test("offsets: false gives the same text and tokens without the source map")
    func withoutOffsets() throws {
        let analyzer = try Analyzer()
        // Text that NFKC changes (the path without the map normalizes it in one call, the
        // mapped path segment by segment).
        let folded: [String] = ["㍿と㈱、ｶﾞｲﾄﾞ（ＩＣＰＯ）①か゛ゝ", "Ⅻ条の２　ＡＢＣ〜ｘｙｚ－１", String(repeating: "ﾊﾟｰﾄ㌔㍍ ", count: 300)]
        var texts: [String] = Array(try SeedReport.lines().prefix(30))
        texts += folded
        texts += RandomText.samples(seed: 5, count: 50)
        for text in texts {
            let bytes = Array(text.utf8)
            let full = try bytes.withUnsafeBufferPointer { try analyzer.analyze(utf8: $0) }
            let bare = try bytes.withUnsafeBufferPointer { try analyzer.analyze(utf8: $0, offsets: false) }
            #expect(bare.text.units == full.text.units && bare.words == full.words && bare.grams == full.grams)
            #expect(bare.text.sourceStart.isEmpty && bare.text.sourceEnd.isEmpty)
            #expect(full.text.sourceStart.count == full.text.units.count)
        }
    }

    /// The naive invariant — "the source bytes renormalize to something containing the term" —
    /// does not hold for tokens that start with a context-dependent fold; this pins down why
    /// the precise form above is needed.
    @Test("renormalizing a token's source alone loses the context of ー and ゝ",
          arguments: [("漢ーシ", "-シ", "ーシ"), ("こゝろ", "ころ", "ゝろ"), ("カーー1", "ー1", "-1")])
    func contextFolds(text: String, term: String, alone: String) throws {
        let analyzed = try analyzeBytes(text)
        let gram = try #require(analyzed.grams.first { analyzed.term($0) == term })
        let source = Array(text.utf8)[analyzed.sourceRange(gram)]
        #expect(normalizeForSearch(String(decoding: source, as: UTF8.self)) == alone)
    }
}
