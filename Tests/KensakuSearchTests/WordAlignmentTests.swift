import Foundation
import KensakuAnalysis
import KensakuIndex
import KensakuTestSupport
@testable import KensakuSearch
import Testing

/// Word alignment through the docs file's word-boundary bitmaps: an occurrence is
/// word-aligned when it starts and ends where a word of the document starts or ends.
@Suite("Word alignment")
struct WordAlignmentTests {
    @Test("The bitmap of the FORMAT.md example: 婦人|相談|所 sets bits 0, 2, 4, 5; 査証 sets 0, 2")
    func formatExample() throws {
        let (searcher, dir) = try SearchFixtures.searcher(records: [["id": "d0", "title": "婦人相談所", "body": "査証"]], name: "bounds")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let docs = searcher.index.docs
        let title = try #require(searcher.index.fieldNumber("title"))
        let body = try #require(searcher.index.fieldNumber("body"))
        #expect(Array(try docs.wordBoundaries(field: title, doc: 0).bytes) == [0x35])
        #expect(Array(try docs.wordBoundaries(field: body, doc: 0).bytes) == [0x05])
        let bounds = try docs.wordBoundaries(field: title, doc: 0)
        #expect(bounds.alignedCount(starts: [2], length: 3) == 1)  // 相談所
        #expect(bounds.alignedCount(starts: [1], length: 2) == 0)  // 人相
        #expect(bounds.alignedCount(starts: [4], length: 5) == 0)  // past the end
    }

    @Test("alignedCount counts the starts whose start and end bits are set, as bit tests one by one would",
          arguments: [0, 1, 2, 5, 40])
    func alignedCountMatchesBitTests(bytes count: Int) {
        var generator = SeededGenerator(seed: UInt64(count) &+ 17)
        let bytes = (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) }
        // Starts inside, at the edge of and past the bitmap, and near UInt32.max (s + length wraps).
        let starts = (0..<200).map { i -> UInt32 in
            switch i % 10 {
            case 0: UInt32.max &- UInt32.random(in: 0...8, using: &generator)
            case 1: UInt32(count * 8) &+ UInt32.random(in: 0...16, using: &generator)
            default: UInt32.random(in: 0...UInt32(max(1, count * 8)), using: &generator)
            }
        }
        bytes.withUnsafeBytes { raw in
            let bounds = WordBoundaries(raw)
            for length in [1, 2, 3, 9] as [UInt32] {
                let expected = starts.filter { bounds.contains($0) && bounds.contains($0 &+ length) }.count
                #expect(bounds.alignedCount(starts: starts, length: length) == expected, "\(count) bytes, length \(length)")
            }
        }
    }

    /// The brute-force oracle of `--words`: docs where some value of an analyzed field holds
    /// the normalized term at a start and an end of the value's words.
    static func alignedOracle(_ term: String, _ searcher: Searcher) throws -> Set<String> {
        let analyzer = try Analyzer()
        let needle = Array(analyzer.normalize(term).string.utf16)
        let index = searcher.index
        let text = Set(index.manifest.fields.filter { $0.spec.analyzed }.map(\.number))
        var ids: Set<String> = []
        for doc in 0..<index.documentCount {
            let stored = try index.store.document(doc)
            let hit = stored.fields.filter { text.contains($0.field) }.contains { field in
                field.values.contains { value in
                    let analyzed = analyzer.analyze(value)
                    let units = analyzed.text.units
                    var bounds: Set<Int32> = []
                    for word in analyzed.words {
                        bounds.insert(word.start)
                        bounds.insert(word.end)
                    }
                    guard units.count >= needle.count else { return false }
                    for s in 0...(units.count - needle.count)
                    where bounds.contains(Int32(s)) && bounds.contains(Int32(s + needle.count)) && Array(units[s..<(s + needle.count)]) == needle {
                        return true
                    }
                    return false
                }
            }
            if hit { ids.insert(stored.id) }
        }
        return ids
    }

    @Test("--words finds exactly the docs with a word-aligned occurrence", arguments: [
        "査証", "相談", "相談所", "婦人相談所", "所", "取引", "人身取引", "保護", "省", "被害者", "IOM", "23", "入国管理局",
    ])
    func wordsOnlyMatchesTheOracle(term: String) throws {
        let searcher = try SearchFixtures.makeSearcher()
        var options = SearchOptions()
        options.allIDs = true
        options.wordsOnly = true
        let result = try searcher.search(term, options: options)
        let found = Set(result.allDocs.map { searcher.index.docs.id($0) })
        #expect(found == (try Self.alignedOracle(term, searcher)))
        // And never more than the substring matches.
        options.wordsOnly = false
        let all = Set(try searcher.search(term, options: options).allDocs.map { searcher.index.docs.id($0) })
        #expect(found.isSubset(of: all))
    }

    @Test("A corrupt bitmap offset is a typed error")
    func corruptOffsets() throws {
        let (searcher, dir) = try SearchFixtures.searcher(records: [["id": "d0", "title": "婦人相談所", "body": "査証"]], name: "bounds-corrupt")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let name = try #require(try FileManager.default.contentsOfDirectory(atPath: dir + "/i").first { $0.hasSuffix(".docs") })
        let path = dir + "/i/" + name
        var data = try Data(contentsOf: URL(fileURLWithPath: path))
        // Body: docs, fields (8 bytes), lengths (2 fields × 1 doc × 4), then the offsets; make
        // the first bitmap end past the bounds.
        let fields = searcher.index.docs.fieldCount
        let at = 12 + 8 + fields * 4 + 8
        data.replaceSubrange(at..<(at + 8), with: [0xFF, 0, 0, 0, 0, 0, 0, 0])
        // A matching footer CRC and manifest entry, so that only the offsets are wrong.
        let end = data.count - 8
        let crc = data.withUnsafeBytes { crc32(UnsafeRawBufferPointer(rebasing: $0[0..<end])) }
        data.replaceSubrange(end..<(end + 4), with: (0..<4).map { UInt8(truncatingIfNeeded: crc >> (8 * UInt32($0))) })
        try data.write(to: URL(fileURLWithPath: path))
        let manifestPath = dir + "/i/manifest.json"
        var manifest = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: manifestPath))) as? [String: Any])
        var files = try #require(manifest["files"] as? [[String: Any]])
        for k in files.indices where files[k]["name"] as? String == name { files[k]["crc32"] = String(format: "0x%08x", crc) }
        manifest["files"] = files
        try JSONSerialization.data(withJSONObject: manifest, options: [.sortedKeys]).write(to: URL(fileURLWithPath: manifestPath))
        let reader = try IndexReader.open(directory: dir + "/i")
        #expect(throws: IndexError.self) { try reader.docs.wordBoundaries(field: 0, doc: 0) }
        #expect {
            try reader.verify()
        } throws: { error in
            guard case .corrupt(_, _, let reason) = error as? IndexError else { return false }
            return reason.contains("word-boundary")
        }
    }
}
