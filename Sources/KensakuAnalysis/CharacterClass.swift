/// Character classes on UTF-16 code units that analysis needs. All are BMP tests: the
/// characters they name (kana, marks, spaces) live in the BMP.
public enum CharacterClass {
    @inline(__always)
    static func isHiragana(_ u: UInt16) -> Bool { (0x3041...0x3096).contains(u) || (0x309D...0x309F).contains(u) }

    /// Katakana letters, the prolonged sound mark ー, the iteration marks ヽヾ and the small
    /// katakana extension. The middle dot ・ (U+30FB) is punctuation, not katakana.
    @inline(__always)
    static func isKatakana(_ u: UInt16) -> Bool {
        (0x30A1...0x30FA).contains(u) || (0x30FC...0x30FF).contains(u) || (0x31F0...0x31FF).contains(u)
    }

    @inline(__always)
    static func isKana(_ u: UInt16) -> Bool { isHiragana(u) || isKatakana(u) }

    /// Separators between gram runs: whitespace and control characters, after NFKC (which
    /// already maps the ideographic space U+3000 and the no-break spaces to U+0020).
    @inlinable
    public static func isSpace(_ u: UInt16) -> Bool {
        u <= 0x20 || (0x7F...0xA0).contains(u) || u == 0x1680 || (0x2000...0x200A).contains(u)
            || u == 0x2028 || u == 0x2029 || u == 0x202F || u == 0x205F || u == 0x3000 || u == 0xFEFF
    }

    /// Marks that attach to the character before them (combining marks, variation selectors,
    /// joiners, kana voicing marks): a clause may not start with one.
    @inline(__always)
    static func attachesToPrevious(_ u: UInt16) -> Bool {
        (0x0300...0x036F).contains(u) || (0x1AB0...0x1AFF).contains(u) || (0x1DC0...0x1DFF).contains(u)
            || (0x200B...0x200F).contains(u) || (0x20D0...0x20FF).contains(u) || (0x3099...0x309A).contains(u)
            || (0xFE00...0xFE0F).contains(u) || (0xFE20...0xFE2F).contains(u) || (0xDC00...0xDFFF).contains(u)
    }

    @inline(__always)
    static func isHighSurrogate(_ u: UInt16) -> Bool { (0xD800...0xDBFF).contains(u) }
}
