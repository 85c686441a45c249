import Testing

@testable import KensakuCorpus

/// Line splitting across small read chunks.
@Suite struct LineReaderTests {
    func lines(of text: [UInt8], chunk: Int, maxLineLength: Int = 1 << 20) throws -> [String] {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = try directory.write("lines.txt", bytes: text)
        let reader = LineReader(input: try ByteInput(path: path, decompress: false), chunk: chunk, maxLineLength: maxLineLength)
        var result: [String] = []
        while let line = try reader.nextLine() {
            switch line {
            case .bytes(let bytes): result.append(String(decoding: bytes, as: UTF8.self))
            case .tooLong(let length): result.append("<\(length)>")
            }
        }
        #expect(reader.lineNumber == result.count)
        #expect(reader.consumedBytes == UInt64(text.count))
        return result
    }

    @Test(arguments: [1, 2, 3, 7, 16, 64, 4096])
    func chunkSizesDoNotMatter(chunk: Int) throws {
        let lines = ["", "a", "二行目", String(repeating: "長い", count: 100), "", "\r", "last"]
        let text = Array(lines.joined(separator: "\n").utf8)
        #expect(try self.lines(of: text, chunk: chunk) == lines)
        #expect(try self.lines(of: text + [0x0A], chunk: chunk) == lines)
    }

    @Test(arguments: [4, 16, 1000])
    func overlongLinesAreDroppedAndCounted(chunk: Int) throws {
        let text = "ok\n" + String(repeating: "x", count: 300) + "\nfine\n" + String(repeating: "y", count: 101)
        #expect(try lines(of: Array(text.utf8), chunk: chunk, maxLineLength: 100) == ["ok", "<300>", "fine", "<101>"])
    }

    @Test func emptyFile() throws {
        #expect(try lines(of: [], chunk: 16).isEmpty)
        #expect(try lines(of: [0x0A], chunk: 16) == [""])
    }
}
