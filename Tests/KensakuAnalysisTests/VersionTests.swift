import Testing
@testable import KensakuAnalysis

@Suite("Versions")
struct VersionTests {
    static func looksLikeVersion(_ text: String) -> Bool {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count >= 2 && parts.allSatisfy { !$0.isEmpty && $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) }
    }

    @Test("ICU and Unicode versions look like versions")
    func icuVersions() throws {
        #expect(Self.looksLikeVersion(ICU.version), "ICU.version = \(ICU.version.debugDescription)")
        #expect(Self.looksLikeVersion(ICU.unicodeVersion), "ICU.unicodeVersion = \(ICU.unicodeVersion.debugDescription)")
        let major = try #require(Int(ICU.version.prefix { $0 != "." }))
        #expect(major >= 60)
        let unicodeMajor = try #require(Int(ICU.unicodeVersion.prefix { $0 != "." }))
        #expect(unicodeMajor >= 10)
    }

    @Test("version checker rejects non-versions", arguments: ["", "72", "72.", ".1", "seventy.two", "72.1a"])
    func notVersions(text: String) {
        #expect(!Self.looksLikeVersion(text))
    }

    @Test("settings summary names locale, rules version and folding")
    func summary() {
        let settings = AnalyzerSettings()
        #expect(settings.rulesVersion == AnalyzerSettings.currentRulesVersion)
        #expect(settings.summary == "ja rules=\(AnalyzerSettings.currentRulesVersion) hira2kata=off")
        #expect(AnalyzerSettings(foldHiraganaToKatakana: true).summary.contains("rules=\(AnalyzerSettings.currentRulesVersion)"))
        #expect(AnalyzerSettings(foldHiraganaToKatakana: true).summary.hasSuffix("hira2kata=on"))
    }

    @Test("an unknown locale falls back to ICU's root rules")
    func unknownLocale() throws {
        let analyzer = try Analyzer(settings: AnalyzerSettings(locale: "xx"))
        #expect(analyzer.settings.summary.hasPrefix("xx rules="))
        #expect(try analyzeBytes("ab cd", analyzer: analyzer).wordTerms == ["ab", "cd"])
    }
}
