/// The fast path of number parsing: most numeral runs in real text (第一条, 平成二十三年, 2011,
/// 三千五百) are plain kanji numerals or plain ASCII digits, which integers parse exactly, at a
/// small fraction of the cost of the general parser (arrays, `Decimal`, strings). Runs it does
/// not cover go to ``JapaneseNumbers/parseGeneral(_:_:_:)``; a test checks that both agree.
extension JapaneseNumbers {
    /// The canonical value of a numeral run, or nil when it is not well formed.
    static func parse(_ units: UnsafeBufferPointer<UInt16>, _ start: Int, _ end: Int) -> String? {
        switch parseFast(units, start, end) {
        case .value(let value): value
        case .notANumber: nil
        case .general: parseGeneral(units, start, end)
        }
    }

    enum FastParse: Equatable {
        case value(String)
        case notANumber
        /// Not covered: ask the general parser.
        case general
    }

    /// Per UTF-16 unit, an index into `kinds` and `values` (0 for a unit that is no kanji
    /// numeral), built from ``digits``, ``smallUnits`` and ``largeUnits`` with the general
    /// parser's precedence (a digit before a small unit before a large unit).
    static let numeralIndex: (index: [UInt8], kinds: [NumeralKind], values: [Int]) = {
        var index = [UInt8](repeating: 0, count: 65536)
        var kinds: [NumeralKind] = [.digit], values = [0]
        for (kind, table) in [(NumeralKind.largeUnit, largeUnits), (.smallUnit, smallUnits), (.digit, digits)] {
            for (unit, value) in table.sorted(by: { $0.key < $1.key }) {
                index[Int(unit)] = UInt8(kinds.count)
                kinds.append(kind)
                values.append(value)
            }
        }
        return (index, kinds, values)
    }()

    enum NumeralKind { case digit, smallUnit, largeUnit }

    /// The general parser's result for runs of ASCII digits alone (at most 18) and runs of
    /// kanji numerals alone (read digit by digit: at most 18), computed in integers; `.general`
    /// for every other run.
    static func parseFast(_ units: UnsafeBufferPointer<UInt16>, _ start: Int, _ end: Int) -> FastParse {
        let count = end - start
        guard count > 0 else { return .general }
        if isASCIIDigit(units[start]) {
            // ASCII digits, with `,` (dropped) and at most one `.`: 2011, 4,647, 0.60 → 0.6.
            var value = 0
            var digits = 0
            var point = -1  // index of the `.`
            var fraction: [UInt8] = []
            for i in start..<end {
                let u = units[i]
                if isASCIIDigit(u) {
                    digits += 1
                    guard digits <= 18 else { return .general }
                    if point < 0 { value = value * 10 + Int(u - 0x30) } else { fraction.append(UInt8(u)) }
                } else if u == 0x2E && point < 0 {
                    point = i
                } else if u != 0x2C || point >= 0 {
                    return .general  // kanji after the digits, a second `.`, or a `,` in the fraction
                }
            }
            while fraction.last == 0x30 { fraction.removeLast() }
            if fraction.isEmpty { return .value(String(value)) }
            return .value(String(value) + "." + String(decoding: fraction, as: UTF8.self))
        }
        let table = numeralIndex
        var hasUnit = false
        for i in start..<end {
            let k = Int(table.index[Int(units[i])])
            guard k != 0 else { return .general }
            if table.kinds[k] != .digit { hasUnit = true }
        }
        if !hasUnit {
            // Digit by digit (without a 〇 only before 年 月 日: see `accept`), or a single digit.
            if count == 1 { return .value(String(table.values[Int(table.index[Int(units[start])])])) }
            guard count <= 18 else { return .general }
            var value = 0
            for i in start..<end { value = value * 10 + table.values[Int(table.index[Int(units[i])])] }
            return .value(String(value))
        }
        // Positional (overflow, impossible with units up to 兆, goes to the general parser).
        var total = 0, section = 0
        var current: Int?
        var lastLarge = Int.max, lastSmall = Int.max
        for i in start..<end {
            let k = Int(table.index[Int(units[i])])
            let value = table.values[k]
            switch table.kinds[k] {
            case .digit:
                guard current == nil else { return .notANumber }  // two digits in a row: 七五三
                current = value
            case .smallUnit:
                guard value < lastSmall else { return .notANumber }  // 百千 is not a number
                guard let sum = product((current ?? 1), value).flatMap({ add(section, $0) }) else { return .general }
                section = sum
                current = nil
                lastSmall = value
            case .largeUnit:
                guard value < lastLarge, current != nil || section != 0 else { return .notANumber }
                guard let sum = add(section, current ?? 0).flatMap({ product($0, value) }).flatMap({ add(total, $0) }) else { return .general }
                total = sum
                section = 0
                current = nil
                lastSmall = Int.max
                lastLarge = value
            }
        }
        guard let sum = add(section, current ?? 0).flatMap({ add(total, $0) }) else { return .general }
        return .value(String(sum))
    }

    @inline(__always)
    private static func add(_ a: Int, _ b: Int) -> Int? {
        let (sum, overflow) = a.addingReportingOverflow(b)
        return overflow ? nil : sum
    }

    @inline(__always)
    private static func product(_ a: Int, _ b: Int) -> Int? {
        let (product, overflow) = a.multipliedReportingOverflow(by: b)
        return overflow ? nil : product
    }
}
