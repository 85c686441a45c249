/// The docs file (`*.docs`): per-document data the query engine reads on every query.
///
///     Body    := docs:u32 fields:u32 Lengths IdOffsets IdBytes
///     Lengths := (length:u32){docs}, for each field in number order   (grams in the field)
///     IdOffsets := (offset:u32){docs+1}                                (into IdBytes)
enum DocsFile {
    static func write(path: String, lengths: [[UInt32]], ids: [String]) throws(IndexError) -> (size: Int, crc: UInt32) {
        let file = try IndexFileWriter(path: path, kind: .docs)
        var out: [UInt8] = []
        out.appendLE(UInt32(ids.count))
        out.appendLE(UInt32(lengths.count))
        for field in lengths {
            for length in field { out.appendLE(length) }
        }
        var offset: UInt32 = 0
        out.appendLE(offset)
        for id in ids {
            offset += UInt32(id.utf8.count)
            out.appendLE(offset)
        }
        for id in ids { out.append(contentsOf: id.utf8) }
        try file.write(out)
        return try file.finish()
    }
}

/// Mapped view of a docs file.
public struct DocsFileReader: @unchecked Sendable {
    let file: MappedFile
    public let documentCount: Int
    public let fieldCount: Int
    private let lengthsOffset = 8
    private let idOffsets: Int
    private let idBytes: Int

    init(file: MappedFile) throws(IndexError) {
        self.file = file
        var r = file.reader()
        documentCount = Int(try r.u32())
        fieldCount = Int(try r.u32())
        guard documentCount < 1 << 28, fieldCount < 256 else { throw .corrupt(file: file.name, offset: 0, reason: "implausible counts") }
        idOffsets = 8 + documentCount * fieldCount * 4
        idBytes = idOffsets + (documentCount + 1) * 4
        guard idBytes <= file.body.count else { throw .truncated(file: file.name) }
        var last = r
        last.offset = idOffsets + documentCount * 4
        let total = Int(try last.u32())
        guard idBytes + total == file.body.count else { throw .corrupt(file: file.name, offset: idOffsets, reason: "id table size") }
    }

    /// Field lengths of `field` for all documents (mapped).
    public func lengths(field: Int) -> UnsafeBufferPointer<UInt32> {
        guard field < fieldCount else { return UnsafeBufferPointer(start: nil, count: 0) }
        let start = file.body.baseAddress!.advanced(by: lengthsOffset + field * documentCount * 4)
        // The mapping is page-aligned and the offset a multiple of 4 past a 12-byte header.
        return UnsafeBufferPointer(start: start.assumingMemoryBound(to: UInt32.self), count: documentCount)
    }

    public func id(_ doc: Int) -> String {
        guard doc >= 0 && doc < documentCount else { return "" }
        var r = file.reader(at: idOffsets + doc * 4)
        guard let start = try? r.u32(), let end = try? r.u32(), start <= end,
              idBytes + Int(end) <= file.body.count else { return "" }
        return String(decoding: UnsafeRawBufferPointer(rebasing: file.body[(idBytes + Int(start))..<(idBytes + Int(end))]), as: UTF8.self)
    }
}
