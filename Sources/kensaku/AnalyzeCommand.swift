import ArgumentParser
import Foundation
import KensakuAnalysis

struct AnalyzeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "analyze",
        abstract: "Show how text is normalized and tokenized (like Elasticsearch's _analyze)."
    )

    @Flag(help: "Print JSON.")
    var json = false

    @Flag(name: .customLong("hiragana-to-katakana"), help: "Fold hiragana to katakana.")
    var hiraganaToKatakana = false

    @Argument(help: "The text to analyze (several arguments are joined by a space).")
    var text: [String]

    func run() throws {
        let input = text.joined(separator: " ")
        let analyzer = try Analyzer(settings: AnalyzerSettings(foldHiraganaToKatakana: hiraganaToKatakana))
        let analyzed = analyzer.analyze(input)
        let bytes = Array(input.utf8)
        func describe(_ kind: TokenKind) -> [[String: Any]] {
            analyzed.tokens(kind).map { token in
                let range = analyzed.sourceRange(token)
                return [
                    "term": analyzed.term(token), "position": Int(token.position),
                    "start_offset": range.lowerBound, "end_offset": range.upperBound,
                    "source": String(decoding: bytes[range], as: UTF8.self),
                ]
            }
        }
        let numbers: [[String: Any]] = analyzed.numbers.map { number in
            let range = analyzed.text.sourceRange(Int(number.start), Int(number.end))
            return [
                "value": number.value, "position": Int(number.start), "length": Int(number.end - number.start),
                "start_offset": range.lowerBound, "end_offset": range.upperBound,
                "source": String(decoding: bytes[range], as: UTF8.self),
            ]
        }
        if json {
            let object: [String: Any] = [
                "text": input, "normalized": analyzed.text.string,
                "icu": ICU.version, "unicode": ICU.unicodeVersion, "analyzer": analyzer.settings.summary,
                "words": describe(.word), "grams": describe(.gram), "numbers": numbers,
            ]
            let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
            print(String(decoding: data, as: UTF8.self))
            return
        }
        print("normalized: \(analyzed.text.string)")
        print("analyzer:   \(analyzer.settings.summary), ICU \(ICU.version), Unicode \(ICU.unicodeVersion)")
        for kind in TokenKind.allCases {
            print(kind == .word ? "words:" : "grams:")
            for token in describe(kind) {
                let term = token["term"] as! String
                print("  \(term)\tpos=\(token["position"]!)\tbytes=\(token["start_offset"]!)..<\(token["end_offset"]!)\t\(token["source"]!)")
            }
        }
        if !numbers.isEmpty {
            print("numbers:")
            for n in numbers {
                print("  \(n["value"]!)#\(n["length"]!)\tpos=\(n["position"]!)\tbytes=\(n["start_offset"]!)..<\(n["end_offset"]!)\t\(n["source"]!)")
            }
        }
    }
}
