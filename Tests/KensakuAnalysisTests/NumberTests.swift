import KensakuAnalysis
import Testing

@Suite("Japanese numbers and era years")
struct NumberTests {
    func numbers(_ text: String) throws -> [String] {
        let analyzer = try Analyzer()
        let analyzed = analyzer.analyze(text)
        return analyzed.numbers.map { n in
            "\(n.value)@\(String(decoding: analyzed.text.units[Int(n.start)..<Int(n.end)], as: UTF16.self))"
        }
    }

    @Test("Numbers in their written forms get canonical values", arguments: [
        ("第二十五条", ["25@二十五"]),
        ("第25条", ["25@25"]),
        ("第２５条", ["25@25"]),
        ("十万二千五百円", ["102500@十万二千五百"]),
        ("102,500円", ["102500@102,500"]),
        ("4,647人", ["4647@4,647"]),
        ("１．２万人", ["12000@1.2万"]),
        ("10万2500円", ["102500@10万2500"]),
        ("二〇一一年", ["2011@二〇一一"]),
        ("金参万円", ["30000@参万"]),
        ("壱拾弐条", ["12@壱拾弐"]),
        ("三千五百", ["3500@三千五百"]),
        ("一億二千万", ["120000000@一億二千万"]),
        ("第一", ["1@一"]),
        ("一人", ["1@一"]),
        ("三回", ["3@三"]),
        ("十一月", ["11@十一"]),
        ("0.5倍", ["0.5@0.5"]),
        ("平成一八年四月二〇日", ["2006@平成一八", "18@一八", "4@四", "20@二〇"]),
        ("昭和五三年五月三〇日", ["1978@昭和五三", "53@五三", "5@五", "30@三〇"]),
    ])
    func conversions(text: String, expected: [String]) throws {
        #expect(try numbers(text) == expected)
    }

    @Test("Words that contain numerals are not numbers", arguments: [
        "一般", "統一", "一部", "万一", "一時", "参加", "九州", "十分", "百貨店", "千代田区", "七五三", "七五三の祝い", "一二の", "一体", "同一の", "唯一",
    ])
    func notNumbers(text: String) throws {
        #expect(try numbers(text) == [])
    }

    @Test("Era years are Gregorian years too", arguments: [
        ("平成二十三年", ["2011@平成二十三", "23@二十三"]),
        ("平成23年度", ["2011@平成23", "23@23"]),
        ("昭和二十二年", ["1947@昭和二十二", "22@二十二"]),
        ("令和元年", ["2019@令和元"]),
        ("平成元年", ["1989@平成元"]),
        ("明治二十九年", ["1896@明治二十九", "29@二十九"]),
        ("大正十五年", ["1926@大正十五", "15@十五"]),
        ("平成40年", ["40@40"]),
        ("昭和65年", ["65@65"]),
    ])
    func eraYears(text: String, expected: [String]) throws {
        #expect(try numbers(text) == expected)
    }
}
