import KensakuTestSupport
import Foundation
import KensakuAnalysis
import KensakuCorpus
import KensakuIndex
import Testing

/// Regression tests for what fuzzing (`scripts/fuzz.sh`) found or guards against on the
/// indexing side: huge and hostile documents, broken JSON, corrupt indexes whose checksums
/// were rewritten to match (so the corrupt bytes are really read).
@Suite("Hostile input: documents, JSON Lines and corrupt indexes")
struct IndexHostileInputTests {
    // MARK: Helpers

    /// A JSON string literal (JSONSerialization escapes control characters as \u00XX).
    static func json(_ object: [String: String]) throws -> String {
        String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
    }

    static func build(jsonl path: String, into directory: String, skipBad: Bool = false, threads: Int = 2) throws -> BuildReport {
        var source: any DocumentSource = try JSONLinesSource(path: path, skipBad: skipBad)
        var options = IndexBuildOptions()
        options.threads = threads
        options.memoryBudget = 256 << 20
        return try IndexBuilder.build(source: &source, corpusName: "hostile.jsonl", corpusFormat: "jsonl", directory: directory, options: options)
    }

    static func copyOfSeed() throws -> String {
        let dir = Fixtures.temporaryDirectory()
        for name in Fixtures.indexFiles(Fixtures.seedIndex) {
            try FileManager.default.copyItem(atPath: Fixtures.seedIndex + "/" + name, toPath: dir + "/" + name)
        }
        return dir
    }

    /// Every stored document, term and posting (with positions) of an open index: returns or
    /// throws an `IndexError`, never traps.
    static func readEverything(_ reader: IndexReader) throws(IndexError) {
        var infos: [TermInfo] = []
        try reader.scan(from: []) { (_, info) throws(IndexError) in
            infos.append(info)
            return true
        }
        var positions: [UInt32] = []
        for info in infos {
            var cursor = try reader.postings(info)
            var steps = 0
            while cursor.doc != PostingsCursor.exhausted && steps <= reader.documentCount {
                positions.removeAll(keepingCapacity: true)
                try cursor.positions(into: &positions)
                try cursor.next()
                steps += 1
            }
        }
        for doc in 0..<reader.documentCount {
            _ = reader.docs.id(doc)
            _ = try reader.store.document(doc)
            for field in 0...reader.docs.fieldCount {
                let bounds = try reader.docs.wordBoundaries(field: field, doc: doc)
                _ = bounds.alignedCount(starts: [0, 1, 7, UInt32(bounds.bytes.count * 8), UInt32.max], length: 2)
            }
        }
    }

    // MARK: Limits

    /// Megabytes of the single-document test: 20 by default (debug builds take a few seconds a
    /// megabyte); `KENSAKU_HOSTILE_DOC_MB=100` for the full size.
    static let bigDocumentMB = Int(ProcessInfo.processInfo.environment["KENSAKU_HOSTILE_DOC_MB"] ?? "") ?? 20

    @Test("One very large document (20 MB, KENSAKU_HOSTILE_DOC_MB for more) is indexed, stored and read back")
    func hugeDocument() throws {
        let dir = Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let report = try String(contentsOfFile: Fixtures.seedTable, encoding: .utf8)
        var body = ""
        body.reserveCapacity(Self.bigDocumentMB << 20 + report.utf8.count)
        while body.utf8.count < Self.bigDocumentMB << 20 { body += report }
        body += "末尾の目印鬱鬯"
        let path = dir + "/big.jsonl"
        try (Self.json(["id": "big", "title": "大きな文書", "body": body]) + "\n").write(toFile: path, atomically: false, encoding: .utf8)
        let started = ContinuousClock.now
        let built = try Self.build(jsonl: path, into: dir + "/index")
        let elapsed = ContinuousClock.now - started
        #expect(built.manifest.documentCount == 1)
        #expect(elapsed < .seconds(120), "indexing \(Self.bigDocumentMB) MB took \(elapsed)")
        let reader = try IndexReader.open(directory: dir + "/index")
        try reader.verify()
        let stored = try reader.store.document(0)
        let bodyField = try #require(reader.fieldNumber("body"))
        #expect(stored.id == "big")
        #expect(stored.fields.first { $0.field == bodyField }?.values == [body])
        // The last characters are indexed too: the gram 鬱鬯 (a pair the report never has).
        #expect(try reader.lookup(TermKey.make(field: bodyField, kind: .gram, term: "鬱鬯")) != nil)
    }

    @Test("NUL bytes and control characters in documents are indexed and stored as written")
    func controlCharacters() throws {
        let dir = Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var bodies: [String] = [
            "前\u{0}後", "\u{0}\u{0}\u{0}", "a\u{1}b\u{7}c\u{8}d\u{B}e\u{C}f\u{1B}g\u{7F}h", "改行\r\n復帰\r単独",
            "\u{FEFF}先頭のBOM", "\u{301}結合文字で始まる", "\u{FFFF}\u{FFFE}非文字", "\u{200B}\u{200D}\u{2028}\u{2029}", "人身取引\u{0}婦人相談所",
        ]
        bodies.append(String(repeating: "\u{0}", count: 10_000) + "保護")
        let lines = try bodies.enumerated().map { try Self.json(["id": "c\($0.offset)", "body": $0.element, "title": "t\u{0}\($0.offset)"]) }
        let path = dir + "/control.jsonl"
        try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: false, encoding: .utf8)
        _ = try Self.build(jsonl: path, into: dir + "/index")
        let reader = try IndexReader.open(directory: dir + "/index")
        try reader.verify()
        #expect(reader.documentCount == bodies.count)
        let bodyField = try #require(reader.fieldNumber("body"))
        for (n, body) in bodies.enumerated() {
            let stored = try reader.store.document(n)
            #expect(stored.id == "c\(n)")
            #expect(stored.fields.first { $0.field == bodyField }?.values == [body])
        }
        // Text on either side of a NUL is still found.
        #expect(try reader.lookup(TermKey.make(field: bodyField, kind: .gram, term: "婦人")) != nil)
        #expect(try reader.lookup(TermKey.make(field: bodyField, kind: .gram, term: "保護")) != nil)
        try Self.readEverything(reader)
    }

    @Test("A lone surrogate escape in JSON is an error naming the file, line and column")
    func loneSurrogate() throws {
        let dir = Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/surrogate.jsonl"
        let lines = [
            #"{"id":"a","body":"前"}"#,
            #"{"id":"b","body":"x\uD800y"}"#,  // column 20: the backslash
            #"{"id":"c","body":"\uDC00"}"#,  // a low surrogate alone, column 19
            #"{"id":"d","body":"\uD83D\uDE00 絵文字"}"#,  // a pair: fine
        ]
        try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: false, encoding: .utf8)
        do {
            _ = try Self.build(jsonl: path, into: dir + "/strict")
            Issue.record("a lone surrogate was accepted")
        } catch let error as CorpusError {
            #expect(error.line == 2)
            guard case .malformedJSON(let message, let column) = error.reason else {
                Issue.record("unexpected reason \(error.reason)")
                return
            }
            #expect(column == 20)
            #expect(message.contains("lone surrogate"))
            #expect(error.description.hasPrefix(path + ":2:20: "))
        }
        let report = try Self.build(jsonl: path, into: dir + "/lenient", skipBad: true)
        #expect(report.manifest.documentCount == 2)
        #expect(report.skipped.map(\.line) == [2, 3])
        if case .malformedJSON(_, let column) = report.skipped.last?.reason { #expect(column == 19) } else { Issue.record("line 3 not malformedJSON") }
        let reader = try IndexReader.open(directory: dir + "/lenient")
        #expect(try reader.store.document(1).fields.first?.values == ["\u{1F600} 絵文字"])
    }

    @Test("Kanji numerals read digit by digit, longer than Int can hold, are indexed (was an overflow trap)")
    func longKanjiNumerals() throws {
        // Found by fuzzing (analyzer and query targets): JapaneseNumbers.parse multiplied in Int.
        let runs = ["一〇〇〇〇〇〇〇〇〇〇〇〇〇〇〇〇〇〇〇", String(repeating: "九", count: 40) + "〇", "〇" + String(repeating: "一二三四五六七八九", count: 30)]
        let analyzer = try Analyzer()
        for run in runs {
            let analyzed = analyzer.analyze("第" + run + "条")
            #expect(analyzed.numbers.allSatisfy { !$0.value.isEmpty && $0.value.allSatisfy { $0.isASCII && ($0.isNumber || $0 == ".") } })
        }
        #expect(analyzer.analyze("一〇〇〇〇〇〇〇〇〇〇〇〇〇〇〇〇〇〇〇").numbers.first?.value == "10000000000000000000")
        let dir = Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/numbers.jsonl"
        let lines = try runs.enumerated().map { try Self.json(["id": "n\($0.offset)", "body": "番号" + $0.element + "号"]) }
        try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: false, encoding: .utf8)
        _ = try Self.build(jsonl: path, into: dir + "/index")
        try IndexReader.open(directory: dir + "/index").verify()
    }

    @Test("Runs of identical short clauses analyze in linear time (was quadratic: 83 s for 282 KB of line breaks)")
    func repeatedClauses() throws {
        // Found by fuzzing (analyzer target, seed 146678250522262999 input 72): identical clauses
        // queued in one ICU run were each inserted into the memo under the same hash, and linear
        // probing walked the growing cluster on every insert (fixed in cf7fbea).
        func seconds(_ clauses: Int, _ clause: String) throws -> Double {
            let analyzer = try Analyzer()
            let text = String(repeating: clause, count: clauses) + "保護"
            let started = ContinuousClock.now
            let analyzed = analyzer.analyze(text)
            let elapsed = ContinuousClock.now - started
            #expect(analyzed.grams.count >= 2)
            return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        }
        for clause in ["\n", "。", "、\n"] {
            let small = try seconds(2_000, clause), large = try seconds(16_000, clause)
            // Linear: 8 times the input takes about 8 times as long; quadratic: 64 times.
            // Was quadratic: SegmentMemo.insert stored a clause repeated within one batch of misses again and again.
            #expect(large < max(0.5, small * 24), "\(clause.debugDescription): 2,000 clauses \(small) s, 16,000 clauses \(large) s")
        }
    }

    // MARK: Corrupt indexes

    @Test("Manifest field numbers out of range are a typed error (was a trap in search and facets)", arguments: [-1, 5, 99, 256, 1000])
    func manifestFieldNumber(number: Int) throws {
        // Found by fuzzing (reader target): Searcher.facetCounts made UInt8(field) of a manifest field number.
        let dir = try Self.copyOfSeed()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/manifest.json"
        var object = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any])
        var fields = try #require(object["fields"] as? [[String: Any]])
        fields[fields.count - 1]["number"] = number == 5 ? fields.count - 2 : number  // 5: a duplicate number
        object["fields"] = fields
        try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys]).write(to: URL(fileURLWithPath: path))
        #expect(throws: IndexError.self) { try IndexReader.open(directory: dir) }
    }


    @Test("Corrupt bodies behind rewritten checksums give typed errors, never a trap", arguments: ["terms", "postings", "docs", "store"])
    func corruptBodiesWithValidChecksums(suffix: String) throws {
        var rng = SeededGenerator(seed: 0x5EED ^ UInt64(suffix.utf8.count))
        let manifestPath = Fixtures.seedIndex + "/manifest.json"
        let manifestObject = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: manifestPath))) as? [String: Any])
        let generation = try #require((manifestObject["generation"] as? Int))
        let name = String(format: "g%06d.", generation) + suffix
        let original = [UInt8](try Data(contentsOf: URL(fileURLWithPath: Fixtures.seedIndex + "/" + name)))
        var outcomes: [String: Int] = [:]
        for trial in 0..<30 {
            let dir = try Self.copyOfSeed()
            defer { try? FileManager.default.removeItem(atPath: dir) }
            var bytes = original
            let bodyStart = 12, bodyEnd = bytes.count - 8
            switch trial % 5 {
            case 0:  // bit flips
                for _ in 0...(trial % 7) { bytes[Int.random(in: bodyStart..<bodyEnd, using: &rng)] ^= UInt8(1 << Int.random(in: 0..<8, using: &rng)) }
            case 1:  // a run of 0xFF (varints that never end, huge lengths)
                let at = Int.random(in: bodyStart..<bodyEnd, using: &rng)
                for k in at..<min(bodyEnd, at + 10) { bytes[k] = 0xFF }
            case 2:  // an interesting 32-bit value
                let at = Int.random(in: bodyStart..<(bodyEnd - 4), using: &rng)
                let value = [UInt32.max, 0x8000_0000, UInt32(original.count), 0][trial % 4]
                for k in 0..<4 { bytes[at + k] = UInt8(truncatingIfNeeded: value >> (8 * UInt32(k))) }
            case 3:  // bytes cut out of the body
                let at = Int.random(in: bodyStart..<bodyEnd, using: &rng)
                bytes.removeSubrange(at..<min(bodyEnd, at + Int.random(in: 1...64, using: &rng)))
            default:  // zeros
                let at = Int.random(in: bodyStart..<bodyEnd, using: &rng)
                for k in at..<min(bodyEnd, at + 32) { bytes[k] = 0 }
            }
            // New footer CRC, and the manifest's size and CRC to match: the open-time checks pass.
            let end = bytes.count - 8
            let crc = bytes.withUnsafeBytes { KensakuIndex.crc32(UnsafeRawBufferPointer(rebasing: $0[0..<end])) }
            for k in 0..<4 { bytes[end + k] = UInt8(truncatingIfNeeded: crc >> (8 * UInt32(k))) }
            try Data(bytes).write(to: URL(fileURLWithPath: dir + "/" + name))
            var object = manifestObject
            var files = try #require(object["files"] as? [[String: Any]])
            for k in files.indices where files[k]["name"] as? String == name {
                files[k]["bytes"] = bytes.count
                files[k]["crc32"] = String(format: "0x%08x", crc)
            }
            object["files"] = files
            try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys]).write(to: URL(fileURLWithPath: dir + "/manifest.json"))
            do {
                let reader = try IndexReader.open(directory: dir)
                try reader.verify()
                try Self.readEverything(reader)
                outcomes["read", default: 0] += 1
            } catch {
                outcomes["\(error)".prefix(40).description, default: 0] += 1
            }
        }
        #expect(outcomes.values.reduce(0, +) == 30)
    }
}
