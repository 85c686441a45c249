/// Settings that change which terms analysis produces. They are recorded in an index's
/// manifest: a query must be analyzed with the settings its index was built with.
public struct AnalyzerSettings: Sendable, Hashable, Codable {
    /// ICU locale for dictionary word breaking.
    public var locale: String = "ja"
    /// Fold hiragana to katakana (off by default; see ``JapaneseFolding``).
    public var foldHiraganaToKatakana: Bool = false
    /// Version of Kensaku's own analysis rules; bumped whenever they change what terms a
    /// text produces.
    public var rulesVersion: Int = AnalyzerSettings.currentRulesVersion

    public static let currentRulesVersion = 5

    public init(locale: String = "ja", foldHiraganaToKatakana: Bool = false) {
        self.locale = locale
        self.foldHiraganaToKatakana = foldHiraganaToKatakana
    }

    /// A one-line description, e.g. `ja rules=1 hira2kata=off`.
    public var summary: String {
        "\(locale) rules=\(rulesVersion) hira2kata=\(foldHiraganaToKatakana ? "on" : "off")"
    }
}
