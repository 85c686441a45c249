import Foundation
import KensakuCorpus
import KensakuIndex
import Testing

@Suite("Index build and commit")
struct IndexBuildTests {
    @Test("The committed default index is rebuilt byte for byte from the seed report")
    func defaultIndexIsReproducible() throws {
        let dir = Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Fixtures.build(corpus: Fixtures.seedTable, format: .followup, into: dir)
        let committed = Fixtures.indexFiles(Fixtures.seedIndex)
        #expect(committed == Fixtures.indexFiles(dir))
        #expect(committed.contains("manifest.json"))
        for name in committed {
            let a = try Data(contentsOf: URL(fileURLWithPath: Fixtures.seedIndex + "/" + name))
            let b = try Data(contentsOf: URL(fileURLWithPath: dir + "/" + name))
            #expect(a == b, "\(name) differs from the committed default index; rebuild Index/seed")
        }
    }

    @Test("Builds are deterministic whatever the threads, memory budget and merge split",
          arguments: [(1, 256, nil), (2, 8, nil), (3, 8, nil), (2, 256, 0), (2, 8, 0)] as [(Int, Int, Int?)])
    func deterministic(threads: Int, memoryMB: Int, mergeSplitBytes: Int?) throws {
        let a = Fixtures.temporaryDirectory(), b = Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: a); try? FileManager.default.removeItem(atPath: b) }
        // The reference: one segment merged on one thread.
        try Fixtures.build(corpus: Fixtures.seedTable, format: .followup, into: a, threads: 1, memoryMB: 256)
        try Fixtures.build(corpus: Fixtures.seedTable, format: .followup, into: b, threads: threads, memoryMB: memoryMB,
                           mergeSplitBytes: mergeSplitBytes)
        for name in Fixtures.indexFiles(a) {
            let x = try Data(contentsOf: URL(fileURLWithPath: a + "/" + name))
            let y = try Data(contentsOf: URL(fileURLWithPath: b + "/" + name))
            #expect(x == y, "\(name)")
        }
    }

    @Test("The default index opens, verifies and describes the seed report")
    func defaultIndexVerifies() throws {
        let reader = try IndexReader.open(directory: Fixtures.seedIndex)
        try reader.verify()
        #expect(reader.documentCount > 50)
        #expect(reader.manifest.titleField == "measure")
        #expect(reader.fieldNumber("ministry") != nil)
        let stored = try reader.store.document(0)
        #expect(stored.id == reader.docs.id(0))
    }

    @Test("A failed build leaves the previous index as it was")
    func failedBuildKeepsOldIndex() throws {
        let dir = Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let good = dir + "/good.jsonl", bad = dir + "/bad.jsonl"
        try Fixtures.writeJSONL([["id": "a", "title": "婦人相談所", "body": "保護を行う"], ["id": "b", "title": "査証", "body": "検査証"]], to: good)
        try "{\"id\":\"x\",\"title\":\"t\",\"body\":\"ok\"}\n{\"id\": broken\n".write(toFile: bad, atomically: true, encoding: .utf8)
        let index = dir + "/index"
        try Fixtures.build(corpus: good, format: .jsonl, into: index)
        let before = try Data(contentsOf: URL(fileURLWithPath: index + "/manifest.json"))
        #expect(throws: CorpusError.self) { try Fixtures.build(corpus: bad, format: .jsonl, into: index) }
        let after = try Data(contentsOf: URL(fileURLWithPath: index + "/manifest.json"))
        #expect(before == after)
        let reader = try IndexReader.open(directory: index)
        try reader.verify()
        #expect(reader.documentCount == 2)
        #expect(Fixtures.indexFiles(index).filter { $0.hasPrefix("g000002") }.isEmpty)
    }

    @Test("A rebuild commits a new generation and removes the old files")
    func rebuildReplacesGeneration() throws {
        let dir = Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let corpus = dir + "/c.jsonl"
        try Fixtures.writeJSONL([["id": "a", "title": "一", "body": "本文"]], to: corpus)
        try Fixtures.build(corpus: corpus, format: .jsonl, into: dir + "/i")
        let old = try IndexReader.open(directory: dir + "/i")
        try Fixtures.writeJSONL([["id": "a", "title": "一", "body": "本文"], ["id": "b", "title": "二", "body": "本文二"]], to: corpus)
        try Fixtures.build(corpus: corpus, format: .jsonl, into: dir + "/i")
        let new = try IndexReader.open(directory: dir + "/i")
        #expect(new.manifest.generation == 2 && new.documentCount == 2)
        #expect(Fixtures.indexFiles(dir + "/i").allSatisfy { !$0.hasPrefix("g000001") })
        // The old reader keeps its mapped generation.
        #expect(old.documentCount == 1)
        try old.verify()
    }
}
