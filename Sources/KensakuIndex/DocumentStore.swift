#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
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

/// A stored document's values as the store holds them, UTF-8 not yet checked: what a caller
/// that reads only a part of a long value (a snippet) takes, making strings of that part alone.
public struct StoredDocumentBytes: Sendable {
    public var id: String
    public var fields: [(field: Int, values: [[UInt8]])]

    /// The values of `field` joined by a space, as a multi-valued field is shown (empty when
    /// the document has none).
    public func joined(field: Int?) -> [UInt8] {
        guard let values = fields.first(where: { $0.field == field })?.values else { return [] }
        return values.count == 1 ? values[0] : Array(values.joined(separator: [0x20]))
    }
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

    init(path: String) throws(IndexError) {
        file = try IndexFileWriter(path: path, kind: .store)
    }

    mutating func add(id: String, fields: [(Int, [String])]) throws(IndexError) {
        if raw.isEmpty { blockFirstDoc = docs }
        let idBytes = Array(id.utf8)
        // A document larger than a block: room for all of it at once (no doubling copies).
        var size = idBytes.count + 20
        for (_, values) in fields {
            size += 20
            for value in values { size += value.utf8.count + 10 }
        }
        if size > DocumentStore.blockBytes { raw.reserveCapacity(raw.count + size) }
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
        // Uninitialized: only the pages zstd writes are touched (a huge document's bound is
        // about its raw size).
        let bound = kk_zstd_bound(raw.count)
        let compressed = UnsafeMutablePointer<UInt8>.allocate(capacity: bound)
        defer { compressed.deallocate() }
        let size = raw.withUnsafeBufferPointer { src in
            kk_zstd_compress(compressed, bound, src.baseAddress, src.count, Int32(DocumentStore.compressionLevel))
        }
        guard size > 0 else { throw .build("zstd compression of a document-store block failed") }
        index.appendLE(blockFirstDoc)
        index.appendLE(UInt64(written))
        index.appendLE(UInt32(size))
        index.appendLE(UInt32(raw.count))
        try file.write(UnsafeRawBufferPointer(start: compressed, count: size))
        written += size
        blocks += 1
        // Keep a block's worth of room, not a huge document's.
        raw.removeAll(keepingCapacity: raw.capacity <= 4 * DocumentStore.blockBytes)
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
///
/// A block's raw size comes from the file, so a corrupt entry could claim any size: it is
/// checked against what the compressed bytes could possibly hold (``maxExpansion``) and
/// against the size the zstd frame declares, and the block is decompressed into a buffer
/// that grows with the output actually produced. A corrupt entry costs memory in proportion
/// to the data really present, and ends as an ``IndexError``.
public final class DocumentStoreReader {
    let file: MappedFile
    let blocks: Int
    let documentCount: Int
    private let indexOffset: Int
    private var cachedBlock = -1
    /// The decompressed block (`cachedCount` bytes of `buffer`, which holds `bufferCapacity`).
    private var buffer: UnsafeMutableRawPointer?
    private(set) var bufferCapacity = 0
    private var cachedCount = 0
    private var decoder: OpaquePointer?

    /// The most a zstd frame can expand: every block of at most 128 KiB output takes at least
    /// 4 bytes (a 3-byte header and one byte of run-length content).
    static let maxExpansion = (128 << 10) / 4
    /// The first buffer for a block (it doubles as output comes): the whole block when its
    /// raw size is within this or within 8 times its compressed size.
    static let initialBuffer = 256 << 10

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

    deinit {
        free(buffer)
        if let decoder { kk_zstd_frame_decoder_free(decoder) }
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
        guard raw > 0, raw <= compressed * Self.maxExpansion else {
            throw .corrupt(file: file.name, offset: indexOffset + block * DocumentStore.indexEntrySize,
                           reason: "block of \(compressed) compressed bytes cannot hold \(raw) bytes")
        }
        return (first, Int(offset), compressed, raw)
    }

    /// The stored document `doc`. - Complexity: O(log blocks) plus one block decompression
    /// when `doc` is not in the cached block.
    public func document(_ doc: Int) throws(IndexError) -> StoredDocument {
        let raw = try documentBytes(doc)
        return StoredDocument(id: raw.id, fields: raw.fields.map { ($0.field, $0.values.map { String(decoding: $0, as: UTF8.self) }) })
    }

    /// The stored document `doc` with its values as bytes (``StoredDocumentBytes``): a law's
    /// text is copied, not checked and made into a string (on laws2013, `kensaku search 児童`
    /// spent 13.6M of its 86M instructions checking the UTF-8 of its ten hits' whole texts,
    /// to show a snippet from their first lines). - Complexity: as ``document(_:)``.
    public func documentBytes(_ doc: Int) throws(IndexError) -> StoredDocumentBytes {
        guard doc >= 0 && doc < documentCount else { throw .corrupt(file: file.name, offset: 0, reason: "doc \(doc) out of range") }
        var lo = 0, hi = blocks - 1
        while lo < hi {
            let mid = (lo + hi + 1) / 2
            if try entry(mid).firstDoc <= doc { lo = mid } else { hi = mid - 1 }
        }
        let e = try entry(lo)
        if cachedBlock != lo {
            cachedBlock = -1
            try decompress(e)
            cachedBlock = lo
        }
        let name = file.name
        let bytes = UnsafeRawBufferPointer(start: buffer, count: cachedCount)
        return try Self.parse(bytes, file: name, firstDoc: e.firstDoc, doc: doc)
    }

    /// Decompresses block `e` into `buffer`: exactly one zstd frame of `e.compressed` bytes
    /// that declares and produces `e.raw` bytes.
    private func decompress(_ e: (firstDoc: Int, offset: Int, compressed: Int, raw: Int)) throws(IndexError) {
        let src = file.body.baseAddress!.advanced(by: e.offset).assumingMemoryBound(to: UInt8.self)
        func corrupt(_ reason: String) -> IndexError { .corrupt(file: file.name, offset: e.offset, reason: reason) }
        // The frame header's size must agree with the index (no memory spent when it does not).
        guard kk_zstd_frame_content_size(src, e.compressed) == Int64(e.raw) else {
            throw corrupt("document block does not decompress (its frame does not declare \(e.raw) bytes)")
        }
        if decoder == nil { decoder = kk_zstd_frame_decoder_create() }
        guard let decoder else { throw .io(path: file.name, reason: "cannot start the zstd decompressor") }
        kk_zstd_frame_decoder_reset(decoder)
        var capacity = min(e.raw, max(Self.initialBuffer, 8 * e.compressed))
        try reserve(capacity)
        var produced = 0, consumed = 0
        while true {
            let before = (produced, consumed)
            let status = kk_zstd_frame_decoder_run(decoder, buffer!.assumingMemoryBound(to: UInt8.self), capacity, &produced,
                                                   src, e.compressed, &consumed)
            if status < 0 { throw corrupt("document block does not decompress") }
            if status == 0 { break }
            if produced == capacity && capacity < e.raw {
                capacity = min(e.raw, 2 * capacity)
                try reserve(capacity)
                continue
            }
            // No room left to grow into, or no input left: more than declared, or truncated.
            if before == (produced, consumed) { throw corrupt("document block does not decompress to \(e.raw) bytes") }
        }
        guard produced == e.raw, consumed == e.compressed else {
            throw corrupt("document block decompresses to \(produced) bytes, not \(e.raw)")
        }
        cachedCount = produced
    }

    /// Makes `buffer` hold at least `capacity` bytes, keeping what it holds; a buffer much
    /// larger than needed (a huge block read before) is given back rather than kept.
    private func reserve(_ capacity: Int) throws(IndexError) {
        if capacity <= bufferCapacity && bufferCapacity <= max(4 * capacity, Self.initialBuffer) { return }
        let resized: UnsafeMutableRawPointer?
        if let old = buffer, capacity > bufferCapacity {
            resized = realloc(old, capacity)
        } else {
            free(buffer)
            buffer = nil
            bufferCapacity = 0
            resized = malloc(capacity)
        }
        guard let resized else { throw .io(path: file.name, reason: "out of memory for a document-store block of \(capacity) bytes") }
        buffer = resized
        bufferCapacity = capacity
    }

    /// Doc `doc` of a block whose first doc is `firstDoc`. The docs before it are stepped over
    /// by their lengths, never made into strings (a block of the seed report holds hundreds of
    /// short docs: `kensaku search 婦人相談所` spent 8.1M of its 48M instructions making them).
    private static func parse(_ bytes: UnsafeRawBufferPointer, file: String, firstDoc: Int, doc: Int) throws(IndexError) -> StoredDocumentBytes {
        var r = ByteReader(bytes, file: file)
        guard doc >= firstDoc else { throw r.corrupt("document \(doc) is not in the block of documents from \(firstDoc)") }
        for _ in firstDoc..<doc { _ = try record(&r, keep: false) }
        return try record(&r, keep: true)!
    }

    /// Reads one `Doc` of a block (see ``DocumentStore``); its values are copied only with
    /// `keep` (else nil: the record is stepped over).
    private static func record(_ r: inout ByteReader, keep: Bool) throws(IndexError) -> StoredDocumentBytes? {
        let limit = r.base.count
        let id = try r.bytes(try r.varint(max: limit))
        var fields: [(field: Int, values: [[UInt8]])] = []
        for _ in 0..<(try r.varint(max: 255)) {
            let field = try r.varint(max: 255)
            var values: [[UInt8]] = []
            for _ in 0..<(try r.varint(max: limit)) {
                let value = try r.bytes(try r.varint(max: limit))
                if keep { values.append(Array(value)) }
            }
            if keep { fields.append((field, values)) }
        }
        return keep ? StoredDocumentBytes(id: String(decoding: id, as: UTF8.self), fields: fields) : nil
    }
}
