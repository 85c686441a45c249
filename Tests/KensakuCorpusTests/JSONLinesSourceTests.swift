import KensakuTestSupport
import CKensakuZ
import Testing

@testable import KensakuCorpus

/// JSON Lines files, plain and zstd-compressed.
@Suite struct JSONLinesSourceTests {
    /// `fixture.jsonl.zst`, made with `zstd -19` (kept in source: SwiftPM warns about unlisted
    /// resource files, and Package.swift is not ours to change). Two records and a blank line:
    ///
    ///     {"id":"z1","title":"民法","body":"第一条\n私権は、公共の福祉に適合しなければならない。"}
    ///
    ///     {"id":"z2","title":"刑法","body":"第一条\nこの法律は、…適用する。","source":"fixture"}
    static let zstdFixture: [UInt8] = [
        0x28, 0xB5, 0x2F, 0xFD, 0x64, 0x14, 0x00, 0xB5, 0x06, 0x00, 0xB2, 0x0B, 0x2C, 0x2B, 0x60, 0x77,
        0x0E, 0x43, 0x2A, 0xB1, 0x41, 0x10, 0xA4, 0xBD, 0x14, 0xD3, 0xD8, 0xED, 0x7A, 0xAC, 0x8E, 0x25,
        0x7F, 0xFD, 0xD7, 0x87, 0x8C, 0xE4, 0xCB, 0x77, 0x6F, 0x17, 0x35, 0x7A, 0x38, 0x1E, 0x54, 0x10,
        0xAC, 0xA0, 0x5C, 0x42, 0x0A, 0xC2, 0x59, 0xC9, 0x01, 0xD9, 0xD8, 0x1D, 0x28, 0x86, 0x09, 0xAF,
        0x40, 0x00, 0xC5, 0x0F, 0xD1, 0x5A, 0xA4, 0x8E, 0x30, 0xD9, 0x52, 0xD8, 0xE9, 0x5F, 0xFA, 0xB3,
        0xFC, 0x37, 0xFE, 0x9F, 0x13, 0x24, 0x5B, 0xEA, 0x97, 0x5A, 0xB9, 0x74, 0x88, 0xBF, 0xC9, 0xDF,
        0x3A, 0x6E, 0x8B, 0x73, 0xCD, 0x0E, 0x0E, 0x69, 0x70, 0xC4, 0x75, 0x4F, 0xFF, 0x8B, 0x3F, 0x79,
        0x03, 0x59, 0x36, 0x76, 0xA5, 0xDF, 0x78, 0x54, 0x94, 0xBF, 0xA4, 0x7E, 0xC5, 0xBF, 0xE4, 0xAF,
        0xF1, 0x27, 0x29, 0x97, 0xE4, 0x31, 0x93, 0xFF, 0x23, 0x94, 0x27, 0x65, 0x3E, 0xFD, 0x53, 0xF6,
        0x9A, 0xF6, 0x3A, 0xFD, 0x93, 0x3F, 0x69, 0x84, 0x5D, 0x94, 0x0F, 0x02, 0x90, 0x07, 0xD3, 0xD5,
        0xCB, 0x34, 0x73, 0x6F, 0xAD, 0xE0, 0xBE, 0x41, 0x6B, 0x9D, 0x51, 0xE1, 0x0A, 0x0A, 0xF7, 0xD6,
        0x9D, 0x21, 0xF4, 0xC2, 0xD6, 0x1A, 0xB0, 0xE8, 0xAD, 0x39, 0xAF, 0x19, 0x01, 0x0D, 0x00, 0x04,
        0x0B, 0x03, 0x31, 0x81, 0x77, 0xC2, 0x50, 0xFA, 0x59, 0x07, 0x3B, 0x0F, 0x0C, 0x1B, 0xFC, 0x30,
        0xB8, 0xA0, 0x00, 0x08, 0x56, 0x03, 0x23, 0xF0, 0x40, 0xBC, 0xE6, 0xA1, 0x78, 0xAB, 0x9C, 0x01,
        0xFC, 0xF2, 0xCC, 0x15
    ]

    @Test func zstdFixture() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = try directory.write("fixture.jsonl.zst", bytes: Self.zstdFixture)
        var source = try JSONLinesSource(path: path)
        let (documents, errors) = drain(&source)
        #expect(errors.isEmpty)
        #expect(documents.map(\.id) == ["z1", "z2"])
        #expect(documents[0].values("title") == ["民法"])
        #expect(documents[0].values("body") == ["第一条\n私権は、公共の福祉に適合しなければならない。"])
        #expect(documents[1].values("source") == ["fixture"])
        #expect(source.progress.consumed == UInt64(Self.zstdFixture.count))
        #expect(source.progress.total == UInt64(Self.zstdFixture.count))
        #expect(source.linesRead == 3)
    }

    @Test func zstdIsRecognizedByItsMagicNumberToo() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = try directory.write("fixture.data", bytes: Self.zstdFixture)
        var source = try JSONLinesSource(path: path)
        #expect(drain(&source).documents.count == 2)
    }

    /// Several frames, lines that straddle frames and read chunks, a line longer than the
    /// reader's 4 MiB chunk.
    @Test func largeMultiFrameStream() throws {
        var plain: [UInt8] = []
        var expected: [String: Int] = [:]
        for n in 0..<3000 {
            let body = String(repeating: "条文\(n)", count: n % 50 + 1)
            plain += Array(#"{"id":"doc\#(n)","title":"法律\#(n)","body":"\#(body)"}"#.utf8) + [0x0A]
            expected["doc\(n)"] = body.utf8.count
        }
        let long = String(repeating: "あ", count: 2_000_000)  // 6 MB of UTF-8
        plain += Array(#"{"id":"long","body":"\#(long)"}"#.utf8)  // no final newline
        expected["long"] = long.utf8.count

        // Three frames, cut at arbitrary byte positions (inside lines and characters).
        var compressed: [UInt8] = []
        let cuts = [0, 100_001, plain.count / 2 + 7, plain.count]
        for k in 0..<3 {
            let part = Array(plain[cuts[k]..<cuts[k + 1]])
            var frame = [UInt8](repeating: 0, count: kk_zstd_bound(part.count))
            let size = frame.withUnsafeMutableBufferPointer { dst in
                part.withUnsafeBufferPointer { src in
                    kk_zstd_compress(dst.baseAddress, dst.count, src.baseAddress, src.count, 3)
                }
            }
            try #require(size > 0)
            compressed += frame[..<size]
        }

        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = try directory.write("big.jsonl.zst", bytes: compressed)
        var source = try JSONLinesSource(path: path)
        let (documents, errors) = drain(&source)
        #expect(errors.isEmpty)
        #expect(documents.count == expected.count)
        for document in documents {
            #expect(document.values("body").first?.utf8.count == expected[document.id], "\(document.id)")
        }
        #expect(source.progress.consumed == UInt64(compressed.count))

        // The same bytes uncompressed.
        let plainPath = try directory.write("big.jsonl", bytes: plain)
        var plainSource = try JSONLinesSource(path: plainPath)
        let plainDocuments = drain(&plainSource).documents
        #expect(plainDocuments == documents)
        #expect(plainSource.progress == (UInt64(plain.count), UInt64(plain.count)))
    }

    @Test func truncatedZstdIsUnreadableEvenWithSkipBad() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = try directory.write("cut.jsonl.zst", bytes: Array(Self.zstdFixture.dropLast(20)))
        var source = try JSONLinesSource(path: path, skipBad: true)
        let (_, errors) = drain(&source)
        let error = try #require(errors.first)
        guard case .unreadable = error.reason else {
            Issue.record("expected unreadable, got \(error)")
            return
        }
        #expect(error.file == path)
    }

    @Test func garbageZstdIsUnreadable() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = try directory.write("bad.jsonl.zst", bytes: Array("not zstd at all\n".utf8))
        var source = try JSONLinesSource(path: path)
        let error = try #require(drain(&source).errors.first)
        #expect(error.reason == .unreadable("corrupt zstd stream"))
    }

    @Test func missingFileAndDirectory() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        #expect(throws: CorpusError.self) { try JSONLinesSource(path: directory.path + "/absent.jsonl") }
        #expect(throws: CorpusError(file: directory.path, line: 0, reason: .unreadable("is a directory"))) {
            try JSONLinesSource(path: directory.path)
        }
    }

    /// Bad records of every kind, with blank lines in between: each is reported with its line.
    static let mixed = [
        #"{"id":"a","title":"一","body":"本文一"}"#,  // 1
        "",  // 2
        #"{"title":"no id","body":"x"}"#,  // 3 missingID
        #"{"id":"b","body":"本文二"}"#,  // 4
        #"{"id":"a","body":"again"}"#,  // 5 duplicate of line 1
        "   ",  // 6
        #"{"id":"c","body":"  "}"#,  // 7 empty
        #"{"id":"d","body":"x\ud800"}"#,  // 8 lone surrogate, column 20
        #"{"id":"e","body":"本文三"}"#,  // 9
    ].joined(separator: "\n") + "\n"

    @Test func skipBadCountsAndContinues() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let bad: [UInt8] = Array(#"{"id":"f","body":"x"#.utf8) + [0xC3] + Array(#""}"#.utf8) + [0x0A]
        let path = try directory.write("mixed.jsonl", bytes: Array(Self.mixed.utf8) + bad)
        var source = try JSONLinesSource(path: path, skipBad: true)
        let (documents, errors) = drain(&source)
        #expect(errors.isEmpty)
        #expect(documents.map(\.id) == ["a", "b", "e"])
        #expect(source.skipped.map(\.line) == [3, 5, 7, 8, 10])
        #expect(
            source.skipped.map(\.reason) == [
                .missingID, .duplicateID("a", firstLine: 1), .emptyDocument,
                .malformedJSON(
                    "lone surrogate \\uD800: a high surrogate must be followed by a \\u low surrogate", column: 20),
                .invalidUTF8(byteOffset: 19),
            ])
        #expect(source.skipped.allSatisfy { $0.file == path })
    }

    @Test func strictModeThrowsEachBadRecordAndResumes() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = try directory.write("mixed.jsonl", text: Self.mixed)
        var source = try JSONLinesSource(path: path)
        let (documents, errors) = drain(&source)
        #expect(documents.map(\.id) == ["a", "b", "e"])
        #expect(errors.map(\.line) == [3, 5, 7, 8])
        #expect(source.skipped.isEmpty)
        #expect(errors[1].description == "\(path):5: duplicate id \"a\" (first seen on line 1)")
    }

    @Test func maxLineLengthGuardsMemory() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let text = #"{"id":"a","body":"short"}"# + "\n" + #"{"id":"b","body":""# + String(repeating: "x", count: 100_000) + "\"}\n"
        let path = try directory.write("long.jsonl", text: text)
        var source = try JSONLinesSource(path: path, skipBad: true, maxLineLength: 50_000)
        let (documents, errors) = drain(&source)
        #expect(documents.map(\.id) == ["a"])
        #expect(errors.isEmpty)
        #expect(
            source.skipped == [
                CorpusError(
                    file: path, line: 2, reason: .unreadable("line of 100020 bytes, longer than the limit of 50000"))
            ])
    }

    /// Random corruptions of valid lines never crash; they either parse or give an error.
    @Test func mutatedLinesNeverTrap() {
        let seeds = [
            #"{"id":"a","title":"民法","body":"第一条\n私権は\u3042\ud83d\ude00","n":[1,-2.5e3,{"k":null}],"t":true}"#,
            #"{"id":"x","body":"\"quoted\" \ back\/slash\t"}"#,
        ].map { Array($0.utf8) }
        var generator = SeededGenerator(seed: 42)
        var parsed = 0
        var failed = 0
        for round in 0..<20_000 {
            var bytes = seeds[round % seeds.count]
            for _ in 0..<(1 + Int(generator.next() % 3)) {
                let position = Int(generator.next() % UInt64(bytes.count))
                switch generator.next() % 4 {
                case 0: bytes[position] = UInt8(truncatingIfNeeded: generator.next())
                case 1: bytes.remove(at: position)
                case 2:
                    let specials = Array(#"{}[]",:\u0"#.utf8)
                    bytes.insert(specials[Int(generator.next() % UInt64(specials.count))], at: position)
                default: bytes.removeLast(min(bytes.count - 1, Int(generator.next() % 8)))
                }
                if bytes.isEmpty { bytes = [0x7B] }
            }
            switch decodeLine(bytes) {
            case .success: parsed += 1
            case .failure: failed += 1
            }
        }
        #expect(parsed + failed == 20_000)
        #expect(failed > 0)
    }
}
