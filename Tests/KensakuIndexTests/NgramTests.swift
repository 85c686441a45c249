import Foundation
import KensakuAnalysis
import KensakuCorpus
@testable import KensakuIndex
import KensakuTestSupport
import Testing

@Suite("N-gram counts")
struct NgramTests {
    /// What the index should count for a field: every n-gram of whole characters of one run,
    /// of 1 to `maxUnits` units, without a clause end unless it is one character, that at
    /// least `minDocs` docs hold: per doc its occurrences and its word-aligned ones.
    static func expected(_ texts: [String], minDocs: Int, maxUnits: Int) throws -> [String: [UInt32: (Int, Int)]] {
        let analyzer = try Analyzer()
        var all: [String: [UInt32: (Int, Int)]] = [:]
        for (doc, text) in texts.enumerated() {
            let analyzed = try Array(text.utf8).withUnsafeBufferPointer { try analyzer.analyze(utf8: $0, offsets: false) }
            let units = analyzed.text.units
            var bounds = Set<Int>()
            for word in analyzed.words { bounds.insert(Int(word.start)); bounds.insert(Int(word.end)) }
            // Runs of characters: the gram tokens' starts, a run ending at a one-character gram.
            var runs: [[Int]] = [[]]
            for gram in analyzed.grams {
                runs[runs.count - 1].append(Int(gram.start))
                let first = units.withUnsafeBufferPointer { Analyzer.charLength($0, Int(gram.start)) }
                if Int(gram.end) == Int(gram.start) + first { runs.append([]) }
            }
            for run in runs {
                for i in run.indices {
                    for j in i..<run.count {
                        let start = run[i]
                        let end = j + 1 < run.count ? run[j + 1] : run[j] + units.withUnsafeBufferPointer { Analyzer.charLength($0, run[j]) }
                        guard end - start <= maxUnits else { break }
                        let piece = Array(units[start..<end])
                        if j > i && piece.contains(where: Trigrams.excludes) { break }
                        let key = String(decoding: piece, as: UTF16.self)
                        var entry = all[key, default: [:]][UInt32(doc), default: (0, 0)]
                        entry.0 += 1
                        if bounds.contains(start) && bounds.contains(end) { entry.1 += 1 }
                        all[key, default: [:]][UInt32(doc)] = entry
                    }
                }
            }
        }
        return all.filter { $0.value.count >= minDocs }
    }

    @Test("Every frequent n-gram of a field, counted per doc exactly, and no other",
          arguments: [(1, 12, 2, nil), (3, 12, 1, nil), (2, 5, 2, 64), (4, 12, 2, 256)] as [(Int, Int, Int, Int?)])
    func countsMatchBruteForce(minDocs: Int, maxUnits: Int, threads: Int, segmentBytes: Int?) throws {
        var rng = SeededGenerator(seed: 0x6_6A3 &+ UInt64(minDocs))
        // A small alphabet, so that n-grams of every length recur; spaces split runs, clause
        // ends keep longer n-grams out, 𠮷 is two units.
        let pieces = ["生活", "保護", "生", "活", "保", "護", "法", "の", "第二十五条", "二十", "五", "条", "、", "。", "マイレージ",
                      "ー", "𠮷", "(", ")", " ", "規定", "ab", "Ｃ"]
        let texts = (0..<60).map { _ in
            (0..<Int.random(in: 40...120, using: &rng)).map { _ in pieces.randomElement(using: &rng)! }.joined()
        }
        let dir = Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // Short titles: a field whose every n-gram is counted.
        let titles = texts.map { String($0.prefix(5)) }
        try Fixtures.writeJSONL(texts.indices.map { ["id": "d\($0)", "title": titles[$0], "body": texts[$0]] }, to: dir + "/c.jsonl")
        var source = try CorpusFormat.jsonl.open(path: dir + "/c.jsonl", skipBad: false)
        var options = IndexBuildOptions()
        options.threads = threads
        options.ngrams = NgramSettings(maxUnits: maxUnits, minDocs: minDocs)
        options.ngramSegmentBytes = segmentBytes
        let report = try IndexBuilder.build(source: &source, corpusName: "c.jsonl", corpusFormat: "jsonl", directory: dir + "/i", options: options)
        let index = try IndexReader.open(directory: dir + "/i")
        let title = try #require(index.fieldNumber("title"))
        let body = try #require(index.fieldNumber("body"))
        #expect(index.ngramsWhole == NgramSettings(maxUnits: maxUnits, minDocs: minDocs, completeFields: [title], layout: Ngrams.layout))
        try index.verify()
        try Self.check(index, field: body, expected: Self.expected(texts, minDocs: minDocs, maxUnits: maxUnits), ngrams: report.ngrams)
        try Self.check(index, field: title, expected: Self.expected(titles, minDocs: 1, maxUnits: maxUnits), ngrams: report.ngrams)
    }

    /// Calls `body` with the text, doc and stored value (where a position would be) of every
    /// posting of `kind` in `field`; each posting must have tf 1.
    static func forEachPosting(_ index: IndexReader, field: Int, kind: TermKind,
                               _ body: (String, UInt32, UInt32) -> Void) throws {
        let prefix: [UInt8] = [UInt8(field), kind.rawValue]
        try index.scan(from: prefix) { (key, info) throws(IndexError) in
            guard key.starts(with: prefix) else { return false }
            let text = String(decoding: key.dropFirst(2), as: UTF8.self)
            var cursor = try index.postings(info)
            while cursor.doc != PostingsCursor.exhausted {
                #expect(cursor.frequency == 1)
                body(text, cursor.doc, try cursor.firstPosition())
                try cursor.next()
            }
            return true
        }
    }

    /// The n-gram counts of `field` are `expected`, and there are no others: each doc's packed
    /// counts in kind 5, and an aligned count in kind 6 only where its count is escaped.
    static func check(_ index: IndexReader, field: Int, expected: [String: [UInt32: (Int, Int)]], ngrams: Int) throws {
        var found: [String: [UInt32: (Int, Int)]] = [:]
        var escaped: Set<String> = []  // text + doc
        try forEachPosting(index, field: field, kind: .ngramCount) { text, doc, value in
            if value >= NgramCount.escape {
                found[text, default: [:]][doc] = (Int(value - NgramCount.escape), 0)
                escaped.insert("\(text) \(doc)")
            } else {
                let (count, aligned) = NgramCount.unpack(value)
                found[text, default: [:]][doc] = (Int(count), Int(aligned))
            }
        }
        try forEachPosting(index, field: field, kind: .ngramAligned) { text, doc, value in
            #expect(escaped.remove("\(text) \(doc)") != nil, "an aligned count for a packed count: \(text) doc \(doc)")
            found[text, default: [:]][doc]?.1 = Int(value)
        }
        #expect(found.count == expected.count)
        #expect(ngrams >= expected.count)  // (all fields')
        for (text, docs) in expected {
            let got = found[text] ?? [:]
            #expect(got.count == docs.count, "\(text)")
            for (doc, counts) in docs {
                #expect(got[doc]?.0 == counts.0 && got[doc]?.1 == counts.1, "\(text) doc \(doc): \(String(describing: got[doc])) != \(counts)")
                if counts.0 > Int(NgramCount.packedLimit) && counts.1 == 0 { escaped.remove("\(text) \(doc)") }
            }
        }
        #expect(escaped.isEmpty, "escaped counts with no aligned count: \(escaped.sorted().prefix(3))")
    }

    @Test("Packed counts: every (count, aligned) pair numbered in order, escaped above 65,534")
    func packing() {
        var next: UInt32 = 0
        for count in UInt32(1)...2_000 {
            for aligned in 0...count {
                let (value, escaped) = NgramCount.pack(count: count, aligned: aligned)
                #expect(!escaped && value == next)
                next += 1
                let back = NgramCount.unpack(value)
                if back.count != count || back.aligned != aligned { Issue.record("\(count), \(aligned) → \(value) → \(back)") }
            }
        }
        let limit = NgramCount.packedLimit
        for count in [limit - 1, limit] {
            for aligned in [0, 1, count / 2, count - 1, count] {
                let (value, escaped) = NgramCount.pack(count: count, aligned: aligned)
                #expect(!escaped && value < NgramCount.escape)
                #expect(NgramCount.unpack(value) == (count, aligned))
            }
        }
        #expect(NgramCount.pack(count: limit + 1, aligned: 5) == (NgramCount.escape + limit + 1, true))
        // In bulk: the table (counts up to 64), the square root above it, escaped counts.
        let pairs: [(UInt32, UInt32)] = [(1, 0), (1, 1), (3, 2), (64, 0), (64, 64), (65, 0), (65, 65), (200, 17), (limit, 3), (limit + 1, 9), (1 << 30, 0)]
        var values = pairs.map { NgramCount.pack(count: $0.0, aligned: $0.1).value }
        var aligned = [UInt32](repeating: 7, count: values.count)
        let result = values.withUnsafeMutableBufferPointer { v in aligned.withUnsafeMutableBufferPointer { NgramCount.unpack(v, aligned: $0) } }
        #expect(result == (true, false))
        #expect(values == pairs.map(\.0))
        #expect(aligned == pairs.map { $0.0 > limit ? 0 : $0.1 })
        var forged = [NgramCount.escape + 12]  // an escaped count that packs
        #expect(forged.withUnsafeMutableBufferPointer { v in aligned.withUnsafeMutableBufferPointer { NgramCount.unpack(v, aligned: $0) } } == (true, true))
        #expect(NgramCount.pack(count: 1 << 30, aligned: 0) == (NgramCount.escape + (1 << 30), true))
    }

    @Test("A count too large to pack escapes, and its aligned count is kept in a posting of its own")
    func escapedCounts() throws {
        // 犬 alone between spaces: every occurrence is a word. Doc 0 holds it 70,000 times
        // (above the packed limit), doc 1 four times; 猫犬 holds 犬 inside a longer run.
        let texts = [String(repeating: "犬 ", count: 70_000) + "猫犬", "犬 犬 犬 猫犬", "猫犬"]
        let dir = Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Fixtures.writeJSONL(texts.indices.map { ["id": "d\($0)", "body": texts[$0]] }, to: dir + "/c.jsonl")
        var source = try CorpusFormat.jsonl.open(path: dir + "/c.jsonl", skipBad: false)
        var options = IndexBuildOptions()
        options.ngrams = NgramSettings(minDocs: 2)
        let report = try IndexBuilder.build(source: &source, corpusName: "c.jsonl", corpusFormat: "jsonl", directory: dir + "/i", options: options)
        let index = try IndexReader.open(directory: dir + "/i")
        let body = try #require(index.fieldNumber("body"))
        let expected = try Self.expected(texts, minDocs: 2, maxUnits: Ngrams.maxUnits)
        #expect(expected["犬"]?[0]?.0 == 70_001 && expected["犬"]?[0]?.1 ?? 0 > 65_534)
        try Self.check(index, field: body, expected: expected, ngrams: report.ngrams)
        #expect(try index.lookup(TermKey.make(field: body, kind: .ngramAligned, term: "犬")) != nil)
    }

    @Test("A build without n-grams counts none, and an old manifest reads as one without")
    func offByDefault() throws {
        let dir = Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Fixtures.writeJSONL([["id": "a", "body": "生活保護法"], ["id": "b", "body": "生活保護"]], to: dir + "/c.jsonl")
        try Fixtures.build(corpus: dir + "/c.jsonl", format: .jsonl, into: dir + "/i")
        let index = try IndexReader.open(directory: dir + "/i")
        #expect(index.manifest.ngrams == nil && index.ngramsWhole == nil)
        var kinds = Set<UInt8>()
        try index.scan(from: []) { (key, _) throws(IndexError) in
            kinds.insert(key[1])
            return true
        }
        #expect(!kinds.contains(TermKind.ngramCount.rawValue) && !kinds.contains(TermKind.ngramAligned.rawValue))
    }
}
