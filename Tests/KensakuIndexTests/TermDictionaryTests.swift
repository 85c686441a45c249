import Foundation
@testable import KensakuIndex
import Testing

@Suite("Term dictionary")
struct TermDictionaryTests {
    @Test("Postings offsets, stored once a block, come back for every term by scan and by lookup")
    func offsetsAreDerived() throws {
        let reader = try IndexReader.open(directory: Fixtures.seedIndex)
        var entries: [([UInt8], TermInfo)] = []
        try reader.scan(from: []) { (key, info) throws(IndexError) in
            entries.append((key, info))
            return true
        }
        #expect(entries.count == 4897)
        #expect(entries.count > 3 * TermDictionary.blockSize)
        var next = 0
        for (key, info) in entries {
            // The postings of all terms are contiguous, in key order, and each decodes.
            #expect(info.postingsOffset == next)
            next = info.postingsOffset + info.postingsLength
            #expect(try reader.lookup(key) == info)
            var cursor = try reader.postings(info)
            var docs = 0
            while cursor.doc != PostingsCursor.exhausted {
                docs += 1
                try cursor.next()
            }
            #expect(docs == info.docFreq)
        }
        #expect(next == reader.postings.body.count)
    }

    @Test("A lookup of a key not in the dictionary finds nothing, wherever it falls (shorter, longer, between, outside)")
    func absentKeys() throws {
        let reader = try IndexReader.open(directory: Fixtures.seedIndex)
        var known: [[UInt8]: TermInfo] = [:]
        try reader.scan(from: []) { (key, info) throws(IndexError) in
            known[key] = info
            return true
        }
        var probes: [[UInt8]] = [[], [0], [0xFF, 0xFF], Array(repeating: 0xFF, count: 12)]
        for key in known.keys {
            probes.append(Array(key.dropLast()))      // a shorter key (often sharing 8 bytes)
            probes.append(key + [0])                  // a longer one
            var next = key
            next[next.count - 1] &+= 1                // one just above
            probes.append(next)
        }
        for probe in probes { #expect(try reader.lookup(probe) == known[probe], "\(probe)") }
    }

    @Test("Keys whose lengths do not fit the one-byte form (a suffix of 16 bytes or more, 15 shared or more) come back by scan and lookup")
    func longKeys() throws {
        let dir = Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // Keyword values are whole keys (folded: lower case here): long ones, sharing long prefixes.
        let values = ["abcdefghijklmnopqrstuvwxyz-1", "abcdefghijklmnopqrstuvwxyz-2", "abcdefghijklmnopqrstuvwxyz-2x", "short"]
        let records = values.enumerated().map { ["id": "d\($0.offset)", "title": "題", "body": "本文", "agency": $0.element] }
        try Fixtures.writeJSONL(records, to: dir + "/c.jsonl")
        try Fixtures.build(corpus: dir + "/c.jsonl", format: .jsonl, into: dir + "/index")
        let reader = try IndexReader.open(directory: dir + "/index")
        var keys: [[UInt8]] = []
        try reader.scan(from: []) { (key, info) throws(IndexError) in
            keys.append(key)
            #expect(try reader.lookup(key) == info)
            return true
        }
        for value in values {
            #expect(keys.contains { $0.count > 2 && Array($0.dropFirst(2)) == Array(value.utf8) }, "\(value)")
        }
    }

    @Test("The writer refuses postings that do not follow the previous term's")
    func gapsAreRefused() throws {
        let dir = Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var writer = try TermDictionaryWriter(path: dir + "/t.terms")
        try writer.add(key: [1, 1, 0x41], info: TermInfo(docFreq: 1, totalFreq: 1, postingsOffset: 0, postingsLength: 10))
        #expect(throws: IndexError.self) {
            try writer.add(key: [1, 1, 0x42], info: TermInfo(docFreq: 1, totalFreq: 1, postingsOffset: 11, postingsLength: 10))
        }
    }
}
