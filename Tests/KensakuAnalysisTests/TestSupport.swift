import KensakuTestSupport
import Foundation
import Testing
@testable import KensakuAnalysis

// MARK: Analysis helpers

/// Analyzes `text` through the byte API (the one that can throw), with a fresh analyzer unless
/// one is given.
func analyzeBytes(_ text: String, memoize: Bool = true, analyzer: Analyzer? = nil) throws -> AnalyzedText {
    let analyzer = try analyzer ?? Analyzer()
    let bytes = Array(text.utf8)
    return try bytes.withUnsafeBufferPointer { try analyzer.analyze(utf8: $0, memoize: memoize) }
}

/// Analyzes raw bytes (possibly ill-formed UTF-8).
func analyzeRaw(_ bytes: [UInt8], memoize: Bool = true) throws(AnalysisError) -> AnalyzedText {
    let analyzer = try Analyzer()
    return try bytes.withUnsafeBufferPointer { (buffer) throws(AnalysisError) in try analyzer.analyze(utf8: buffer, memoize: memoize) }
}

extension AnalyzedText {
    var wordTerms: [String] { words.map(term) }
    var gramTerms: [String] { grams.map(term) }
}

/// Unicode scalars of a string as `U+XXXX` (for readable failure messages).
func scalarDump(_ text: some StringProtocol) -> String {
    text.unicodeScalars.map { "U+" + String($0.value, radix: 16, uppercase: true) }.joined(separator: " ")
}

// MARK: Seed report

/// The seed report shipped with the repository (`Index/follow-up-2011.tsv`), found from this
/// file's location so the tests run from any working directory.
enum SeedReport {
    static let url: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // KensakuAnalysisTests
        .deletingLastPathComponent()  // Tests
        .deletingLastPathComponent()  // package root
        .appendingPathComponent("Index/follow-up-2011.tsv")

    /// The whole report as a string.
    static func text() throws -> String {
        let data = try Data(contentsOf: url)
        return try #require(String(data: data, encoding: .utf8), "the seed report is not UTF-8")
    }

    /// The report's non-empty lines.
    static func lines() throws -> [String] {
        try text().split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
    }
}

// MARK: Random text


/// Random text that mixes everything analysis has to cope with.
enum RandomText {
    private static func scalars(_ ranges: ClosedRange<UInt32>...) -> [Character] {
        ranges.flatMap { $0 }.compactMap(Unicode.Scalar.init).map(Character.init)
    }

    static let kanji: [Character] = Array("人身取引対策行動計画婦人相談所長第二十五条警察法務省国際移住機関被害者保護情報交換実施状況年月日中現在外務厚生労働海上保安庁都道府県")
        + scalars(0x4E00...0x4E3F, 0x9F00...0x9F0F)
    static let hiragana: [Character] = scalars(0x3041...0x3096) + ["ゝ", "ゞ", "ゟ"]
    static let katakana: [Character] = scalars(0x30A1...0x30FA) + ["ー", "ー", "ヽ", "ヾ", "ヿ", "ㇰ", "ㇱ"]
    static let halfWidthKana: [Character] = scalars(0xFF66...0xFF9F)
    static let fullWidthLatin: [Character] = scalars(0xFF21...0xFF3A, 0xFF41...0xFF5A, 0xFF10...0xFF19)
    static let ascii: [Character] = scalars(0x41...0x5A, 0x61...0x7A, 0x30...0x39)
    static let punctuation: [Character] = Array("、。「」()（）・！？,.:;-〜～~‐‑–—−﹣－『』【】◎<>/\"'")
    static let spaces: [Character] = [" ", "\u{3000}", "\n", "\t", "\u{00A0}", "\r\n"]
    static let marks: [String] = ["\u{0301}", "\u{0334}", "\u{3099}", "\u{309A}", "\u{309B}", "\u{309C}", "\u{FF9E}",
                                  "\u{FE0F}", "\u{200D}", "\u{0323}\u{0301}", "\u{1F3FB}"]
    static let astral: [Character] = ["𠮷", "😀", "🇯🇵", "👍🏽", "𩸽", "𝐀", "👨‍👩‍👧", "\u{20000}"]
    static let compatibility: [Character] = Array("㍿㈱①⑳㌔㍻™ﬁ½ÅİßΣς㋿ⅣＡ") + ["\u{212B}", "\u{2126}", "\u{FB01}"]

    /// A random string of about `length` pieces.
    static func make(length: Int, using rng: inout SeededGenerator) -> String {
        var out = ""
        for _ in 0..<length {
            switch Int.random(in: 0..<100, using: &rng) {
            case 0..<22: out.append(kanji.randomElement(using: &rng)!)
            case 22..<40: out.append(hiragana.randomElement(using: &rng)!)
            case 40..<52: out.append(katakana.randomElement(using: &rng)!)
            case 52..<58: out.append(halfWidthKana.randomElement(using: &rng)!)
            case 58..<63: out.append(fullWidthLatin.randomElement(using: &rng)!)
            case 63..<70: out.append(ascii.randomElement(using: &rng)!)
            case 70..<80: out.append(punctuation.randomElement(using: &rng)!)
            case 80..<87: out.append(spaces.randomElement(using: &rng)!)
            case 87..<92: out.unicodeScalars.append(contentsOf: marks.randomElement(using: &rng)!.unicodeScalars)
            case 92..<96: out.append(astral.randomElement(using: &rng)!)
            default: out.append(compatibility.randomElement(using: &rng)!)
            }
        }
        return out
    }

    /// `count` random texts of varied length from one seed.
    static func samples(seed: UInt64, count: Int, maxLength: Int = 120) -> [String] {
        var rng = SeededGenerator(seed: seed)
        return (0..<count).map { _ in make(length: Int.random(in: 0...maxLength, using: &rng), using: &rng) }
    }
}
