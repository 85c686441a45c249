/// Iterates one term's postings (format: ``PostingsEncoder``): a doc-id set with `advance`,
/// `seek` and `exhausted`, plus each doc's term frequency and positions.
///
/// Decodes a block of 128 docs at a time; `seek` skips whole blocks through the skip data.
/// Every length and offset is checked against the term's bytes before use.
public struct PostingsCursor {
    public static let exhausted = UInt32.max

    private let bytes: UnsafeRawBufferPointer
    private let file: String
    private let fileOffset: Int
    public let docFreq: Int
    private let documentCount: Int
    private let blocks: Int
    private let skipStart: Int
    private let docsStart: Int
    private let docsEnd: Int
    private let positionsStart: Int
    private let positionsEnd: Int

    private var block = -1
    private var blockDocs = [UInt32](repeating: 0, count: BitPacking.blockSize)
    private var blockFreqs = [UInt32](repeating: 0, count: BitPacking.blockSize)
    private var blockCount = 0
    private var index = 0
    /// Byte offset of the positions of the block's first doc.
    private var blockPositions = 0
    private var nextDocsOffset = 0
    private var previousLastDoc: UInt32 = 0
    /// The current doc, or ``exhausted``.
    public private(set) var doc: UInt32 = 0

    init(_ bytes: UnsafeRawBufferPointer, docFreq: Int, file: String, fileOffset: Int, documentCount: Int) throws(IndexError) {
        self.bytes = bytes
        self.file = file
        self.fileOffset = fileOffset
        self.docFreq = docFreq
        self.documentCount = documentCount
        var r = ByteReader(bytes, file: file)
        let docsLength = try r.varint(max: bytes.count)
        let positionsLength = try r.varint(max: bytes.count)
        blocks = (docFreq + BitPacking.blockSize - 1) / BitPacking.blockSize
        skipStart = r.offset
        docsStart = skipStart + (docFreq > BitPacking.blockSize ? blocks * 20 : 0)
        docsEnd = docsStart + docsLength
        positionsStart = docsEnd
        positionsEnd = positionsStart + positionsLength
        guard docFreq > 0, docFreq <= documentCount, positionsEnd == bytes.count else {
            throw .corrupt(file: file, offset: fileOffset, reason: "postings lengths disagree")
        }
        nextDocsOffset = docsStart
        blockPositions = positionsStart
        try loadBlock(0)
    }

    private func corrupt(_ reason: String, _ at: Int) -> IndexError {
        .corrupt(file: file, offset: fileOffset + at, reason: reason)
    }

    /// Skip entry of `block`: (lastDoc, docsOffset, positionsOffset, maxTf, minLen).
    private func skipEntry(_ block: Int) throws(IndexError) -> (UInt32, Int, Int, UInt32, UInt32) {
        var r = ByteReader(bytes, offset: skipStart + block * 20, file: file)
        return (try r.u32(), Int(try r.u32()), Int(try r.u32()), try r.u32(), try r.u32())
    }

    private mutating func loadBlock(_ b: Int) throws(IndexError) {
        guard b < blocks else {
            doc = Self.exhausted
            return
        }
        if blocks > 1 {
            let entry = try skipEntry(b)
            nextDocsOffset = docsStart + entry.1
            blockPositions = positionsStart + entry.2
            previousLastDoc = b == 0 ? 0 : try skipEntry(b - 1).0
            guard nextDocsOffset <= docsEnd, blockPositions <= positionsEnd else { throw corrupt("skip entry out of range", skipStart + b * 20) }
        }
        block = b
        let count = min(BitPacking.blockSize, docFreq - b * BitPacking.blockSize)
        var r = ByteReader(UnsafeRawBufferPointer(rebasing: bytes[0..<docsEnd]), offset: nextDocsOffset, file: file)
        var current = previousLastDoc
        if count == BitPacking.blockSize {
            let dw = Int(try r.u8())
            let tw = Int(try r.u8())
            guard dw <= 32, tw <= 32 else { throw corrupt("bad bit width", r.offset) }
            let docBytes = try r.bytes(BitPacking.byteCount(width: dw))
            let tfBytes = try r.bytes(BitPacking.byteCount(width: tw))
            blockDocs.withUnsafeMutableBufferPointer { BitPacking.unpack(docBytes.baseAddress!, width: dw, into: $0.baseAddress!) }
            blockFreqs.withUnsafeMutableBufferPointer { BitPacking.unpack(tfBytes.baseAddress!, width: tw, into: $0.baseAddress!) }
            for i in 0..<count {
                current &+= blockDocs[i]
                blockDocs[i] = current
                blockFreqs[i] &+= 1
            }
        } else {
            for i in 0..<count {
                current &+= UInt32(truncatingIfNeeded: try r.varint())
                blockDocs[i] = current
                blockFreqs[i] = UInt32(try r.varint(max: 1 << 30))
            }
        }
        // Docs must increase strictly and stay below the document count.
        var last: Int64 = b == 0 ? -1 : Int64(previousLastDoc)
        for i in 0..<count {
            guard Int64(blockDocs[i]) > last, Int(blockDocs[i]) < documentCount, blockFreqs[i] > 0 else {
                throw corrupt("doc ids out of order or range", nextDocsOffset)
            }
            last = Int64(blockDocs[i])
        }
        nextDocsOffset = r.offset
        previousLastDoc = current
        blockCount = count
        index = 0
        doc = blockDocs[0]
        positionCursor = blockPositions
        positionDoc = 0
    }

    /// Term frequency in the current doc.
    public var frequency: Int { Int(blockFreqs[index]) }

    /// Moves to the next doc. - Complexity: amortized O(1).
    @discardableResult
    public mutating func next() throws(IndexError) -> UInt32 {
        guard doc != Self.exhausted else { return doc }
        index += 1
        if index < blockCount {
            doc = blockDocs[index]
        } else {
            try loadBlock(block + 1)
        }
        return doc
    }

    /// Moves to the first doc ≥ `target`. - Complexity: O(log blocks + 128).
    @discardableResult
    public mutating func seek(_ target: UInt32) throws(IndexError) -> UInt32 {
        guard doc != Self.exhausted, doc < target else { return doc }
        if blockDocs[blockCount - 1] < target {
            // Find the first block whose last doc is ≥ target.
            guard blocks > 1 else { doc = Self.exhausted; return doc }
            var lo = block + 1, hi = blocks
            while lo < hi {
                let mid = (lo + hi) / 2
                if try skipEntry(mid).0 < target { lo = mid + 1 } else { hi = mid }
            }
            try loadBlock(lo)
            if doc == Self.exhausted { return doc }
        }
        while index < blockCount && blockDocs[index] < target { index += 1 }
        if index == blockCount {
            // Only a corrupt skip entry gets here: its lastDoc promised a doc ≥ target.
            throw corrupt("skip data disagrees with the block", skipStart + block * 20)
        }
        doc = blockDocs[index]
        return doc
    }

    /// Upper bounds of the current block for block-max scoring: (last doc, max tf, min length).
    public func blockBounds() throws(IndexError) -> (lastDoc: UInt32, maxFrequency: UInt32, minLength: UInt32) {
        if blocks > 1 {
            let e = try skipEntry(block)
            return (e.0, e.3, e.4)
        }
        return (blockDocs[blockCount - 1], blockFreqs[0..<blockCount].max() ?? 1, 0)
    }

    private var positionCursor = 0
    private var positionDoc = 0

    /// The positions of the current doc, appended to `out` (increasing).
    /// - Complexity: O(bytes of the positions of this doc and of the block's earlier docs not
    ///   read yet); skipping counts varint terminators without decoding them.
    public mutating func positions(into out: inout [UInt32]) throws(IndexError) {
        if positionDoc > index {
            positionCursor = blockPositions
            positionDoc = 0
        }
        guard let base = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self) else { throw corrupt("no positions", positionsStart) }
        var offset = positionCursor
        let end = positionsEnd
        // Skip the positions of earlier docs of the block: count terminator bytes.
        var toSkip = 0
        while positionDoc < index {
            toSkip += Int(blockFreqs[positionDoc])
            positionDoc += 1
        }
        while toSkip > 0 {
            guard offset < end else { throw corrupt("positions run past the end", offset) }
            if base[offset] < 0x80 { toSkip -= 1 }
            offset += 1
        }
        let tf = Int(blockFreqs[index])
        out.reserveCapacity(out.count + tf)
        var position: UInt32 = 0
        for _ in 0..<tf {
            var value: UInt32 = 0
            var shift: UInt32 = 0
            while true {
                guard offset < end, shift < 35 else { throw corrupt("bad position varint", offset) }
                let byte = base[offset]
                offset += 1
                value |= UInt32(byte & 0x7F) << shift
                if byte < 0x80 { break }
                shift += 7
            }
            position &+= value
            out.append(position)
        }
        positionDoc = index + 1
        positionCursor = offset
    }
}
