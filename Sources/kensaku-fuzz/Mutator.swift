/// Hostile tokens and byte-level mutations shared by every target.
enum Hostile {
    /// Valid UTF-8 that stresses normalization, word breaking, numbers and offsets.
    static let text: [String] = [
        "\u{0}", "\u{1}", "\u{7}", "\u{8}", "\u{B}", "\u{C}", "\u{1B}", "\u{7F}", "\r", "\n", "\t", "\r\n", "\u{85}",
        "\u{FFFF}", "\u{FFFE}", "\u{FEFF}", "\u{FFFD}", "\u{200B}", "\u{200D}", "\u{2028}", "\u{2029}", "\u{00A0}",
        "\u{3000}", "\u{0301}", "\u{0301}\u{0301}\u{0301}\u{0301}", "\u{3099}", "\u{309A}", "\u{20DD}", "\u{E0001}",
        "\u{10FFFF}", "\u{E000}", "\u{D7FF}", "\u{1F600}", "\u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467}", "\u{1F1EF}\u{1F1F5}",
        "\u{2F00}", "\u{F900}", "\u{2000B}", "\u{FDFA}", "\u{0390}", "ß", "ẞ", "İ", "ﬃ", "\u{1E9E}",
        "㍿", "㌀", "㋿", "ｶﾞ", "ﾞ", "ﾟ", "ｰ", "ヽ", "ゝ", "々", "〻", "ヶ", "ヷ", "ー", "・", "〜", "～",
        "〇", "零", "一", "二", "九", "十", "百", "千", "万", "億", "兆", "壱", "弐", "参", "拾", "萬", "第", "条", "年",
        "平成", "令和", "昭和", "明治", "大正", "元年", "平成23年", "令和元年", "第二十五条", "二〇一一", "十万二千五百円",
        "１２３", "1,234.5", "1.2万", "..", ",,", "1,", ".5", "0", "00000",
        "(", ")", "（", "）", "「", "」", "、", "。", " ", "  ", "\u{3000}\u{3000}",
        "婦人相談所", "人身取引", "保護", "査証", "IOM", "ＩＯＭ", "マイレージ", "カタカナ", "ひらがな", "漢字",
        "<p>", "</p>", "<P>", "◎", "○", "(再掲)", "（再掲）", "①", "⑴", "I.", "1.", "(1)", "Ⅳ",
    ]

    /// Byte sequences that are not UTF-8: lone continuation bytes, overlong forms, encoded
    /// surrogates, values past U+10FFFF, truncated sequences.
    static let invalidUTF8: [[UInt8]] = [
        [0x80], [0xBF], [0xFF], [0xFE], [0xC0, 0x80], [0xC1, 0xBF], [0xE0, 0x80, 0x80], [0xED, 0xA0, 0x80],
        [0xED, 0xBF, 0xBF], [0xED, 0xA0, 0xBD, 0xED, 0xB8, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xF5, 0x80, 0x80, 0x80],
        [0xF8, 0x88, 0x80, 0x80, 0x80], [0xE3, 0x81], [0xF0, 0x9F, 0x98], [0xC2], [0xE3],
    ]

    /// Kanji numerals, digits and separators, for runs that stress number recognition.
    static let numeralCharacters: [String] = [
        "〇", "零", "一", "二", "三", "四", "五", "六", "七", "八", "九", "十", "百", "千", "万", "億", "兆",
        "壱", "弐", "参", "拾", "萬", "阡", "佰", "0", "1", "5", "9", ",", ".", "２",
    ]

    static let textBytes: [[UInt8]] = text.map { Array($0.utf8) }

    /// A run of numerals: kanji digit strings with 〇 (read digit by digit), unit chains, long
    /// ASCII digit strings, or a random mixture.
    static func numeralRun(_ rng: inout FuzzRandom) -> [UInt8] {
        var s = ""
        switch rng.int(0..<5) {
        case 0:  // digit by digit, up to 60 digits
            let n = rng.int(2...60)
            for k in 0..<n { s += k == 0 ? "〇" : rng.pick(["〇", "一", "二", "三", "四", "五", "六", "七", "八", "九"]) }
        case 1:  // units in descending order with digits
            for unit in ["兆", "千", "百", "十", "億", "千", "百", "十", "万", "千", "百", "十"] where rng.chance(0.6) {
                s += rng.pick(["一", "二", "九", "壱", "参", ""]) + unit
            }
        case 2:  // long ASCII number, maybe with separators and a point
            let n = rng.int(1...400)
            for k in 0..<n {
                s += String(rng.int(0...9))
                if k % 3 == 2 && rng.chance(0.3) { s += "," }
                if rng.chance(0.01) { s += "." }
            }
        case 3:  // mixture
            for _ in 0..<rng.int(1...40) { s += rng.pick(numeralCharacters) }
        default:  // an era year
            s = rng.pick(["明治", "大正", "昭和", "平成", "令和"]) + rng.pick(["元", "一", "二十三", "31", "64", "99", "100", "0", "九九九九九九九九九九九九九九九九九九九九九"]) + "年"
        }
        if rng.chance(0.3) { s = rng.pick(["第", "平成", ""]) + s + rng.pick(["条", "年", "円", "号", ""]) }
        return Array(s.utf8)
    }
}

/// Mutations of a byte string.
struct Mutator {
    /// Inputs to splice from.
    var seeds: [[UInt8]]
    /// Extra tokens for this target (query syntax, JSON escapes, table markup…).
    var tokens: [[UInt8]] = []
    /// The largest input produced (a mutation that would exceed it is cut back).
    var maxLength = 1 << 16

    /// The start of a UTF-8 character at or before `i` (to keep text valid most of the time).
    static func boundary(_ bytes: [UInt8], _ i: Int) -> Int {
        var o = min(max(0, i), bytes.count)
        while o > 0 && o < bytes.count && bytes[o] & 0xC0 == 0x80 { o -= 1 }
        return o
    }

    /// Applies one to `rounds` random mutations; returns their names (for the log).
    @discardableResult
    func mutate(_ bytes: inout [UInt8], _ rng: inout FuzzRandom, rounds: Int = 6, keepUTF8: Double = 0.7) -> [String] {
        var applied: [String] = []
        for _ in 0..<rng.int(1...max(1, rounds)) {
            let valid = rng.chance(keepUTF8)
            func position() -> Int {
                let p = rng.int(0...bytes.count)
                return valid ? Mutator.boundary(bytes, p) : p
            }
            let op = rng.int(0..<14)
            switch op {
            case 0 where !bytes.isEmpty && !valid:
                bytes[rng.int(0..<bytes.count)] ^= 1 << UInt8(rng.int(0..<8))
                applied.append("flip")
            case 1 where !bytes.isEmpty && !valid:
                bytes[rng.int(0..<bytes.count)] = rng.byte()
                applied.append("set")
            case 2, 3:
                let token = rng.pick(Hostile.textBytes)
                bytes.insert(contentsOf: token, at: position())
                applied.append("hostile")
            case 4 where !tokens.isEmpty:
                bytes.insert(contentsOf: rng.pick(tokens), at: position())
                applied.append("token")
            case 5:
                bytes.insert(contentsOf: rng.pick(Hostile.invalidUTF8), at: rng.int(0...bytes.count))
                applied.append("invalid")
            case 6 where !bytes.isEmpty:
                let a = position(), b = min(bytes.count, a + rng.length(max: bytes.count))
                bytes.removeSubrange(Mutator.boundary(bytes, a)..<(valid ? Mutator.boundary(bytes, b) : b))
                applied.append("delete")
            case 7 where !bytes.isEmpty:
                let a = position(), b = valid ? Mutator.boundary(bytes, a + rng.length(max: 256)) : min(bytes.count, a + rng.length(max: 256))
                guard a < b else { continue }
                let piece = Array(bytes[a..<b])
                let times = rng.chance(0.1) ? rng.int(1...2000) : rng.int(1...4)
                var copies: [UInt8] = []
                for _ in 0..<times where copies.count + piece.count + bytes.count <= maxLength { copies += piece }
                bytes.insert(contentsOf: copies, at: b)
                applied.append("duplicate×\(times)")
            case 8 where !bytes.isEmpty:
                bytes.removeSubrange(position()...)
                applied.append("truncate")
            case 9 where !seeds.isEmpty:
                let other = rng.pick(seeds)
                guard !other.isEmpty else { continue }
                let a = rng.int(0..<other.count), b = min(other.count, a + rng.length(max: other.count))
                var piece = Array(other[a..<b])
                if valid { piece = Array(String(decoding: piece, as: UTF8.self).utf8) }
                if rng.chance(0.5), !bytes.isEmpty {
                    let p = position(), q = Mutator.boundary(bytes, min(bytes.count, p + rng.length(max: bytes.count)))
                    bytes.replaceSubrange(p..<max(p, q), with: piece)
                } else {
                    bytes.insert(contentsOf: piece, at: position())
                }
                applied.append("splice")
            case 10:
                var random = [UInt8](repeating: 0, count: rng.length(max: 64))
                for k in random.indices { random[k] = rng.byte() }
                bytes.insert(contentsOf: random, at: rng.int(0...bytes.count))
                applied.append("random")
            case 11:
                let token = rng.chance(0.5) ? rng.pick(Hostile.textBytes) : (tokens.isEmpty ? [0x20] : rng.pick(tokens))
                let times = rng.int(1...max(1, min(5000, maxLength / max(1, token.count) / 4)))
                var run: [UInt8] = []
                run.reserveCapacity(times * token.count)
                for _ in 0..<times { run += token }
                bytes.insert(contentsOf: run, at: position())
                applied.append("repeat×\(times)")
            case 12:
                bytes.insert(contentsOf: Hostile.numeralRun(&rng), at: position())
                applied.append("numerals")
            case 13 where bytes.count > 1:
                let a = position(), b = position()
                let (lo, hi) = (min(a, b), max(a, b))
                guard lo < hi else { continue }
                let piece = Array(bytes[lo..<hi])
                bytes.removeSubrange(lo..<hi)
                bytes.insert(contentsOf: piece, at: rng.int(0...bytes.count))
                applied.append("move")
            default:
                continue
            }
            if bytes.count > maxLength { bytes.removeSubrange(maxLength...) }
        }
        return applied
    }
}
