/// The docs file (`*.docs`): per-document data the query engine reads on every query.
///
///     Body          := docs:u32 fields:u32 Lengths BoundsOffsets IdOffsets IdBytes Bounds
///     Lengths       := (length:u32){docs}, for each field in number order (grams in the field)
///     BoundsOffsets := (offset:u64){fields × docs + 1}   field-major, into Bounds
///     IdOffsets     := (offset:u32){docs + 1}             into IdBytes
///     Bounds        := the word-boundary bitmap of each field of each doc, field-major
///
/// The bitmap of field `f` of doc `d` is `Bounds[offset[f·docs + d] ..< offset[f·docs + d + 1]]`
/// (see ``WordBoundaries``); a field without words has an empty one.
enum DocsFile {
    /// Where one field's word-boundary bitmap of one document is while the index is built:
    /// `count` bytes at body offset `offset` of bounds file `file`.
    struct BoundsLocation {
        var offset: UInt64 = 0
        var count: UInt32 = 0
        var file: UInt16 = 0
    }

    /// Writes the docs file; `bounds[field][doc]` locates each bitmap in `boundsFiles`.
    static func write(path: String, lengths: [[UInt32]], ids: [String], bounds: [[BoundsLocation]],
                      boundsFiles: [MappedFile]) throws(IndexError) -> (size: Int, crc: UInt32) {
        let file = try IndexFileWriter(path: path, kind: .docs)
        var out: [UInt8] = []
        func spill() throws(IndexError) {
            if out.count >= 1 << 20 {
                try file.write(out)
                out.removeAll(keepingCapacity: true)
            }
        }
        out.appendLE(UInt32(ids.count))
        out.appendLE(UInt32(lengths.count))
        for field in lengths {
            for length in field { out.appendLE(length) }
            try spill()
        }
        var boundsOffset: UInt64 = 0
        out.appendLE(boundsOffset)
        for field in lengths.indices {
            for doc in ids.indices {
                boundsOffset += UInt64(field < bounds.count ? bounds[field][doc].count : 0)
                out.appendLE(boundsOffset)
            }
            try spill()
        }
        var offset: UInt32 = 0
        out.appendLE(offset)
        for id in ids {
            offset += UInt32(id.utf8.count)
            out.appendLE(offset)
        }
        for id in ids {
            out.append(contentsOf: id.utf8)
            try spill()
        }
        for field in bounds {
            for location in field where location.count > 0 {
                let source = boundsFiles[Int(location.file)]
                let start = Int(location.offset)
                guard start + Int(location.count) <= source.body.count else { throw .corrupt(file: source.name, offset: start, reason: "bounds out of range") }
                out.append(contentsOf: source.body[start..<(start + Int(location.count))])
                try spill()
            }
        }
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
    private let boundsOffsets: Int
    private let idOffsets: Int
    private let idBytes: Int
    private let bounds: Int
    private let boundsCount: Int

    init(file: MappedFile) throws(IndexError) {
        self.file = file
        var r = file.reader()
        documentCount = Int(try r.u32())
        fieldCount = Int(try r.u32())
        guard documentCount < 1 << 28, fieldCount < 256 else { throw .corrupt(file: file.name, offset: 0, reason: "implausible counts") }
        boundsOffsets = 8 + documentCount * fieldCount * 4
        idOffsets = boundsOffsets + (documentCount * fieldCount + 1) * 8
        idBytes = idOffsets + (documentCount + 1) * 4
        guard idBytes <= file.body.count else { throw .truncated(file: file.name) }
        var last = file.reader(at: idOffsets + documentCount * 4)
        bounds = idBytes + Int(try last.u32())
        var lastBounds = file.reader(at: idOffsets - 8)
        let total = try lastBounds.u64()
        guard bounds <= file.body.count, total == UInt64(file.body.count - bounds) else {
            throw .corrupt(file: file.name, offset: idOffsets, reason: "id or bounds table size")
        }
        boundsCount = Int(total)
    }

    /// Field lengths of `field` for all documents (mapped).
    public func lengths(field: Int) -> UnsafeBufferPointer<UInt32> {
        guard field >= 0, field < fieldCount else { return UnsafeBufferPointer(start: nil, count: 0) }
        let start = file.body.baseAddress!.advanced(by: lengthsOffset + field * documentCount * 4)
        // The mapping is page-aligned and the offset a multiple of 4 past a 12-byte header.
        return UnsafeBufferPointer(start: start.assumingMemoryBound(to: UInt32.self), count: documentCount)
    }

    /// Entry `k` (0 … fields × docs) of `BoundsOffsets`, unchecked against the bitmaps' size.
    private func boundsOffset(_ k: Int) -> UInt64 {
        UInt64(littleEndian: file.body.loadUnaligned(fromByteOffset: boundsOffsets + k * 8, as: UInt64.self))
    }

    /// The word boundaries of `field` of `doc` (mapped). - Complexity: O(1).
    /// - Throws: ``IndexError/corrupt(file:offset:reason:)`` when the offsets are out of order or range.
    public func wordBoundaries(field: Int, doc: Int) throws(IndexError) -> WordBoundaries {
        guard field >= 0, field < fieldCount, doc >= 0, doc < documentCount else { return WordBoundaries(UnsafeRawBufferPointer(start: nil, count: 0)) }
        let k = field * documentCount + doc
        let start = boundsOffset(k), end = boundsOffset(k + 1)
        guard start <= end, end <= UInt64(boundsCount) else {
            throw .corrupt(file: file.name, offset: boundsOffsets + k * 8, reason: "word-boundary offsets out of range")
        }
        return WordBoundaries(UnsafeRawBufferPointer(rebasing: file.body[(bounds + Int(start))..<(bounds + Int(end))]))
    }

    /// Checks that the word-boundary offsets never decrease and stay within the bitmaps.
    /// - Complexity: O(fields × docs).
    func verifyWordBoundaries() throws(IndexError) {
        var previous: UInt64 = 0
        for k in 0...(fieldCount * documentCount) {
            let offset = boundsOffset(k)
            guard offset >= previous, offset <= UInt64(boundsCount) else {
                throw .corrupt(file: file.name, offset: boundsOffsets + k * 8, reason: "word-boundary offsets out of order or range")
            }
            previous = offset
        }
    }

    /// Bytes of the word-boundary bitmaps of `field` over all documents (0 for an unknown
    /// field or corrupt offsets). - Complexity: O(1).
    public func wordBoundaryBytes(field: Int) -> Int {
        guard field >= 0, field < fieldCount else { return 0 }
        let first = boundsOffset(field * documentCount), last = boundsOffset((field + 1) * documentCount)
        guard first <= last, last <= UInt64(boundsCount) else { return 0 }
        return Int(last - first)
    }

    public func id(_ doc: Int) -> String {
        guard doc >= 0 && doc < documentCount else { return "" }
        var r = file.reader(at: idOffsets + doc * 4)
        guard let start = try? r.u32(), let end = try? r.u32(), start <= end,
              idBytes + Int(end) <= bounds else { return "" }
        return String(decoding: UnsafeRawBufferPointer(rebasing: file.body[(idBytes + Int(start))..<(idBytes + Int(end))]), as: UTF8.self)
    }
}
