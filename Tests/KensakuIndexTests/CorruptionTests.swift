import Foundation
import KensakuCorpus
import KensakuIndex
import Testing

@Suite("Corrupt and foreign index files give typed errors")
struct CorruptionTests {
    static func copyOfSeed() throws -> String {
        let dir = Fixtures.temporaryDirectory()
        for name in Fixtures.indexFiles(Fixtures.seedIndex) {
            try FileManager.default.copyItem(atPath: Fixtures.seedIndex + "/" + name, toPath: dir + "/" + name)
        }
        return dir
    }

    @Test("No manifest: not an index")
    func notAnIndex() {
        let dir = Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        #expect(throws: IndexError.notAnIndex(directory: dir)) { try IndexReader.open(directory: dir) }
    }

    @Test("A flipped byte in any file is caught by verify", arguments: ["terms", "postings", "docs", "store"])
    func bitFlip(suffix: String) throws {
        let dir = try Self.copyOfSeed()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/g000001." + suffix
        var data = try Data(contentsOf: URL(fileURLWithPath: path))
        data[data.count / 2] ^= 0x10
        try data.write(to: URL(fileURLWithPath: path))
        #expect(throws: IndexError.self) {
            let reader = try IndexReader.open(directory: dir)
            try reader.verify()
        }
    }

    @Test("Truncated files are rejected at open", arguments: ["terms", "postings", "docs", "store"])
    func truncation(suffix: String) throws {
        let dir = try Self.copyOfSeed()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/g000001." + suffix
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        try data.prefix(data.count - 5).write(to: URL(fileURLWithPath: path))
        #expect(throws: IndexError.self) { try IndexReader.open(directory: dir) }
    }

    @Test("A newer format version is rejected clearly")
    func version() throws {
        let dir = try Self.copyOfSeed()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/g000001.terms"
        var data = try Data(contentsOf: URL(fileURLWithPath: path))
        data[8] = 99
        try data.write(to: URL(fileURLWithPath: path))
        #expect(throws: IndexError.unsupportedVersion(file: "g000001.terms", found: 99, supported: IndexFormat.version)) {
            try IndexReader.open(directory: dir)
        }
    }

    @Test("Swapped files are rejected")
    func swapped() throws {
        let dir = try Self.copyOfSeed()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.removeItem(atPath: dir + "/g000001.docs")
        try FileManager.default.copyItem(atPath: dir + "/g000001.store", toPath: dir + "/g000001.docs")
        #expect(throws: IndexError.self) { try IndexReader.open(directory: dir) }
    }

    @Test("Random corruption of postings bytes never traps: every lookup returns or throws")
    func randomPostingsCorruption() throws {
        var generator = SystemRandomNumberGenerator()
        for trial in 0..<20 {
            let dir = try Self.copyOfSeed()
            defer { try? FileManager.default.removeItem(atPath: dir) }
            let path = dir + "/g000001.postings"
            var data = try Data(contentsOf: URL(fileURLWithPath: path))
            for _ in 0..<(1 + trial) {
                let i = Int.random(in: 12..<(data.count - 8), using: &generator)
                data[i] = UInt8.random(in: 0...255, using: &generator)
            }
            try data.write(to: URL(fileURLWithPath: path))
            // The footer CRC no longer matches the manifest only if we rewrote it; it doesn't, so
            // the open still succeeds, and reading must fail softly.
            guard let reader = try? IndexReader.open(directory: dir) else { continue }
            try? reader.scan(from: []) { (_, info) throws(IndexError) in
                if var cursor = try? reader.postings(info) {
                    var positions: [UInt32] = []
                    while cursor.doc != PostingsCursor.exhausted {
                        positions.removeAll()
                        try cursor.positions(into: &positions)
                        try cursor.next()
                    }
                }
                return true
            }
        }
    }
}
