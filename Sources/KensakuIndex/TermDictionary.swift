/// The term dictionary file (`*.terms`): every term key in byte order, in blocks of
/// ``blockSize`` with prefix-compressed keys, and a sparse index of each block's first key.
///
///     Body      := Block* Index Trailer
///     Block     := postingsOffset:varint (Lengths suffix docFreq:varint totalFreq:varint
///                   postingsLength:varint){1..64}                    (the writer puts 32 in a block)
///     Lengths   := shared << 4 | suffixLen : u8                       if shared < 15 and suffixLen < 16
///                | 0xF0 shared:varint suffixLen:varint                else
///     Index     := (blockOffset:u64){blocks} (firstKeyOffset:u32){blocks+1} firstKeys
///     Trailer   := indexOffset:u64 blocks:u32 terms:u64
///
/// `shared` counts the bytes a key shares with the previous key of its block (0 for a block's
/// first key); nearly every key's two lengths fit a byte (a bigram key shares up to 7 bytes and
/// adds up to 8), which saves 0.29 MB on the law corpus against two varints. Offsets are
/// relative to the body. The postings of a block's terms are contiguous, in key order: the
/// first starts at the block's `postingsOffset` and each of the others where the one before it
/// ends (not storing each term's offset saves 1.1 MB on the law corpus). A lookup binary-searches the first keys (mapped, not loaded) and scans one block.
///
/// Blocks of 32 keys: a lookup decodes 16 entries on average, where blocks of 64 made it
/// decode 28 (a measured 6.4k instructions a lookup, and a query makes about 12). Smaller blocks
/// cost a first key and 12 index bytes each: 32 keeps the file within 4% of 64's size.
enum TermDictionary {
    static let blockSize = 32
    static let trailerSize = 20
}

public struct TermInfo: Sendable, Equatable {
    public var docFreq: Int
    public var totalFreq: Int
    public var postingsOffset: Int
    public var postingsLength: Int
}

/// Writes a term dictionary; keys must come in strictly increasing byte order.
struct TermDictionaryWriter {
    private let file: IndexFileWriter
    private var block: [UInt8] = []
    private var inBlock = 0
    private var previous: [UInt8] = []
    private var blockOffsets: [UInt64] = []
    private var firstKeys: [UInt8] = []
    private var firstKeyOffsets: [UInt32] = [0]
    private var written = 0
    private var nextPostingsOffset = 0
    private(set) var terms = 0

    init(path: String) throws(IndexError) {
        file = try IndexFileWriter(path: path, kind: .terms)
    }

    mutating func add(key: [UInt8], info: TermInfo) throws(IndexError) {
        if inBlock == Self.blockSize { try flushBlock() }
        var shared = 0
        if inBlock == 0 {
            // A block's first term says where its postings start; the others follow on.
            VarInt.append(info.postingsOffset, to: &block)
            nextPostingsOffset = info.postingsOffset
            blockOffsets.append(UInt64(written))
            firstKeys.append(contentsOf: key)
            firstKeyOffsets.append(UInt32(firstKeys.count))
        } else {
            guard info.postingsOffset == nextPostingsOffset else {
                throw .build("internal error: the postings of term \(terms) do not follow those of the term before it")
            }
            let n = min(key.count, previous.count)
            while shared < n && key[shared] == previous[shared] { shared += 1 }
        }
        nextPostingsOffset += info.postingsLength
        let suffixLength = key.count - shared
        if shared < 15 && suffixLength < 16 {
            block.append(UInt8(shared << 4 | suffixLength))
        } else {
            block.append(0xF0)
            VarInt.append(shared, to: &block)
            VarInt.append(suffixLength, to: &block)
        }
        block.append(contentsOf: key[shared...])
        VarInt.append(info.docFreq, to: &block)
        VarInt.append(info.totalFreq, to: &block)
        VarInt.append(info.postingsLength, to: &block)
        previous = key
        inBlock += 1
        terms += 1
    }

    private static var blockSize: Int { TermDictionary.blockSize }

    private mutating func flushBlock() throws(IndexError) {
        try file.write(block)
        written += block.count
        block.removeAll(keepingCapacity: true)
        inBlock = 0
    }

    mutating func finish() throws(IndexError) -> (size: Int, crc: UInt32) {
        if inBlock > 0 { try flushBlock() }
        var index: [UInt8] = []
        for offset in blockOffsets { index.appendLE(offset) }
        for offset in firstKeyOffsets { index.appendLE(offset) }
        index.append(contentsOf: firstKeys)
        index.appendLE(UInt64(written))
        index.appendLE(UInt32(blockOffsets.count))
        index.appendLE(UInt64(terms))
        try file.write(index)
        return try file.finish()
    }
}

extension ByteReader {
    /// A dictionary entry's shared prefix and suffix lengths (`Lengths` in ``TermDictionary``),
    /// the shared prefix at most `maxShared` (the previous key's length).
    @inline(__always)
    mutating func keyLengths(maxShared: Int) throws(IndexError) -> (shared: Int, suffix: Int) {
        let byte = Int(try u8())
        guard byte >= 0xF0 else {
            guard byte >> 4 <= maxShared else { throw corrupt("a key shares more bytes than the key before it has", at: offset - 1) }
            return (byte >> 4, byte & 15)
        }
        return (try varint(max: maxShared), try varint(max: 1 << 16))
    }
}
