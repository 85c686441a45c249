import KensakuTestSupport
import Foundation
import KensakuCorpus
@testable import KensakuIndex
import Testing

/// Huge field values are analyzed in pieces and inverted in parts (bounded memory); the index
/// must be the one that analyzing them whole gives, byte for byte.
@Suite("Huge documents: analysis in pieces, inversion in parts")
struct LargeDocumentTests {
    /// Fragments that stress every cut rule: boundaries (line breaks, 、。「」(), spaces, tabs,
    /// U+3000), characters that must never start a piece (marks, ー, iteration marks, spacing
    /// voicing marks, joiners, variation selectors, half-width kana), surrogate pairs,
    /// compatibility characters, numbers and era years with their 第 and counter contexts,
    /// katakana runs that ICU shreds, Latin and digits with separators.
    static let fragments: [String] = [
        "。", "、", "\n", "\n", "「", "」", "(", ")", " ", "　", "\t", "\r\n", "（", "）",
        "ー", "ｰ", "ゝ", "ゞ", "ヽ", "ヾ", "゛", "゜", "\u{3099}", "\u{301}", "\u{200D}", "\u{FE0F}", "\u{200B}",
        "𠮷", "😀", "👨‍👩‍👧", "ｶﾞ", "ﾊﾟ", "㍿", "①", "～", "〜", "-", "−", "e\u{301}", "Å",
        "第", "一", "二十五", "条", "平成", "二十三", "年", "元年", "令和", "2,011", "1.5", "４６４７", "万", "〇",
        "カタカナ", "マイレージ", "ニュースキュレーション", "ひらがな", "こゝろ", "いすゞ", "漢字", "婦人相談所", "人身取引",
        "ABC", "abc", "Ｘ", "x", "1", "0",
    ]

    /// A reproducible text of `count` fragments, with a stretch of the seed report every so often.
    static func trickyText(count: Int, seed: UInt64) throws -> String {
        var rng = SeededGenerator(seed: seed)
        let report = try String(contentsOfFile: Fixtures.seedTable, encoding: .utf8)
        let lines = report.split(separator: "\n", omittingEmptySubsequences: false)
        var text = ""
        for _ in 0..<count {
            if Int.random(in: 0..<200, using: &rng) == 0 {
                let start = Int.random(in: 0..<lines.count, using: &rng)
                text += lines[start..<min(lines.count, start + 3)].joined(separator: "\n")
            } else {
                text += fragments[Int.random(in: 0..<fragments.count, using: &rng)]
            }
        }
        return text
    }

    @discardableResult
    static func build(_ path: String, into directory: String, chunkBytes: Int, threads: Int = 1, memoryMB: Int = 256,
                      trigrams: Bool = false) throws -> BuildReport {
        var source: any DocumentSource = try JSONLinesSource(path: path)
        var options = IndexBuildOptions()
        options.threads = threads
        options.memoryBudget = memoryMB << 20
        options.analysisChunkBytes = chunkBytes
        options.trigrams = trigrams
        return try IndexBuilder.build(source: &source, corpusName: "large.jsonl", corpusFormat: "jsonl", directory: directory, options: options)
    }

    static func expectSameFiles(_ a: String, _ b: String, _ comment: String) throws {
        let names = Fixtures.indexFiles(a)
        #expect(names == Fixtures.indexFiles(b))
        for name in names {
            let x = try Data(contentsOf: URL(fileURLWithPath: a + "/" + name))
            let y = try Data(contentsOf: URL(fileURLWithPath: b + "/" + name))
            #expect(x == y, "\(name) differs (\(comment))")
        }
    }

    // MARK: Exactness

    @Test("A value analyzed in pieces gives the index of analyzing it whole, byte for byte (trigrams too)",
          arguments: [(1, 1, 256, false), (7, 2, 256, false), (64, 1, 256, false), (4096, 2, 256, false), (100_000, 3, 4, false),
                      (1, 1, 256, true), (64, 2, 256, true), (4096, 1, 4, true)])
    func piecesGiveTheSameIndex(chunkBytes: Int, threads: Int, memoryMB: Int, trigrams: Bool) throws {
        let dir = Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let report = try String(contentsOfFile: Fixtures.seedTable, encoding: .utf8)
        var records: [[String: String]] = []
        for n in 0..<4 {
            let tricky = try Self.trickyText(count: 6_000, seed: 0xC0FFEE + UInt64(n))
            records.append(["id": "d\(n)", "title": "題\(n)。" + tricky.prefix(40), "body": tricky + "\n" + report, "source": "出典\(n)"])
        }
        records.append(["id": "small", "title": "小さな文書", "body": "婦人相談所。人身取引"])
        let path = dir + "/large.jsonl"
        try Fixtures.writeJSONL(records, to: path)
        let whole = try Self.build(path, into: dir + "/whole", chunkBytes: Int.max, threads: threads, memoryMB: memoryMB, trigrams: trigrams)
        let pieces = try Self.build(path, into: dir + "/pieces", chunkBytes: chunkBytes, threads: threads, memoryMB: memoryMB, trigrams: trigrams)
        #expect(whole.manifest.trigrams == (trigrams ? true : nil))
        #expect(pieces.manifest.forcedCuts == 0)
        #expect(whole.manifest.documentCount == records.count)
        #expect(pieces.manifest.documentCount == records.count)
        try Self.expectSameFiles(dir + "/whole", dir + "/pieces", "pieces of \(chunkBytes) bytes, \(threads) threads, \(memoryMB) MB")
        try IndexReader.open(directory: dir + "/pieces").verify()
    }

    @Test("A document whose parts fill the memory budget spans several segments, and merges back byte for byte")
    func documentAcrossSegments() throws {
        let dir = Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let report = try String(contentsOfFile: Fixtures.seedTable, encoding: .utf8)
        let tricky = try Self.trickyText(count: 20_000, seed: 0xB16)
        let records = [
            ["id": "before", "body": "前の文書。" + report],
            ["id": "big", "title": "大きな文書", "body": tricky + String(repeating: report, count: 6) + tricky, "source": "出典"],
            ["id": "after", "body": "後の文書。" + report],
        ]
        let path = dir + "/large.jsonl"
        try Fixtures.writeJSONL(records, to: path)
        let whole = try Self.build(path, into: dir + "/whole", chunkBytes: Int.max, threads: 1, memoryMB: 4)
        let pieces = try Self.build(path, into: dir + "/pieces", chunkBytes: 2048, threads: 1, memoryMB: 4)
        // The budget filled in the middle of the big document: its parts went to several segments.
        #expect(pieces.segments > whole.segments, "segments: \(pieces.segments) in pieces, \(whole.segments) whole")
        try Self.expectSameFiles(dir + "/whole", dir + "/pieces", "one document across \(pieces.segments) segments")
        try IndexReader.open(directory: dir + "/pieces").verify()
    }

    @Test("A large document in pieces is found and stored whole, its last characters included")
    func largeDocumentInPieces() throws {
        let dir = Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let report = try String(contentsOfFile: Fixtures.seedTable, encoding: .utf8)
        let body = String(repeating: report, count: 8) + "末尾の目印鬱鬯"
        let path = dir + "/large.jsonl"
        try Fixtures.writeJSONL([["id": "big", "title": "大きな文書", "body": body]], to: path)
        let built = try Self.build(path, into: dir + "/index", chunkBytes: 16 << 10, threads: 2, memoryMB: 4)
        #expect(built.manifest.documentCount == 1)
        let reader = try IndexReader.open(directory: dir + "/index")
        try reader.verify()
        let bodyField = try #require(reader.fieldNumber("body"))
        #expect(try reader.store.document(0).fields.first { $0.field == bodyField }?.values == [body])
        let gram = try #require(try reader.lookup(TermKey.make(field: bodyField, kind: .gram, term: "鬱鬯")))
        #expect(gram.docFreq == 1 && gram.totalFreq == 1)
        // A term of every copy of the report: one posting, eight times the report's count.
        let term = try #require(try reader.lookup(TermKey.make(field: bodyField, kind: .gram, term: "人身")))
        #expect(term.docFreq == 1)
        #expect(term.totalFreq % 8 == 0)
    }

    @Test("Text without a cut for 64 KiB is cut anyway: same grams and lengths, a valid index")
    func forcedCuts() throws {
        let dir = Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // Hostile: no line break, punctuation or space at all (kana, kanji, marks, digits).
        var rng = SeededGenerator(seed: 0xF0_2CED)
        let alphabet = ["あ", "カ", "ー", "漢", "字", "ゝ", "\u{3099}", "𠮷", "一", "2", "ｶﾞ", "条", "第"]
        var body = ""
        for _ in 0..<120_000 { body += alphabet[Int.random(in: 0..<alphabet.count, using: &rng)] }
        let path = dir + "/hostile.jsonl"
        try Fixtures.writeJSONL([["id": "h", "title": "t", "body": body]], to: path)
        try Self.build(path, into: dir + "/whole", chunkBytes: Int.max, trigrams: true)
        try Self.build(path, into: dir + "/pieces", chunkBytes: 8 << 10, trigrams: true)
        let whole = try IndexReader.open(directory: dir + "/whole")
        let pieces = try IndexReader.open(directory: dir + "/pieces")
        // The manifest counts the forced cuts (a number may be split there), and searches stop
        // relying on whole numbers.
        #expect(whole.manifest.forcedCuts == 0 && whole.numbersWhole && whole.trigramsWhole)
        // (A trigram across a forced cut is missing: searches match by bigrams alone.)
        #expect((pieces.manifest.forcedCuts ?? 0) > 0 && !pieces.numbersWhole && !pieces.trigramsWhole)
        try pieces.verify()
        try IndexHostileInputTests.readEverything(pieces)
        // Field lengths (gram counts) and every gram with its frequencies are the same. (The
        // word boundaries may differ: an ICU word across a forced cut is split.)
        for field in 0..<whole.docs.fieldCount {
            #expect(Array(whole.docs.lengths(field: field)) == Array(pieces.docs.lengths(field: field)))
        }
        func grams(_ reader: IndexReader) throws -> [[UInt8]: [Int]] {
            var out: [[UInt8]: [Int]] = [:]
            try reader.scan(from: []) { (key, info) throws(IndexError) in
                if key.count > 1 && key[1] == TermKind.gram.rawValue { out[key] = [info.docFreq, info.totalFreq] }
                return true
            }
            return out
        }
        let expected = try grams(whole)
        #expect(expected.count > 10)
        #expect(try grams(pieces) == expected)
    }

    // MARK: Cut rules

    @Test("Pieces end at character boundaries, after a boundary and before a plain character when they can")
    func pieceEnds() throws {
        for trial in 0..<40 {
            let text = try Self.trickyText(count: 2_000, seed: 0xAB + UInt64(trial))
            let bytes = Array(text.utf8)
            let target = [1, 3, 16, 100, 1000, 70_000][trial % 6]
            try bytes.withUnsafeBufferPointer { bytes in
                var start = 0
                var pieces = 0
                while start < bytes.count {
                    let end = AnalysisChunks.pieceEnd(bytes, from: start, target: target)
                    #expect(end > start)
                    #expect(end <= bytes.count)
                    if end < bytes.count {
                        #expect(bytes[end] & 0xC0 != 0x80, "cut inside a UTF-8 character at \(end)")
                        let natural = AnalysisChunks.boundary(bytes, before: end) != nil && AnalysisChunks.isPlain(bytes, at: end)
                        #expect(AnalysisChunks.isClean(bytes, cut: end) == natural)
                        // These texts have a cut every few dozen bytes: none is forced.
                        #expect(natural, "no natural cut at \(end) (target \(target))")
                        let piece = try #require(String(validating: UnsafeBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self))
                        #expect(!piece.isEmpty)
                    }
                    if end - start > target && target >= 16 {
                        // Longer than the target only when the back half of the window had no cut.
                        let low = start + max(1, target / 2)
                        let anyCut = (low...(start + target)).contains {
                            AnalysisChunks.boundary(bytes, before: $0) != nil && AnalysisChunks.isPlain(bytes, at: $0)
                        }
                        #expect(!anyCut)
                    }
                    start = end
                    pieces += 1
                }
                if target <= 100 { #expect(pieces > 10) }
            }
        }
        // A forced cut never splits a character, even in text of 4-byte characters only.
        let emoji = Array(String(repeating: "😀𠮷", count: 40_000).utf8)
        emoji.withUnsafeBufferPointer { bytes in
            var start = 0
            while start < bytes.count {
                let end = AnalysisChunks.pieceEnd(bytes, from: start, target: 1000)
                #expect(end > start && (end == bytes.count || bytes[end] & 0xC0 != 0x80))
                #expect(end - start <= AnalysisChunks.forcedCutBytes(target: 1000))
                start = end
            }
        }
    }
}
