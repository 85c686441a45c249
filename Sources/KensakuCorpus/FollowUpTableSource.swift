/// Documents from a follow-up report table (`.tsv`, e.g. `Index/follow-up-2011.tsv`): one
/// per ``FollowUpRow`` (a measure and a 省庁名 cell with their statements), with the fields of
/// ``FollowUpSchema`` — see ``FollowUpTable`` for the layout rules and ``FollowUpRow/document``
/// for the fields.
///
/// The file is small, so it is read and parsed when the source is opened. Without `skipBad`
/// the first problem (invalid UTF-8 with its line and byte offset, or a malformed table row)
/// is thrown by the initializer; with it, bad lines and rows are left out and listed in
/// ``skipped``.
public struct FollowUpTableSource: DocumentSource {
    /// The file, as given (errors name it).
    public let path: String
    /// The records of the report, in file order.
    public let rows: [FollowUpRow]
    /// The preamble lines before the table (report title, date).
    public let preamble: [String]
    public let skipped: [CorpusError]

    private var position = 0
    /// Byte offset of the start of each line, plus the file size at the end.
    private let lineOffsets: [Int]

    /// The largest table accepted.
    public static let maxSize = 256 << 20

    /// Reads and parses the report at `path` (plain, or zstd-compressed). Without `skipBad`,
    /// throws the first problem of the file.
    public init(path: String, skipBad: Bool = false) throws(CorpusError) {
        self.path = path
        let bytes = try ByteInput(path: path).readAll(limit: FollowUpTableSource.maxSize)
        var issues: [CorpusError] = []
        var lines: [String] = []
        var offsets: [Int] = []
        bytes.withUnsafeBufferPointer { buffer in
            var start = 0
            var number = 1
            while start <= buffer.count {
                var end = start
                while end < buffer.count, buffer[end] != 0x0A { end += 1 }
                let line = UnsafeBufferPointer(rebasing: buffer[start..<end])
                offsets.append(start)
                if let bad = UTF8Validation.firstInvalidOffset(line) {
                    issues.append(CorpusError(file: path, line: number, reason: .invalidUTF8(byteOffset: bad)))
                    lines.append("")  // left out: read as a blank line
                } else {
                    lines.append(String(decoding: line, as: UTF8.self))
                }
                start = end + 1
                number += 1
            }
        }
        offsets.append(bytes.count)
        if lines.first?.hasPrefix("\u{FEFF}") == true { lines[0].removeFirst() }
        let rows = FollowUpTable.parse(lines: lines, file: path, issues: &issues)
        if !skipBad, let first = issues.first { throw first }
        self.rows = rows
        self.skipped = issues
        self.lineOffsets = offsets
        self.preamble = FollowUpTable.preamble(text: lines.prefix { !$0.contains("\t") }.joined(separator: "\n"))
    }

    public var schema: any CorpusSchema { FollowUpSchema() }

    /// Bytes up to the first line of the next record (all of them at the end).
    public var progress: (consumed: UInt64, total: UInt64?) {
        let total = UInt64(lineOffsets.last ?? 0)
        guard position < rows.count, let first = rows[position].lines.first, first - 1 < lineOffsets.count else {
            return (total, total)
        }
        return (UInt64(lineOffsets[first - 1]), total)
    }

    public mutating func next() throws(CorpusError) -> Document? {
        guard position < rows.count else { return nil }
        defer { position += 1 }
        return rows[position].document
    }
}
