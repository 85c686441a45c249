import Foundation
import KensakuAnalysis
import KensakuCorpus
@testable import KensakuIndex
import Testing

@Suite("Trigrams")
struct TrigramTests {
    /// The trigrams that the index holds for `text` (normalized), in position order.
    static func trigrams(_ text: String) throws -> [String] {
        let analyzed = try Analyzer().analyze(text)
        var out: [String] = []
        analyzed.text.units.withUnsafeBufferPointer { units in
            Trigrams.forEach(in: analyzed.grams[...], units: units) { start, end in
                out.append(String(decoding: units[start..<end], as: UTF16.self))
            }
        }
        return out
    }

    @Test("Every three characters of a run, none across a space, none holding a clause end",
          arguments: [
            ("生活保護", ["生活保", "活保護"]),
            ("生活 保護", []),
            ("第二十五条", ["第二十", "二十五", "十五条"]),
            ("あいう、えおか", ["あいう", "えおか"]),
            ("(第一条)の「規定」。", ["第一条"]),
            ("𠮷野家です", ["𠮷野家", "野家で", "家です"]),
            ("ｶﾞｲﾄﾞ", ["ガイド"]),
            ("ab", []),
            ("a", []),
            ("", []),
            ("ＡＢＣＤ　ef g", ["abc", "bcd"]),
          ])
    func trigramsOfText(text: String, expected: [String]) throws {
        #expect(try Self.trigrams(text) == expected)
    }

    @Test("The characters that keep a trigram out are the clause ends that analysis cuts after")
    func exclusionsAreTheCutBoundaries() {
        // AnalysisChunks reads raw UTF-8, Trigrams normalized UTF-16: each clause end is its own
        // normalization, so the two lists must name the same characters.
        var clauseEnds: [UInt16] = []
        for u in UInt16(0)...UInt16(0xD7FF) {
            let bytes = Array(String(UnicodeScalar(u)!).utf8)
            let isClauseEnd = bytes.withUnsafeBufferPointer { AnalysisChunks.boundary($0, before: $0.count) == .clauseEnd }
            if isClauseEnd { clauseEnds.append(u) }
            #expect(Trigrams.excludes(u) == isClauseEnd, "U+\(String(u, radix: 16))")
        }
        #expect(clauseEnds == [0x28, 0x29, 0x3001, 0x3002, 0x300C, 0x300D])
    }

    @Test("Built with trigrams: each holds the positions of its three characters, and the manifest says so")
    func trigramPostings() throws {
        let dir = Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/c.jsonl"
        try Fixtures.writeJSONL([["id": "a", "title": "生活保護法", "body": "生活保護の生活保護。生活、保護"],
                                 ["id": "b", "title": "題", "body": "𠮷野家の生活"]], to: path)
        for trigrams in [false, true] {
            var source: any DocumentSource = try JSONLinesSource(path: path)
            var options = IndexBuildOptions()
            options.trigrams = trigrams
            let index = dir + "/i\(trigrams)"
            _ = try IndexBuilder.build(source: &source, corpusName: "c.jsonl", corpusFormat: "jsonl", directory: index, options: options)
            let reader = try IndexReader.open(directory: index)
            try reader.verify()
            #expect(reader.manifest.trigrams == (trigrams ? true : nil) && reader.trigramsWhole == trigrams)
            let body = try #require(reader.fieldNumber("body"))
            let title = try #require(reader.fieldNumber("title"))
            func info(_ field: Int, _ term: String) throws -> TermInfo? { try reader.lookup(TermKey.make(field: field, kind: .trigram, term: term)) }
            guard trigrams else {
                #expect(try info(body, "生活保") == nil)
                continue
            }
            let found = try #require(try info(body, "活保護"))
            #expect(found.docFreq == 1 && found.totalFreq == 2)
            var cursor = try reader.postings(found)
            var positions = [UInt32](repeating: 0, count: 4)
            let n = try cursor.positions(into: &positions, at: 0)
            #expect(Array(positions[0..<n]) == [1, 6])
            #expect(try info(body, "𠮷野家")?.docFreq == 1)
            #expect(try info(title, "護法")?.docFreq == nil)  // (three characters only)
            #expect(try info(title, "保護法")?.docFreq == 1)
            #expect(try info(body, "活、保") == nil && info(body, "護。生") == nil)
            // Bigrams are indexed as before.
            #expect(try reader.lookup(TermKey.make(field: body, kind: .gram, term: "保護"))?.totalFreq == 3)
        }
    }
}
