import Foundation
import KensakuTestSupport
import Testing
@testable import KensakuAnalysis

/// A number-aware search reads only the bigrams that a number of the query's value can start
/// or end with (``JapaneseNumbers/startCharacters(value:)``, ``JapaneseNumbers/endCharacters(value:)``):
/// every number the recognizer finds must start and end with a character of its value's sets,
/// or such a search would miss it.
@Suite("Number start and end characters")
struct NumberCharacterTests {
    /// Checks every number recognized in `text`; returns how many there were.
    @discardableResult
    static func check(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) -> Int {
        let units = Array(normalizeForSearch(text).utf16)
        let numbers = units.withUnsafeBufferPointer { JapaneseNumbers.recognize($0) }
        for n in numbers {
            let first = units[Int(n.start)], last = units[Int(n.end) - 1]
            let run = String(decoding: units[Int(n.start)..<Int(n.end)], as: UTF16.self)
            #expect(JapaneseNumbers.startCharacters(value: n.value).contains(first),
                    "\(run) = \(n.value) starts with \(String(decoding: [first], as: UTF16.self)) in \(text)", sourceLocation: sourceLocation)
            #expect(JapaneseNumbers.endCharacters(value: n.value).contains(last),
                    "\(run) = \(n.value) ends with \(String(decoding: [last], as: UTF16.self)) in \(text)", sourceLocation: sourceLocation)
        }
        return numbers.count
    }

    @Test("Written forms of a value start and end within its sets", arguments: [
        "第25条", "第二十五条", "第弐拾五条", "第２５条", "第025条", "二〇一一年", "平成二十三年", "平成23年", "平成元年", "昭和六十四年",
        "令和元年", "明治四十五年", "大正元年", "十万二千五百円", "102,500円", "10万2500円", "1.2万人", "0.5万", "25百万円", "1500万円",
        "1億2000万", "十五", "百二十", "千円", "一万", "二千万", "3.14", "25.0", "25.50", "〇五", "一二年", "十5", "二千500",
    ])
    func writtenForms(_ text: String) {
        #expect(Self.check(text) > 0, "no number in \(text)")
    }

    @Test("Malformed runs are not numbers (rules version 5)", arguments: ["十500", "二十500", "2.5十", "1億20000万", "1.2万5", "十万25000"])
    func malformed(_ run: String) {
        let units = Array(run.utf16)
        #expect(units.withUnsafeBufferPointer { JapaneseNumbers.parse($0, 0, $0.count) } == nil, "\(run)")
    }

    @Test("Random numeral runs in random contexts", arguments: 0..<8)
    func randomRuns(seed: Int) {
        var g = SeededGenerator(seed: 7_919 &* UInt64(seed + 1))
        let numerals = Array("0123456789〇零一壱壹二弐貳三参參四五六七八九十拾百佰陌千阡仟万萬億兆".utf16) + Array(",.".utf16)
        let before = ["", "第", "平成", "昭和", "令和", "明治", "大正", "約", "年"].map { Array($0.utf16) }
        let after = ["", "条", "年", "元年", "円", "月", "日", "項", "人", "の"].map { Array($0.utf16) }
        var found = 0
        for _ in 0..<3_000 {
            var text: [UInt16] = before[Int.random(in: 0..<before.count, using: &g)]
            for _ in 0..<Int.random(in: 1...3, using: &g) {
                // Runs weighted toward digits, so that many parse.
                for _ in 0..<Int.random(in: 1...6, using: &g) {
                    text.append(Int.random(in: 0..<3, using: &g) == 0 ? numerals[Int.random(in: 0..<numerals.count, using: &g)]
                                : numerals[Int.random(in: 0..<10, using: &g)])
                }
                text += after[Int.random(in: 0..<after.count, using: &g)]
            }
            found += Self.check(String(decoding: text, as: UTF16.self))
        }
        #expect(found > 1_000)
    }

    @Test("The numbers of the seed report")
    func seedReport() throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Index/follow-up-2011.tsv")
        let text = try String(contentsOf: url, encoding: .utf8)
        #expect(Self.check(text) > 100)
    }
}
