/// The Japanese folds applied around ICU's NFKC-casefold. Each replaces one UTF-16 unit with
/// one unit, so the map from normalized text back to the original is never disturbed.
///
/// Before NFKC:
/// - the spacing voicing marks ゛ (U+309B) and ゜ (U+309C) after kana become the combining
///   marks U+3099/U+309A, so that NFKC composes か゛ into が (NFKC alone gives か + space + mark).
///
/// After NFKC:
/// - the wave-dash family 〜 ～ ~ ∼ ⁓ 〰 becomes 〜 (U+301C);
/// - hyphen, minus and dash variants ‐ ‑ ‒ – — ― − ﹣ － ⁃ become `-`; the prolonged sound
///   mark ー stays ー after kana (half-width ｰ is ー after NFKC), and at the start of the text
///   when kana follows (so that the query ーション finds ニュースキュレーション); elsewhere it becomes `-`;
/// - the kana iteration marks ゝ ゞ ヽ ヾ are replaced by the kana they repeat
///   (こゝろ → こころ, いすゞ → いすず);
/// - optionally (``AnalyzerSettings/foldHiraganaToKatakana``, off by default), hiragana
///   becomes katakana, so that ひらがな and ヒラガナ match. It is off because it also merges
///   words that differ only in script (e.g. the particle に and the katakana ニ).
enum JapaneseFolding {
    static let waveDash: UInt16 = 0x301C
    static let hyphen: UInt16 = 0x2D
    static let prolongedSoundMark: UInt16 = 0x30FC

    @inline(__always)
    static func foldBeforeNFKC(_ units: UnsafeMutableBufferPointer<UInt16>) {
        guard units.count > 1 else { return }
        for i in 1..<units.count where units[i] == 0x309B || units[i] == 0x309C {
            if CharacterClass.isKana(units[i - 1]) { units[i] = units[i] == 0x309B ? 0x3099 : 0x309A }
        }
    }

    static func foldAfterNFKC(_ units: UnsafeMutableBufferPointer<UInt16>, hiraganaToKatakana: Bool) {
        for i in 0..<units.count {
            let u = units[i]
            if u < 0x2010 { if u == 0x7E { units[i] = waveDash }; continue }
            switch u {
            case 0x2010...0x2015, 0x2043, 0x2212, 0xFE63, 0xFF0D, 0x2E3A, 0x2E3B:
                units[i] = hyphen
            case 0x223C, 0x2053, 0x3030, 0xFF5E:
                units[i] = waveDash
            case prolongedSoundMark:
                // At the very start (a query such as ーション) it stays ー when kana follows.
                let kanaBefore = i > 0 && CharacterClass.isKana(units[i - 1])
                let startOfKana = i == 0 && units.count > 1 && CharacterClass.isKana(units[1])
                if !kanaBefore && !startOfKana { units[i] = hyphen }
            case 0x309D, 0x309E, 0x30FD, 0x30FE:
                if i > 0, let repeated = repeatKana(previous: units[i - 1], mark: u) { units[i] = repeated }
            default:
                break
            }
        }
        if hiraganaToKatakana {
            for i in 0..<units.count where (0x3041...0x3096).contains(units[i]) || (0x309D...0x309E).contains(units[i]) {
                units[i] += 0x60
            }
        }
    }

    /// The kana that an iteration mark stands for after `previous`, or nil when the mark does
    /// not follow kana of its own script.
    static func repeatKana(previous: UInt16, mark: UInt16) -> UInt16? {
        let katakanaMark = mark == 0x30FD || mark == 0x30FE
        let voiced = mark == 0x309E || mark == 0x30FE
        let offset: UInt16 = katakanaMark ? 0x60 : 0
        guard previous >= 0x3041 + offset, previous <= 0x3096 + offset else { return nil }
        let base = unvoiced(previous - offset)
        return (voiced ? (voicedForm(base) ?? base) : base) + offset
    }

    /// The unvoiced hiragana of a (possibly voiced) hiragana.
    static func unvoiced(_ c: UInt16) -> UInt16 {
        switch c {
        case 0x304C...0x3062 where (c - 0x304B) % 2 == 1: c - 1
        case 0x3065...0x3069 where (c - 0x3064) % 2 == 1: c - 1
        case 0x3070...0x307D where (c - 0x306F) % 3 != 0: c - (c - 0x306F) % 3
        case 0x3094: 0x3046
        default: c
        }
    }

    /// The voiced hiragana of an unvoiced one, or nil when it has none.
    static func voicedForm(_ c: UInt16) -> UInt16? {
        switch c {
        case 0x304B...0x3061 where (c - 0x304B) % 2 == 0: c + 1
        case 0x3064...0x3068 where (c - 0x3064) % 2 == 0: c + 1
        case 0x306F...0x307B where (c - 0x306F) % 3 == 0: c + 1
        case 0x3046: 0x3094
        default: nil
        }
    }
}
