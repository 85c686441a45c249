import Foundation

/// Recognizes numbers and era years in normalized text, so that 第25条 finds 第二十五条 and
/// 2011年 finds 平成二十三年.
///
/// A number becomes an extra token at the position of its text, carrying its canonical value
/// (ASCII digits, with a decimal point only for non-integers). Recognized forms:
/// - ASCII digits (full-width digits are ASCII after NFKC), with `,` thousands groups
///   (4,647) and a decimal point (1.2万);
/// - kanji numerals with the positional markers 十 百 千 万 億 兆 (二十五, 三千五百, 十万二千五百);
/// - the legal forms 壱 弐 参 拾 (and 萬 阡 仟 佰 陌);
/// - digit-by-digit kanji containing 〇 (二〇一一), or before 年 月 日 (平成一八年四月二〇日);
/// - mixtures (10万2500, 1.2万).
///
/// Only real numbers count. A run of kanji numerals that is a single character (一 in 一般,
/// 統一, 一部, 一時; 参 in 参加) is a number only after 第 or before a counter
/// (``counters``); a run that starts with 万, 億 or 兆 (万一) or that is not a well-formed
/// numeral (七五三; 十500, 2.5十: see ``parseGeneral(_:_:_:)``) is not a number.
///
/// Era years: 明治, 大正, 昭和, 平成 or 令和, then a number or 元, then 年, give a second token
/// whose value is the Gregorian year, spanning the era name and the number (平成二十三 → 2011).
/// A year outside the era's range (平成40年) is left as written: no Gregorian year is made up.
public enum JapaneseNumbers {
    /// Characters that make a following single numeral numeric.
    public static let counters: Set<UInt16> = Set("条項号年月日人円回件歳名倍款目章節編度割箇かヶ期週".utf16)

    /// What must follow kanji digits read one by one without a 〇.
    static let dateCounters: Set<UInt16> = Set("年月日".utf16)

    static let digits: [UInt16: Int] = {
        var table: [UInt16: Int] = [:]
        for (value, chars) in ["〇零", "一壱壹", "二弐貳", "三参參", "四", "五", "六", "七", "八", "九"].enumerated() {
            for c in chars.utf16 { table[c] = value }
        }
        return table
    }()

    /// Positional markers below 万.
    static let smallUnits: [UInt16: Int] = {
        var table: [UInt16: Int] = [:]
        for (value, chars) in [(10, "十拾"), (100, "百佰陌"), (1000, "千阡仟")] { for c in chars.utf16 { table[c] = value } }
        return table
    }()

    /// 万 億 兆.
    static let largeUnits: [UInt16: Int] = {
        var table: [UInt16: Int] = [:]
        for (value, chars) in [(10_000, "万萬"), (100_000_000, "億"), (1_000_000_000_000, "兆")] { for c in chars.utf16 { table[c] = value } }
        return table
    }()

    static let eras: [(name: [UInt16], start: Int, last: Int)] = [
        (Array("明治".utf16), 1868, 45), (Array("大正".utf16), 1912, 15), (Array("昭和".utf16), 1926, 64),
        (Array("平成".utf16), 1989, 31), (Array("令和".utf16), 2019, 99),
    ]

    /// The characters a recognized number can start with: a numeral, or the first character of
    /// an era name (平成二十三 is one number). A character just before a number forms a bigram
    /// with one of them.
    public static let startCharacters: Set<UInt16> = numerals.union(eras.map { $0.name[0] })
    /// The characters a recognized number can end with: a numeral, or 元 (平成元).
    public static let endCharacters: Set<UInt16> = numerals.union([gen])

    /// The characters a recognized number of canonical value `value` can start with: a zero
    /// (leading zeros: 025, 〇五), the value's leading digit in ASCII or kanji (二, 弐, 貳), 十 百
    /// 千 and their variants when that digit is 1 (十五, 百万), and the first character of an era
    /// name when the value is a year of that era (平成二十三 → 2011). Exact because numerals
    /// are well formed: what follows a unit is smaller than the unit, so nothing after the first
    /// character carries into the leading digit (see ``parseGeneral(_:_:_:)``). A subset of
    /// ``startCharacters``.
    public static func startCharacters(value: String) -> Set<UInt16> {
        guard let lead = value.utf16.first, isASCIIDigit(lead) else { return startCharacters }
        var set = zeroCharacters
        set.insert(lead)
        set.formUnion(digitCharacters[Int(lead - 0x30)])
        if lead == 0x31 { set.formUnion(smallUnits.keys) }
        if let year = Int(value) {
            for era in eras where year >= era.start && year < era.start + era.last { set.insert(era.name[0]) }
        }
        return set
    }

    /// The characters a recognized number of canonical value `value` can end with. For an
    /// integer: its last digit in ASCII or kanji; 0 (25.0 is 25); 万 億 兆 (1.2345万 is 12345);
    /// when the last digit is 0, a zero and 十 百 千 too (二十, 三百); and for a year of an era,
    /// what the era's year number can end with, or 元 (平成元年). Every other value (a
    /// decimal, or beyond `Int`) can end with any of ``endCharacters``.
    public static func endCharacters(value: String) -> Set<UInt16> {
        guard !value.contains("."), let year = Int(value), year >= 0 else { return endCharacters }
        var set = integerEndCharacters(year)
        for era in eras where year >= era.start && year < era.start + era.last {
            let number = year - era.start + 1
            set.formUnion(integerEndCharacters(number))
            if number == 1 { set.insert(gen) }
        }
        return set
    }

    /// See ``endCharacters(value:)``: the ending characters of a written integer `value`.
    private static func integerEndCharacters(_ value: Int) -> Set<UInt16> {
        let digit = value % 10
        var set: Set<UInt16> = [0x30, UInt16(0x30 + digit)]
        set.formUnion(digitCharacters[digit])
        set.formUnion(largeUnits.keys)
        if digit == 0 {
            set.formUnion(zeroCharacters)
            set.formUnion(smallUnits.keys)
        }
        return set
    }

    /// 0, 〇 and 零.
    static let zeroCharacters: Set<UInt16> = [0x30, 0x3007, 0x96F6]

    /// The kanji of each digit (0: 〇 零, 1: 一 壱 壹, …).
    static let digitCharacters: [Set<UInt16>] = (0...9).map { d in Set(digits.filter { $0.value == d }.keys) }
    static let numerals: Set<UInt16> = Set((0x30...0x39).map { UInt16($0) }).union(digits.keys).union(smallUnits.keys).union(largeUnits.keys)

    static let dai: UInt16 = 0x7B2C  // 第
    static let nen: UInt16 = 0x5E74  // 年
    static let gen: UInt16 = 0x5143  // 元

    @inline(__always)
    static func isASCIIDigit(_ u: UInt16) -> Bool { u >= 0x30 && u <= 0x39 }

    /// Per UTF-16 unit, what it is to the recognizer (``digitBit``, ``smallUnitBit``,
    /// ``largeUnitBit``, ``counterBit``, ``dateCounterBit``): one load per character on the hot
    /// path instead of hash lookups in the tables above.
    static let classTable: [UInt8] = {
        var table = [UInt8](repeating: 0, count: 65536)
        for c in digits.keys { table[Int(c)] |= digitBit }
        for c in smallUnits.keys { table[Int(c)] |= smallUnitBit }
        for c in largeUnits.keys { table[Int(c)] |= largeUnitBit }
        for c in counters { table[Int(c)] |= counterBit }
        for c in dateCounters { table[Int(c)] |= dateCounterBit }
        return table
    }()
    static let digitBit: UInt8 = 1, smallUnitBit: UInt8 = 2, largeUnitBit: UInt8 = 4, counterBit: UInt8 = 8, dateCounterBit: UInt8 = 16

    @inline(__always)
    static func charClass(_ u: UInt16) -> UInt8 { classTable.withUnsafeBufferPointer { $0[Int(u)] } }

    /// An ASCII digit or a kanji numeral (a character a numeral run is made of, besides the
    /// `,` and `.` between digits).
    public static func isNumeralOrDigit(_ u: UInt16) -> Bool { isASCIIDigit(u) || isKanjiNumeral(u) }

    @inline(__always)
    static func isKanjiNumeral(_ u: UInt16) -> Bool { charClass(u) & (digitBit | smallUnitBit | largeUnitBit) != 0 }

    /// The numbers in `units`, in order of position; an era year and the number inside it
    /// both appear (the era year first).
    public static func recognize(_ units: UnsafeBufferPointer<UInt16>) -> [NumberToken] {
        // One table access for the whole scan (each access to a global runs its lazy
        // initialization check).
        classTable.withUnsafeBufferPointer { table in recognize(units, table) }
    }

    private static func recognize(_ units: UnsafeBufferPointer<UInt16>, _ table: UnsafeBufferPointer<UInt8>) -> [NumberToken] {
        let numeralBits = digitBit | smallUnitBit | largeUnitBit
        var out: [NumberToken] = []
        let n = units.count
        var i = 0
        while i < n {
            let u = units[i]
            guard isASCIIDigit(u) || table[Int(u)] & numeralBits != 0 else { i += 1; continue }
            // The longest run of numeral characters (digits, kanji numerals, separators between digits).
            var end = i
            while end < n {
                let c = units[end]
                if isASCIIDigit(c) || table[Int(c)] & numeralBits != 0 {
                    end += 1
                } else if (c == 0x2C || c == 0x2E), end > i, isASCIIDigit(units[end - 1]), end + 1 < n, isASCIIDigit(units[end + 1]) {
                    end += 1
                } else {
                    break
                }
            }
            if let value = parse(units, i, end), accept(units, i, end) {
                if let era = eraYear(units, numberStart: i, numberEnd: end, value: value) { out.append(era) }
                out.append(NumberToken(start: Int32(i), end: Int32(end), value: value))
            }
            i = end
        }
        // 元年: an era name, 元, 年.
        var k = 2
        while k + 1 < n {
            if units[k] == gen, units[k + 1] == nen {
                for era in eras where units[k - 2] == era.name[0] && units[k - 1] == era.name[1] {
                    out.append(NumberToken(start: Int32(k - 2), end: Int32(k + 1), value: String(era.start)))
                }
            }
            k += 1
        }
        out.sort { $0.start != $1.start ? $0.start < $1.start : $0.end > $1.end }
        return out
    }

    /// Whether a well-formed numeral run counts as a number in its context.
    static func accept(_ units: UnsafeBufferPointer<UInt16>, _ start: Int, _ end: Int) -> Bool {
        var digitByDigit = true
        var hasZero = false
        for k in start..<end {
            let u = units[k]
            if isASCIIDigit(u) { return true }
            if charClass(u) & digitBit == 0 { digitByDigit = false }
            if u == 0x3007 || u == 0x96F6 { hasZero = true }
        }
        if charClass(units[start]) & largeUnitBit != 0 { return false }  // 万一
        let after = end < units.count ? charClass(units[end]) : 0
        if end - start >= 2 {
            // Kanji digits read one by one with no 〇 (平成一八年四月二〇日) only as a date part:
            // 七五三 and 一二 elsewhere are words.
            return !digitByDigit || hasZero || after & dateCounterBit != 0
        }
        let before = start > 0 ? units[start - 1] : 0
        return before == dai || after & counterBit != 0
    }

    /// The era year ending at a number followed by 年, when the number is in the era's range.
    static func eraYear(_ units: UnsafeBufferPointer<UInt16>, numberStart: Int, numberEnd: Int, value: String) -> NumberToken? {
        guard numberEnd < units.count, units[numberEnd] == nen, let year = Int(value), year >= 1 else { return nil }
        for era in eras where numberStart >= era.name.count {
            let s = numberStart - era.name.count
            if (0..<era.name.count).allSatisfy({ units[s + $0] == era.name[$0] }) {
                guard year <= era.last else { return nil }
                return NumberToken(start: Int32(s), end: Int32(numberEnd), value: String(era.start + year - 1))
            }
        }
        return nil
    }

    /// The canonical value of a numeral run, or nil when it is not well formed.
    static func parseGeneral(_ units: UnsafeBufferPointer<UInt16>, _ start: Int, _ end: Int) -> String? {
        let run = Array(units[start..<end])
        let hasUnit = run.contains { smallUnits[$0] != nil || largeUnits[$0] != nil }
        let kanjiDigits = run.filter { digits[$0] != nil }
        // Digit by digit: kanji digits only (without a 〇, `accept` wants 年 月 日 after them).
        if !hasUnit && !run.contains(where: isASCIIDigit) {
            guard run.count >= 2 else { return String(digits[run[0]]!) }
            return kanjiDigits.count > 38 ? nil : canonical(kanjiDigits.reduce(Decimal(0)) { $0 * 10 + Decimal(digits[$1]!) })
        }
        // Positional: sections of up to 千, joined by 万 億 兆; digits may be ASCII (with , and .).
        // Well formed (rules version 5): what follows a unit is smaller than it, so the first
        // character says the value's leading digit and the last its last digit (see
        // ``startCharacters(value:)``). An ASCII number after a unit is below the smallest unit
        // so far (十5, 10万2500; not 十500 or 二十500), an ASCII coefficient after the first is a
        // digit before 十 百 千 and below 10000 before 万 億 兆 (25百万 and 1億2000万, not
        // 1億20000万), and a decimal is the whole run or comes just before the one 万 億 兆
        // that ends it (1.2万; not 2.5十 or 1.2万5).
        var total = Decimal(0)
        var section = Decimal(0)
        var current: Decimal?
        var currentIsASCII = false
        var lastLarge = Int.max
        var lastSmall = Int.max
        var i = 0
        while i < run.count {
            let c = run[i]
            let first = i == 0
            if isASCIIDigit(c) {
                guard current == nil else { return nil }
                var text = ""
                while i < run.count, isASCIIDigit(run[i]) || run[i] == 0x2C || run[i] == 0x2E {
                    if run[i] != 0x2C { text.append(Character(Unicode.Scalar(UInt8(run[i])))) }
                    i += 1
                }
                guard text.filter({ $0 == "." }).count <= 1, let value = Decimal(string: text) else { return nil }
                if text.contains(".") {
                    // The whole run, or before the 万 億 兆 that ends it.
                    guard first, i == run.count || (i == run.count - 1 && largeUnits[run[i]] != nil) else { return nil }
                }
                // After a unit: the ones of what came before, below the smallest unit so far.
                if !first, value >= Decimal(min(lastSmall, lastLarge)) { return nil }
                current = value
                currentIsASCII = !first
                continue
            }
            if let d = digits[c] {
                guard current == nil else { return nil }  // two digits in a row: 七五三
                current = Decimal(d)
                currentIsASCII = false
            } else if let unit = smallUnits[c] {
                guard unit < lastSmall else { return nil }  // 百千 is not a number
                if currentIsASCII, let c = current, c >= 10 { return nil }
                section += (current ?? 1) * Decimal(unit)
                current = nil
                currentIsASCII = false
                lastSmall = unit
            } else if let unit = largeUnits[c] {
                guard unit < lastLarge, current != nil || section != 0 else { return nil }
                if currentIsASCII, let c = current, section + c >= 10_000 { return nil }
                total += (section + (current ?? 0)) * Decimal(unit)
                section = 0
                current = nil
                currentIsASCII = false
                lastSmall = Int.max
                lastLarge = unit
            } else {
                return nil
            }
            i += 1
        }
        total += section + (current ?? 0)
        return canonical(total)
    }

    /// Integers as plain digits; other values with their decimal point (12000, 0.5).
    static func canonical(_ value: Decimal) -> String {
        var v = value
        var rounded = Decimal()
        NSDecimalRound(&rounded, &v, 0, .plain)
        if rounded == value { return "\(rounded)" }
        return "\(value)"
    }
}

/// A number found in normalized text: `units[start..<end]` has the value `value`.
public struct NumberToken: Sendable, Hashable {
    public var start: Int32
    public var end: Int32
    public var value: String
}
