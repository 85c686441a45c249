#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Testing

@testable import KensakuCorpus

/// Directories of `.txt` / `.md` files.
@Suite struct TextDirectorySourceTests {
    /// A tree with good, bad, hidden and ignored files.
    static func makeTree() throws -> TemporaryDirectory {
        let directory = try TemporaryDirectory()
        try directory.write("b.txt", text: "\n  \n  二番目のタイトル  \r\n本文です。\n")
        try directory.write("a/z.md", text: "# 見出し #\n\n本文")
        try directory.write("a/y.TXT", text: "\u{FEFF}BOM付き\n本文")
        try directory.write("a/sub/x.txt", text: "深い\n")
        try directory.write("empty.txt", text: "")
        try directory.write("blank.md", text: " \n　\n")
        try directory.write("bad.txt", bytes: Array("一行目\nab".utf8) + [0xE3, 0x28] + Array("\n".utf8))
        try directory.write(".hidden.txt", text: "隠し")
        try directory.write(".git/HEAD.txt", text: "隠し")
        try directory.write("notes.json", text: "{}")
        symlink(directory.path + "/a", directory.path + "/loop")  // a link to a directory: not followed
        symlink(directory.path + "/b.txt", directory.path + "/c-link.txt")  // a link to a file: read
        return directory
    }

    @Test func readsSortedWithSkipBad() throws {
        let directory = try Self.makeTree()
        defer { directory.remove() }
        var source = try TextDirectorySource(path: directory.path + "/", skipBad: true)
        #expect(
            source.files.map(\.relativePath) == [
                "a/sub/x.txt", "a/y.TXT", "a/z.md", "b.txt", "bad.txt", "blank.md", "c-link.txt", "empty.txt",
            ])
        let (documents, errors) = drain(&source)
        #expect(errors.isEmpty)
        #expect(documents.map(\.id) == ["a/sub/x.txt", "a/y.TXT", "a/z.md", "b.txt", "c-link.txt"])
        #expect(documents.map { $0.values("title").first ?? "" } == ["深い", "BOM付き", "見出し", "二番目のタイトル", "二番目のタイトル"])
        #expect(documents[1].values("body") == ["BOM付き\n本文"])
        #expect(documents[3].values("body") == ["\n  \n  二番目のタイトル  \r\n本文です。\n"])
        #expect(
            source.skipped == [
                CorpusError(file: directory.path + "/bad.txt", line: 2, reason: .invalidUTF8(byteOffset: 2)),
                CorpusError(file: directory.path + "/blank.md", line: 0, reason: .emptyDocument),
                CorpusError(file: directory.path + "/empty.txt", line: 0, reason: .emptyDocument),
            ])
        #expect(source.progress.consumed == source.progress.total)
        #expect(source.schema.titleField == "title")
        #expect(source.schema.spec(for: "title").boost == 2.0)
    }

    @Test func strictModeThrowsAndGoesOn() throws {
        let directory = try Self.makeTree()
        defer { directory.remove() }
        var source = try TextDirectorySource(path: directory.path)
        let (documents, errors) = drain(&source)
        #expect(documents.count == 5)
        #expect(errors.map(\.reason) == [.invalidUTF8(byteOffset: 2), .emptyDocument, .emptyDocument])
        #expect(source.skipped.isEmpty)
    }

    @Test func singleFile() throws {
        let directory = try Self.makeTree()
        defer { directory.remove() }
        var source = try TextDirectorySource(path: directory.path + "/a/z.md")
        let documents = drain(&source).documents
        #expect(documents.map(\.id) == ["z.md"])
        #expect(documents.first?.values("title") == ["見出し"])
    }

    @Test func missingDirectory() {
        #expect(throws: CorpusError.self) { try TextDirectorySource(path: "/nonexistent/kensaku/corpus") }
    }
}

/// Format detection and opening.
@Suite struct CorpusFormatTests {
    @Test(arguments: [
        ("corpus.jsonl", CorpusFormat.jsonl),
        ("corpus.JSONL.ZST", .jsonl),
        ("corpus.json", .jsonl),
        ("corpus.jsonl.zst", .jsonl),
        ("corpus.zst", .jsonl),
        ("report.tsv", .followup),
        ("report.tsv.zst", .followup),
        ("notes.md", .text),
        ("notes.txt", .text),
        ("unknown.bin", .jsonl),
    ])
    func detectByName(name: String, format: CorpusFormat) {
        #expect(CorpusFormat.detect(path: "/nonexistent/" + name) == format)
    }

    @Test func detectDirectory() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        #expect(CorpusFormat.detect(path: directory.path) == .text)
        try directory.write("x.jsonl/inner.txt", text: "a directory named like a file")
        #expect(CorpusFormat.detect(path: directory.path + "/x.jsonl") == .text)
    }

    @Test func openEachFormat() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let jsonl = try directory.write("c.jsonl", text: #"{"id":"1","title":"t","body":"b"}"# + "\n")
        try directory.write("docs/one.txt", text: "題\n本文")
        let table = FollowUpTableTests.seedPath
        for (path, format, titleField, count) in [
            (jsonl, CorpusFormat.jsonl, "title", 1), (directory.path + "/docs", .text, "title", 1),
            (table, .followup, "measure", 99),
        ] {
            #expect(CorpusFormat.detect(path: path) == format)
            var source = try format.open(path: path, skipBad: false)
            #expect(source.schema.titleField == titleField)
            #expect(format.schema.titleField == titleField)
            #expect(drain(&source).documents.count == count)
        }
    }
}
