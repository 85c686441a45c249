import Foundation
import KensakuCorpus
@testable import KensakuIndex
import Testing

/// The document store reads a block's raw size from the file: a corrupt one must cost memory in
/// proportion to the data present, and end as an `IndexError`.
@Suite("Document store: corrupt block sizes")
struct StoreCorruptionTests {
    struct Entry {
        var fileOffset: Int
        var firstDoc: Int
        var offset: Int
        var compressed: Int
        var raw: Int
    }

    static func u32(_ bytes: [UInt8], _ at: Int) -> Int {
        (0..<4).reduce(0) { $0 | Int(bytes[at + $1]) << (8 * $1) }
    }

    static func put32(_ value: UInt32, into bytes: inout [UInt8], at: Int) {
        for k in 0..<4 { bytes[at + k] = UInt8(truncatingIfNeeded: value >> (8 * UInt32(k))) }
    }

    /// The block index of a store file.
    static func entries(_ bytes: [UInt8]) -> [Entry] {
        let body = 12, trailer = bytes.count - 8 - 16
        let indexOffset = u32(bytes, trailer) | u32(bytes, trailer + 4) << 32
        let blocks = u32(bytes, trailer + 8)
        return (0..<blocks).map { k in
            let at = body + indexOffset + 20 * k
            return Entry(fileOffset: at, firstDoc: u32(bytes, at), offset: u32(bytes, at + 4) | u32(bytes, at + 8) << 32,
                         compressed: u32(bytes, at + 12), raw: u32(bytes, at + 16))
        }
    }

    /// Builds a small index of `records` and returns its directory and store file name.
    static func index(_ records: [[String: String]]) throws -> (dir: String, store: String) {
        let dir = Fixtures.temporaryDirectory()
        let path = dir + "/corpus.jsonl"
        try Fixtures.writeJSONL(records, to: path)
        try Fixtures.build(corpus: path, format: .jsonl, into: dir + "/index")
        return (dir, dir + "/index/" + Manifest.fileName(generation: 1, .store))
    }

    /// Rewrites the store with a new footer CRC and the manifest's size and CRC to match, so
    /// that the index opens and the corrupt bytes are really read.
    static func rewrite(_ path: String, _ bytes: [UInt8]) throws {
        var bytes = bytes
        let end = bytes.count - 8
        let crc = bytes.withUnsafeBytes { KensakuIndex.crc32(UnsafeRawBufferPointer(rebasing: $0[0..<end])) }
        put32(crc, into: &bytes, at: end)
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        let manifestPath = directory + "/manifest.json"
        var object = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: manifestPath))) as? [String: Any])
        var files = try #require(object["files"] as? [[String: Any]])
        let name = URL(fileURLWithPath: path).lastPathComponent
        for k in files.indices where files[k]["name"] as? String == name {
            files[k]["bytes"] = bytes.count
            files[k]["crc32"] = String(format: "0x%08x", crc)
        }
        object["files"] = files
        try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys]).write(to: URL(fileURLWithPath: manifestPath))
    }

    static func records() -> [[String: String]] {
        (0..<40).map { n in ["id": "d\(n)", "title": "文書\(n)", "body": String(repeating: "婦人相談所における人身取引被害者の保護\(n)。\n", count: 120)] }
    }

    @Test("A huge raw size in a store entry is a typed error, without allocating it",
          arguments: [UInt32.max, 1 << 30, (1 << 30) - 1, 0, 1] as [UInt32])
    func hugeRawSize(claimed: UInt32) throws {
        let (dir, store) = try Self.index(Self.records())
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: store)))
        let entries = Self.entries(bytes)
        #expect(entries.count >= 2)
        let target = entries[entries.count / 2]
        Self.put32(claimed, into: &bytes, at: target.fileOffset + 16)
        try Self.rewrite(store, bytes)
        let reader = try IndexReader.open(directory: dir + "/index")
        let started = ContinuousClock.now
        #expect(throws: IndexError.self) { try reader.store.document(target.firstDoc) }
        #expect(ContinuousClock.now - started < .seconds(1))
        #expect(reader.store.bufferCapacity == 0, "a buffer of \(reader.store.bufferCapacity) bytes for a rejected entry")
    }

    @Test("Raw sizes the compressed bytes could hold but the frame does not declare are a typed error")
    func plausibleRawSizes() throws {
        let (dir, store) = try Self.index(Self.records())
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let original = [UInt8](try Data(contentsOf: URL(fileURLWithPath: store)))
        let target = Self.entries(original)[0]
        for claimed in [target.raw + 1, target.raw - 1, 2 * target.raw, target.compressed * DocumentStoreReader.maxExpansion] {
            var bytes = original
            Self.put32(UInt32(claimed), into: &bytes, at: target.fileOffset + 16)
            try Self.rewrite(store, bytes)
            let reader = try IndexReader.open(directory: dir + "/index")
            #expect(throws: IndexError.self, "raw size \(claimed)") { try reader.store.document(target.firstDoc) }
            #expect(reader.store.bufferCapacity == 0)
        }
    }

    @Test("A frame that declares more than it holds, or is cut short, fails with a buffer in proportion to its data")
    func lyingFrames() throws {
        // One block of a few hundred KB (its frame stores its size in 4 bytes).
        let body = (0..<3_000).map { "第\($0)条 婦人相談所における人身取引被害者の保護について。\n" }.joined()
        let (dir, store) = try Self.index([["id": "one", "body": body]])
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let original = [UInt8](try Data(contentsOf: URL(fileURLWithPath: store)))
        let target = try #require(Self.entries(original).first)
        let frame = 12 + target.offset
        #expect(original[frame..<frame + 4] == [0x28, 0xB5, 0x2F, 0xFD])
        let descriptor = original[frame + 4]
        let singleSegment = descriptor & 0x20 != 0
        let fcsSize = [singleSegment ? 1 : 0, 2, 4, 8][Int(descriptor >> 6)]
        try #require(fcsSize == 4)
        let fcsAt = frame + 5 + (singleSegment ? 0 : 1) + [0, 1, 2, 4][Int(descriptor & 3)]
        #expect(Self.u32(original, fcsAt) == target.raw)
        let bound = 2 * max(DocumentStoreReader.initialBuffer, 8 * target.compressed)

        // The entry and the frame header agree on 64 times the real size.
        var lying = original
        let claimed = UInt32(min(64 * target.raw, 1 << 30))
        Self.put32(claimed, into: &lying, at: target.fileOffset + 16)
        Self.put32(claimed, into: &lying, at: fcsAt)
        try Self.rewrite(store, lying)
        var reader = try IndexReader.open(directory: dir + "/index")
        // Past the header check: the decompression itself finds the lie.
        let error = #expect(throws: IndexError.self) { try reader.store.document(0) }
        #expect(error.map { !"\($0)".contains("declare") } == true, "\(String(describing: error))")
        #expect(reader.store.bufferCapacity > 0)
        #expect(reader.store.bufferCapacity <= bound, "\(reader.store.bufferCapacity) bytes for \(target.compressed) compressed")

        // The compressed length cut in half: the frame ends early.
        var cut = original
        Self.put32(UInt32(target.compressed / 2), into: &cut, at: target.fileOffset + 12)
        try Self.rewrite(store, cut)
        reader = try IndexReader.open(directory: dir + "/index")
        #expect(throws: IndexError.self) { try reader.store.document(0) }
        #expect(reader.store.bufferCapacity <= bound)

        // Intact, it reads.
        try Self.rewrite(store, original)
        reader = try IndexReader.open(directory: dir + "/index")
        #expect(try reader.store.document(0).fields.first { $0.values == [body] } != nil)
    }

    @Test("A block that expands far beyond its compressed size reads back whole (the buffer grows)")
    func highlyCompressibleBlock() throws {
        let body = String(repeating: "あ", count: 1_500_000) + "末尾"
        let (dir, store) = try Self.index([["id": "a", "body": body], ["id": "b", "body": "短い"]])
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let entry = try #require(Self.entries([UInt8](try Data(contentsOf: URL(fileURLWithPath: store)))).first)
        #expect(entry.raw > 8 * entry.compressed && entry.raw > DocumentStoreReader.initialBuffer)
        let reader = try IndexReader.open(directory: dir + "/index")
        #expect(try reader.store.document(0).fields.first { $0.values == [body] } != nil)
        #expect(try reader.store.document(1).id == "b")
        #expect(try reader.store.document(0).id == "a")
    }
}
