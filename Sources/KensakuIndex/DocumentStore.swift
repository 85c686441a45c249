import CKensakuZ

/// The document store (`*.store`): original field values, for snippets and display, in
/// zstd-compressed blocks of about ``blockBytes`` raw bytes.
///
///     Body    := Block* Index Trailer
///     Block   := zstd frame of Doc*
///     Doc     := idLen:varint id fields:varint (field:varint values:varint (len:varint utf8)*)*
///     Index   := (firstDoc:u32 offset:u64 compressedLength:u32 rawLength:u32){blocks}
///     Trailer := indexOffset:u64 blocks:u32 docs:u32
enum DocumentStore {
    static let blockBytes = 64 << 10
    static let indexEntrySize = 20
    static let trailerSize = 16
    static let compressionLevel = 3
}

/// A stored document: its id and field values, by field number.
public struct StoredDocument: Sendable, Equatable {
    public var id: String
    public var fields: [(field: Int, values: [String])]

    public static func == (a: StoredDocument, b: StoredDocument) -> Bool {
        a.id == b.id && a.fields.count == b.fields.count
            && zip(a.fields, b.fields).allSatisfy { $0.field == $1.field && $0.values == $1.values }
    }
}

struct DocumentStoreWriter {
    private let file: IndexFileWriter
    private var raw: [UInt8] = []
    private var index: [UInt8] = []
    private var blockFirstDoc: UInt32 = 0
    private var docs: UInt32 = 0
    private var blocks: UInt32 = 0
    private var written = 0
    private var compressed: [UInt8] = []

    init(path: String) throws(IndexError) {
        file = try IndexFileWriter(path: path, kind: .store)
    }

    mutating func add(id: String, fields: [(Int, [String])]) throws(IndexError) {
        if raw.isEmpty { blockFirstDoc = docs }
        let idBytes = Array(id.utf8)
        VarInt.append(idBytes.count, to: &raw)
        raw.append(contentsOf: idBytes)
        VarInt.append(fields.count, to: &raw)
        for (field, values) in fields {
            VarInt.append(field, to: &raw)
            VarInt.append(values.count, to: &raw)
            for value in values {
                VarInt.append(value.utf8.count, to: &raw)
                raw.append(contentsOf: value.utf8)
            }
        }
        docs += 1
        if raw.count >= DocumentStore.blockBytes { try flushBlock() }
    }

    private mutating func flushBlock() throws(IndexError) {
        guard !raw.isEmpty else { return }
        let bound = kk_zstd_bound(raw.count)
        if compressed.count < bound { compressed = [UInt8](repeating: 0, count: bound) }
        let size = raw.withUnsafeBufferPointer { src in
            compressed.withUnsafeMutableBufferPointer { dst in
                kk_zstd_compress(dst.baseAddress, dst.count, src.baseAddress, src.count, Int32(DocumentStore.compressionLevel))
            }
        }
        guard size > 0 else { throw .build("zstd compression of a document-store block failed") }
        index.appendLE(blockFirstDoc)
        index.appendLE(UInt64(written))
        index.appendLE(UInt32(size))
        index.appendLE(UInt32(raw.count))
        try file.write(Array(compressed[0..<size]))
        written += size
        blocks += 1
        raw.removeAll(keepingCapacity: true)
    }

    mutating func finish() throws(IndexError) -> (size: Int, crc: UInt32) {
        try flushBlock()
        index.appendLE(UInt64(written))
        index.appendLE(blocks)
        index.appendLE(docs)
        try file.write(index)
        return try file.finish()
    }
}

/// Reads stored documents; caches the last decompressed block.
public final class DocumentStoreReader {
    let file: MappedFile
    let blocks: Int
    let documentCount: Int
    private let indexOffset: Int
    private var cachedBlock = -1
    private var cachedRaw: [UInt8] = []

    init(file: MappedFile) throws(IndexError) {
        self.file = file
        let body = file.body
        guard body.count >= DocumentStore.trailerSize else { throw .truncated(file: file.name) }
        var trailer = file.reader(at: body.count - DocumentStore.trailerSize)
        let indexOffset = try trailer.u64()
        blocks = Int(try trailer.u32())
        documentCount = Int(try trailer.u32())
        guard indexOffset <= UInt64(body.count - DocumentStore.trailerSize),
              Int(indexOffset) + blocks * DocumentStore.indexEntrySize == body.count - DocumentStore.trailerSize
        else { throw .corrupt(file: file.name, offset: body.count - DocumentStore.trailerSize, reason: "bad block index") }
        self.indexOffset = Int(indexOffset)
    }

    private func entry(_ block: Int) throws(IndexError) -> (firstDoc: Int, offset: Int, compressed: Int, raw: Int) {
        var r = file.reader(at: indexOffset + block * DocumentStore.indexEntrySize)
        let first = Int(try r.u32())
        let offset = try r.u64()
        let compressed = Int(try r.u32())
        let raw = Int(try r.u32())
        guard offset <= UInt64(indexOffset), Int(offset) + compressed <= indexOffset, raw <= 1 << 30 else {
            throw .corrupt(file: file.name, offset: indexOffset + block * DocumentStore.indexEntrySize, reason: "block out of range")
        }
        return (first, Int(offset), compressed, raw)
    }

    /// The stored document `doc`. - Complexity: O(log blocks) plus one block decompression
    /// when `doc` is not in the cached block.
    public func document(_ doc: Int) throws(IndexError) -> StoredDocument {
        guard doc >= 0 && doc < documentCount else { throw .corrupt(file: file.name, offset: 0, reason: "doc \(doc) out of range") }
        var lo = 0, hi = blocks - 1
        while lo < hi {
            let mid = (lo + hi + 1) / 2
            if try entry(mid).firstDoc <= doc { lo = mid } else { hi = mid - 1 }
        }
        let e = try entry(lo)
        if cachedBlock != lo {
            var raw = [UInt8](repeating: 0, count: e.raw)
            let ok = raw.withUnsafeMutableBufferPointer { dst in
                kk_zstd_decompress_exact(dst.baseAddress, e.raw, file.body.baseAddress!.advanced(by: e.offset).assumingMemoryBound(to: UInt8.self), e.compressed)
            }
            guard ok == 1 else { throw .corrupt(file: file.name, offset: e.offset, reason: "document block does not decompress") }
            cachedRaw = raw
            cachedBlock = lo
        }
        let name = file.name
        let result = cachedRaw.withUnsafeBytes { bytes in
            Result { () throws(IndexError) -> StoredDocument in try Self.parse(bytes, file: name, firstDoc: e.firstDoc, doc: doc) }
        }
        return try result.get()
    }

    private static func parse(_ bytes: UnsafeRawBufferPointer, file: String, firstDoc: Int, doc: Int) throws(IndexError) -> StoredDocument {
            var r = ByteReader(bytes, file: file)
            var current = firstDoc
            while true {
                let idLength = try r.varint(max: bytes.count)
                let id = try r.string(idLength)
                let fieldCount = try r.varint(max: 255)
                var fields: [(field: Int, values: [String])] = []
                for _ in 0..<fieldCount {
                    let field = try r.varint(max: 255)
                    let valueCount = try r.varint(max: bytes.count)
                    var values: [String] = []
                    for _ in 0..<valueCount {
                        let length = try r.varint(max: bytes.count)
                        values.append(try r.string(length))
                    }
                    fields.append((field, values))
                }
                if current == doc { return StoredDocument(id: id, fields: fields) }
                current += 1
            }
    }
}
