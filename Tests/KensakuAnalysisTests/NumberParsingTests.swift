import KensakuTestSupport
import Testing
@testable import KensakuAnalysis

/// The integer fast path of number parsing must agree with the general parser wherever it
/// answers (and it must answer for the common runs, or it is no fast path).
@Suite("Number parsing fast path")
struct NumberParsingTests {
    static func parsed(_ run: String) -> (fast: JapaneseNumbers.FastParse, general: String?) {
        let units = Array(run.utf16)
        return units.withUnsafeBufferPointer { buffer in
            (JapaneseNumbers.parseFast(buffer, 0, buffer.count), JapaneseNumbers.parseGeneral(buffer, 0, buffer.count))
        }
    }

    static func expectAgreement(_ run: String, sourceLocation: SourceLocation = #_sourceLocation) {
        let (fast, general) = parsed(run)
        switch fast {
        case .value(let value): #expect(value == general, "\(run)", sourceLocation: sourceLocation)
        case .notANumber: #expect(general == nil, "\(run): general parser gives \(general ?? "nil")", sourceLocation: sourceLocation)
        case .general: break
        }
    }

    @Test("common runs take the fast path", arguments: [
        ("一", "1"), ("二十五", "25"), ("二十三", "23"), ("三千五百", "3500"), ("十万二千五百", "102500"), ("百", "100"),
        ("壱", "1"), ("拾", "10"), ("二〇一一", "2011"), ("〇", "0"), ("2011", "2011"), ("0023", "23"), ("9", "9"),
        ("一億二千万", "120000000"), ("五兆", "5000000000000"),
        ("4,647", "4647"), ("1.5", "1.5"), ("10.00", "10"), ("0.60", "0.6"), ("2,400.00", "2400"), ("0.01", "0.01"), ("007.50", "7.5"),
    ])
    func fastValues(run: String, value: String) {
        #expect(Self.parsed(run).fast == .value(value))
        #expect(Self.parsed(run).general == value)
    }

    @Test("malformed runs are rejected by both", arguments: ["百千", "万一", "億"])
    func rejected(run: String) {
        #expect(Self.parsed(run).fast == .notANumber)
        #expect(Self.parsed(run).general == nil)
    }

    /// Kanji digits one by one parse to their digits; whether they count as a number (only with
    /// a 〇 or before 年 月 日) is decided by the context check, not the parser.
    @Test("digits one by one parse in both", arguments: [("七五三", "753"), ("一一", "11"), ("一八", "18")])
    func digitByDigit(run: String, value: String) {
        #expect(Self.parsed(run).fast == .value(value))
        #expect(Self.parsed(run).general == value)
    }

    @Test("runs it does not cover go to the general parser", arguments: [
        "10万2500", "1.2万", "1.2.3", "1.2,3", String(repeating: "9", count: 19), String(repeating: "九", count: 19) + "〇",
    ])
    func general(run: String) {
        #expect(Self.parsed(run).fast == .general)
    }

    @Test("agrees with the general parser on random numeral runs", arguments: [31, 32, 33] as [UInt64])
    func randomRuns(seed: UInt64) {
        var rng = SeededGenerator(seed: seed)
        let alphabet = Array("〇零一二三四五六七八九十百千万億兆壱弐参拾萬阡仟佰陌0123456789".utf16)
        let ascii = Array("0123456789012345678901234567890123456789,.".utf16)
        for _ in 0..<3000 {
            let length = Int.random(in: 1...(Int.random(in: 0..<10, using: &rng) == 0 ? 25 : 6), using: &rng)
            var run: [UInt16]
            switch Int.random(in: 0..<4, using: &rng) {
            case 0: run = (0..<length).map { _ in alphabet.randomElement(using: &rng)! }
            case 1: run = (0..<length).map { _ in UInt16(0x30 + Int.random(in: 0...9, using: &rng)) }
            case 2: run = [0x31] + (0..<length).map { _ in ascii.randomElement(using: &rng)! } + [0x30]
            default: run = (0..<length).map { _ in alphabet[Int.random(in: 0..<(alphabet.count - 10), using: &rng)] }
            }
            Self.expectAgreement(String(decoding: run, as: UTF16.self))
        }
    }

    @Test("agrees with the general parser on every numeral run of the seed report")
    func seedReportRuns() throws {
        let analyzer = try Analyzer()
        var checked = 0
        for line in try SeedReport.lines() {
            let units = analyzer.normalize(line).units
            var i = 0
            while i < units.count {
                guard JapaneseNumbers.isASCIIDigit(units[i]) || JapaneseNumbers.isKanjiNumeral(units[i]) else { i += 1; continue }
                var end = i
                while end < units.count && (JapaneseNumbers.isASCIIDigit(units[end]) || JapaneseNumbers.isKanjiNumeral(units[end])) { end += 1 }
                Self.expectAgreement(String(decoding: units[i..<end], as: UTF16.self))
                checked += 1
                i = end
            }
        }
        #expect(checked > 400)  // 408 runs in the report
    }
}
