/// Iterates one term's postings (format: ``PostingsEncoder``): a doc-id set with `advance`,
/// `seek` and `exhausted`, plus each doc's term frequency and positions.
///
/// Decodes a block of 128 docs at a time; `seek` skips whole blocks through the skip data.
/// Positions are read lazily, one block of 128 position deltas at a time: the cursor keeps the
/// last decoded position block and moves forward through the stream, stepping over position
/// blocks it does not need by their headers alone. Every length and offset is checked against
/// the term's bytes before use.
public struct PostingsCursor {
    public static let exhausted = UInt32.max

    private let bytes: UnsafeRawBufferPointer
    private let file: String
    private let fileOffset: Int
    public let docFreq: Int
    private let documentCount: Int
    /// Positions after each doc's first (the length of the position stream: the first ones are
    /// in the doc blocks).
    private let restFreq: Int
    private let blocks: Int
    private let skipStart: Int
    /// Bytes of a skip entry, where its fields start in it, and the masks that keep each
    /// field's bytes of a 4-byte load (their widths are the term's: see ``PostingsEncoder``).
    private let skipEntrySize: Int
    private let skipFieldAt: (docs: Int, positions: Int, start: Int, bounds: Int)
    private let skipMasks: (lastDoc: UInt32, docs: UInt32, positions: UInt32, start: UInt32)
    private let docsStart: Int
    /// Where the doc blocks end and the positions start: after `docsLen` bytes of doc blocks,
    /// or, for a term of one doc block (which has no `docsLen`), where that block ends.
    private var docsEnd: Int
    private var positionsStart: Int
    private let positionsEnd: Int
    /// Packed position blocks (their 3-byte headers start at `positionsStart`, their data at
    /// `positionDataStart`); the tail after them codes `restFreq % 128` deltas.
    private let positionBlocks: Int
    private var positionDataStart: Int

    @usableFromInline var block = -1
    /// The decoded doc block: doc ids at `0..<128`, term frequencies at `128..<256`, first
    /// positions at `256..<384` (one allocation a cursor: a one-character query opens
    /// hundreds). A full block's first positions are decoded when a position is first asked
    /// for (from `firstsAt`; -1 once decoded): many blocks are read for their docs only.
    @usableFromInline var blockData = [UInt32](repeating: 0, count: 3 * BitPacking.blockSize)
    private var firstsAt = -1
    @usableFromInline var blockCount = 0
    @usableFromInline var index = 0
    private var nextDocsOffset = 0
    private var previousLastDoc: UInt32 = 0
    /// Stream index of the first position of the doc block's first doc, and the offset of the
    /// position block that holds it (block `blockPositionStart >> 7`).
    private var blockPositionStart = 0
    private var blockPositionOffset = 0
    /// The current doc, or ``exhausted``.
    @inlinable public var doc: UInt32 { currentDoc }
    /// Storage of ``doc`` (settable by the inlinable ``next()``).
    @usableFromInline var currentDoc: UInt32 = 0

    /// Doc `positionDoc` of the block has its second position (if any) at stream index
    /// `positionUpto`.
    private var positionDoc = 0
    private var positionUpto = 0
    /// The decoded position block (its 128 deltas, or the tail's), and where the next begins.
    private var positionBlock = -1
    private var positionNextOffset = 0
    private var positionDeltas: [UInt32] = []

    /// - Parameter totalFreq: the term's positions (the dictionary's `totalFreq`).
    init(_ bytes: UnsafeRawBufferPointer, docFreq: Int, totalFreq: Int, file: String, fileOffset: Int, documentCount: Int) throws(IndexError) {
        self.bytes = bytes
        self.file = file
        self.fileOffset = fileOffset
        self.docFreq = docFreq
        self.documentCount = documentCount
        guard docFreq > 0, docFreq <= documentCount else {
            throw .corrupt(file: file, offset: fileOffset, reason: "document frequency \(docFreq) out of range")
        }
        guard bytes.count > 0, bytes.baseAddress != nil else {
            throw .corrupt(file: file, offset: fileOffset, reason: "empty postings")
        }
        var r = ByteReader(bytes, file: file)
        restFreq = totalFreq - docFreq
        blocks = (docFreq + BitPacking.blockSize - 1) / BitPacking.blockSize
        // One doc block: no docsLen (its end is found by decoding it, below).
        let docsLength = blocks > 1 ? try r.varint(max: bytes.count) : bytes.count
        // The skip entries' layout: the byte width (1–4) of each of their four offsets.
        let layout = blocks > 1 ? Int(try r.u8()) : 0
        let widths = (layout & 3 + 1, layout >> 2 & 3 + 1, layout >> 4 & 3 + 1, layout >> 6 & 3 + 1)
        func mask(_ width: Int) -> UInt32 { UInt32(truncatingIfNeeded: (UInt64(1) << UInt64(8 * width)) - 1) }
        skipMasks = (mask(widths.0), mask(widths.1), mask(widths.2), mask(widths.3))
        skipFieldAt = (widths.0, widths.0 + widths.1, widths.0 + widths.1 + widths.2, widths.0 + widths.1 + widths.2 + widths.3)
        skipEntrySize = skipFieldAt.bounds + 4
        skipStart = r.offset
        docsStart = skipStart + (blocks > 1 ? blocks * skipEntrySize : 0)
        docsEnd = min(docsStart + docsLength, bytes.count + 1)
        positionsStart = docsEnd
        positionsEnd = bytes.count
        positionBlocks = max(restFreq, 0) / BitPacking.blockSize
        positionDataStart = positionsStart + 3 * positionBlocks
        guard docsEnd <= positionsEnd, totalFreq >= docFreq, totalFreq <= Int(UInt32.max) else {
            throw .corrupt(file: file, offset: fileOffset, reason: "postings lengths disagree")
        }
        nextDocsOffset = docsStart
        try loadBlock(0)
        if blocks == 1 {
            docsEnd = nextDocsOffset
            positionsStart = docsEnd
            positionDataStart = positionsStart + 3 * positionBlocks
            blockPositionOffset = positionDataStart
        }
        // Every packed position block takes at least its 3-byte header, a tail 5 bits and
        // one a value.
        let tail = restFreq % BitPacking.blockSize
        guard positionBlocks * 3 + (tail > 0 ? (5 + tail + 7) / 8 : 0) <= positionsEnd - positionsStart else {
            throw .corrupt(file: file, offset: fileOffset, reason: "postings lengths disagree")
        }
    }

    private func corrupt(_ reason: String, _ at: Int) -> IndexError {
        .corrupt(file: file, offset: fileOffset + at, reason: reason)
    }

    private struct SkipEntry {
        var lastDoc: UInt32
        var docsOffset: Int
        var positionOffset: Int
        var positionStart: Int
        var maxTf: UInt32
        var minLength: UInt32
    }

    /// Block `b`'s skip entry (`b < blocks`, `blocks > 1`). Every field is read with a 4-byte
    /// load, masked to its width: each is followed by at least 4 bytes of the entry (the
    /// offsets after it and the two u16s), and the entries lie before `docsStart`, within the
    /// term's bytes (checked at init).
    private func skipEntry(_ b: Int) throws(IndexError) -> SkipEntry {
        let at = skipStart + b * skipEntrySize
        return SkipEntry(lastDoc: skipField(at, skipMasks.lastDoc), docsOffset: Int(skipField(at + skipFieldAt.docs, skipMasks.docs)),
                         positionOffset: Int(skipField(at + skipFieldAt.positions, skipMasks.positions)),
                         positionStart: Int(skipField(at + skipFieldAt.start, skipMasks.start)),
                         maxTf: PostingsEncoder.maxTf(UInt16(littleEndian: bytes.loadUnaligned(fromByteOffset: at + skipFieldAt.bounds, as: UInt16.self))),
                         minLength: UInt32(UInt16(littleEndian: bytes.loadUnaligned(fromByteOffset: at + skipFieldAt.bounds + 2, as: UInt16.self))))
    }

    @inline(__always)
    private func skipField(_ at: Int, _ mask: UInt32) -> UInt32 {
        UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: at, as: UInt32.self)) & mask
    }

    /// Block `b`'s last doc, the first field of its skip entry (`b < blocks`, `blocks > 1`):
    /// one load, for the binary search of ``seek(_:)`` and wherever only the last doc is read.
    @inline(__always)
    private func skipLastDoc(_ b: Int) -> UInt32 {
        skipField(skipStart &+ b &* skipEntrySize, skipMasks.lastDoc)
    }

    @usableFromInline mutating func loadBlock(_ b: Int) throws(IndexError) {
        guard b < blocks else {
            currentDoc = Self.exhausted
            return
        }
        if blocks > 1 {
            let entry = try skipEntry(b)
            nextDocsOffset = docsStart + entry.docsOffset
            previousLastDoc = b == 0 ? 0 : skipLastDoc(b - 1)
            blockPositionStart = entry.positionStart
            blockPositionOffset = positionsStart + entry.positionOffset
            guard nextDocsOffset <= docsEnd, blockPositionOffset <= positionsEnd, blockPositionStart <= restFreq else {
                throw corrupt("skip entry out of range", skipStart + b * skipEntrySize)
            }
        } else {
            blockPositionStart = 0
            blockPositionOffset = positionDataStart
        }
        block = b
        let count = min(BitPacking.blockSize, docFreq - b * BitPacking.blockSize)
        var r = ByteReader(UnsafeRawBufferPointer(rebasing: bytes[0..<docsEnd]), offset: nextDocsOffset, file: file)
        var current = previousLastDoc
        if count == BitPacking.blockSize {
            let base = bytes.baseAddress!
            let blockAt = nextDocsOffset
            var end = blockAt
            // Sums the deltas and checks them in one pass: docs increase strictly (every delta
            // ≥ 1 but doc 0's), the sum (in 64 bits: no wrap) stays below the document count,
            // and no tf − 1 is 2³² − 1 (tf would wrap to 0).
            let ok = blockData.withUnsafeMutableBufferPointer { data in
                let d = data.baseAddress!
                guard let docsEnd = BitPacking.unpackPatched(base, at: blockAt, end: self.docsEnd, into: d),
                      let freqsEnd = BitPacking.unpackPatched(base, at: docsEnd, end: self.docsEnd, into: d + BitPacking.blockSize) else {
                    return false
                }
                end = freqsEnd
                var sum = UInt64(previousLastDoc)
                var zero: UInt32 = b == 0 ? 0 : d[0] == 0 ? 1 : 0
                var wrap: UInt32 = 0
                for i in 0..<BitPacking.blockSize {
                    let delta = d[i]
                    if i > 0 { zero |= delta == 0 ? 1 : 0 }
                    sum &+= UInt64(delta)
                    d[i] = UInt32(truncatingIfNeeded: sum)
                    let tf = d[BitPacking.blockSize &+ i] &+ 1
                    wrap |= tf == 0 ? 1 : 0
                    d[BitPacking.blockSize &+ i] = tf
                }
                return zero | wrap == 0 && sum < UInt64(documentCount)
            }
            guard ok else { throw corrupt("bad doc block, or doc ids out of order or range", nextDocsOffset) }
            // The first positions' block: stepped over by its header, decoded when needed.
            guard end + 3 <= docsEnd,
                  let length = BitPacking.patchedDataLength((Int(bytes[end]), Int(bytes[end + 1]), Int(bytes[end + 2]))),
                  end + 3 + length <= docsEnd else {
                throw corrupt("bad first-position block, or one that runs past the end", end)
            }
            firstsAt = end
            current = blockData[count - 1]
            r = ByteReader(UnsafeRawBufferPointer(rebasing: bytes[0..<docsEnd]), offset: end + 3 + length, file: file)
        } else {
            // The tail: the orders of its doc deltas, tfs − 1 and first positions, then their
            // codes.
            var tail = ExpGolomb.Reader(bytes.baseAddress!, at: nextDocsOffset, end: docsEnd)
            let decoded = blockData.withUnsafeMutableBufferPointer { data -> Bool in
                let d = data.baseAddress!
                guard let docOrder = tail.read(bits: 5), let tfOrder = tail.read(bits: 5), let firstOrder = tail.read(bits: 5),
                      tail.read(count, k: Int(docOrder), into: d), tail.read(count, k: Int(tfOrder), into: d + BitPacking.blockSize),
                      tail.read(count, k: Int(firstOrder), into: d + 2 * BitPacking.blockSize) else {
                    return false
                }
                for i in 0..<count {
                    current &+= d[i]
                    d[i] = current
                    d[BitPacking.blockSize + i] &+= 1
                }
                return true
            }
            guard decoded else { throw corrupt("bad doc tail, or one that runs past the end", nextDocsOffset) }
            firstsAt = -1
            r.offset = tail.endOffset
            // Docs must increase strictly and stay below the document count.
            var last: Int64 = b == 0 ? -1 : Int64(previousLastDoc)
            for i in 0..<count {
                guard Int64(blockData[i]) > last, Int(blockData[i]) < documentCount, blockData[BitPacking.blockSize + i] > 0 else {
                    throw corrupt("doc ids out of order or range", nextDocsOffset)
                }
                last = Int64(blockData[i])
            }
        }
        nextDocsOffset = r.offset
        previousLastDoc = current
        blockCount = count
        index = 0
        currentDoc = blockData[0]
        positionDoc = 0
        positionUpto = blockPositionStart
    }

    /// Bytes of the position stream (the rest of the term's bytes are its doc blocks).
    public var positionByteCount: Int { positionsEnd - positionsStart }

    /// Term frequency in the current doc (0 once exhausted).
    @inlinable public var frequency: Int { index < blockCount ? Int(blockData[BitPacking.blockSize + index]) : 0 }

    /// Moves to the next doc. - Complexity: amortized O(1).
    ///
    /// Inlinable: a walk through a frequent bigram's postings calls it once a doc, and the
    /// call cost 10% of such a query (学校: 84k of 800k instructions); a new block is loaded
    /// out of line.
    @inlinable @discardableResult
    public mutating func next() throws(IndexError) -> UInt32 {
        guard doc != Self.exhausted else { return doc }
        index += 1
        if index < blockCount {
            currentDoc = blockData[index]
        } else {
            try loadBlock(block + 1)
        }
        return doc
    }

    /// Appends the current doc and every later one below `upper` to `docs`, and their term
    /// frequencies to `frequencies`, a decoded block at a time; leaves the cursor on the first
    /// doc ≥ `upper`, or exhausted. What a walk with ``next()`` gives, without a call and two
    /// appends a doc (a two-character term's matches are its postings).
    /// - Complexity: O(docs appended + 128 · blocks decoded).
    public mutating func drain(below upper: UInt32, docs: inout [UInt32], frequencies: inout [UInt32]) throws(IndexError) {
        try drain(below: upper, docs: &docs, column: 1, values: &frequencies)
    }

    /// The walk of ``drain(below:docs:frequencies:)`` and ``drainFirstPositions(below:docs:firsts:)``:
    /// appends the docs below `upper`, and each one's entry of the decoded block's `column`
    /// (1: term frequencies; 2: first positions, decoded for each full block first) to `values`.
    @inline(__always)
    private mutating func drain(below upper: UInt32, docs: inout [UInt32], column: Int, values: inout [UInt32]) throws(IndexError) {
        let at = column * BitPacking.blockSize
        while currentDoc != Self.exhausted && currentDoc < upper {
            if column == 2 && firstsAt >= 0 { try decodeFirsts() }
            let (from, count) = (index, blockCount)
            let end = blockData.withUnsafeBufferPointer { d in
                let end = Self.firstIndex(in: d, from: from, to: count, atLeast: upper)
                docs.append(contentsOf: UnsafeBufferPointer(rebasing: d[from..<end]))
                values.append(contentsOf: UnsafeBufferPointer(rebasing: d[(at + from)..<(at + end)]))
                return end
            }
            if end < blockCount {
                index = end
                currentDoc = blockData[end]
                return
            }
            try loadBlock(block + 1)
        }
    }

    /// Moves to the first doc ≥ `target`. - Complexity: O(log blocks + 128).
    @discardableResult
    public mutating func seek(_ target: UInt32) throws(IndexError) -> UInt32 {
        guard doc != Self.exhausted, doc < target else { return doc }
        if blockData[blockCount - 1] < target {
            // Find the first block whose last doc is ≥ target.
            guard blocks > 1 else { currentDoc = Self.exhausted; return currentDoc }
            var lo = block + 1, hi = blocks
            while lo < hi {
                let mid = (lo + hi) / 2
                if skipLastDoc(mid) < target { lo = mid + 1 } else { hi = mid }
            }
            try loadBlock(lo)
            if doc == Self.exhausted { return doc }
        }
        index = blockData.withUnsafeBufferPointer { d in Self.firstIndex(in: d, from: index, to: blockCount, atLeast: target) }
        if index == blockCount {
            // Only a corrupt skip entry gets here: its lastDoc promised a doc ≥ target.
            throw corrupt("skip data disagrees with the block", skipStart + block * skipEntrySize)
        }
        currentDoc = blockData[index]
        return doc
    }

    /// The first index in `from ..< to` of `docs` (increasing) whose doc is ≥ `target`, or `to`:
    /// the next few docs one by one (a seek to a near doc), then a branch-free binary search
    /// (a seek far into a block of 128 walked 60 docs on average, one compare and branch each).
    /// The lower bound of every sorted doc list of the search (a block here, a term's matches
    /// and a list of candidates in `TermMatcher`).
    /// - Complexity: O(min(8, n) + log n).
    @inlinable
    public static func firstIndex(in docs: UnsafeBufferPointer<UInt32>, from: Int, to: Int, atLeast target: UInt32) -> Int {
        var i = from
        let near = Swift.min(to, from &+ 8)
        while i < near {
            if docs[i] >= target { return i }
            i &+= 1
        }
        guard i < to else { return to }
        // docs[i − 1] < target: the first doc ≥ target is in i ..< to, or is `to`.
        var base = i
        var n = to &- i
        while n > 1 {
            let half = n >> 1
            base = docs[base &+ half &- 1] < target ? base &+ half : base
            n &-= half
        }
        return docs[base] < target ? base &+ 1 : base
    }

    /// A doc that cuts the postings into two parts of about equal doc counts (the docs below
    /// it and the rest), read from the skip data or the first block without decoding more:
    /// where a search splits the doc ids between threads. Nil for a list of one doc.
    /// - Complexity: O(1).
    public func middleDoc() throws(IndexError) -> UInt32? {
        if blocks > 1 { return skipLastDoc(blocks / 2 - 1) &+ 1 }
        guard block == 0, blockCount > 1 else { return nil }
        return blockData[blockCount / 2]
    }

    /// Upper bounds of the current block for block-max scoring: (last doc, max tf, min length).
    public func blockBounds() throws(IndexError) -> (lastDoc: UInt32, maxFrequency: UInt32, minLength: UInt32) {
        if blocks > 1 {
            let e = try skipEntry(block)
            return (e.lastDoc, e.maxTf, e.minLength)
        }
        return (blockData[blockCount - 1], blockData[BitPacking.blockSize..<(BitPacking.blockSize + blockCount)].max() ?? 1, 0)
    }

    /// Moves back to the first doc, as a new cursor over the same postings starts. A cursor
    /// still in its first doc block (every one of a term in fewer than 128 docs) keeps the
    /// decoded block and its decoded position block: a search that matches a term again on
    /// other docs (``Searcher``'s later rounds) reopens it for nothing, where a new cursor
    /// decodes its doc tail again (税 opens 254 of them a round).
    /// - Complexity: O(1) in the first doc block, else a block decoded.
    public mutating func rewind() throws(IndexError) {
        guard block == 0 else {
            try loadBlock(0)
            return
        }
        index = 0
        currentDoc = blockData[0]
        positionDoc = 0
        positionUpto = blockPositionStart
    }

    /// The positions of the current doc, appended to `out` (increasing).
    /// - Complexity: O(tf + 128 · position blocks decoded); the position blocks of skipped docs
    ///   are stepped over by their headers, not decoded.
    public mutating func positions(into out: inout [UInt32]) throws(IndexError) {
        guard let (upto, tf, first) = try positionRange() else { return }  // exhausted: no doc, no positions
        // The positions are summed straight into `out`'s new storage.
        var written = 0
        if #available(macOS 26, *) {
            try out.append(addingCapacity: tf) { (span: inout OutputSpan<UInt32>) throws(IndexError) in
                try span.withUnsafeMutableBufferPointer { (buffer, count) throws(IndexError) in
                    defer { count += written }
                    try fillPositions(buffer.baseAddress! + count, count: tf, first: first, from: upto, written: &written)
                }
            }
        } else {
            let start = out.count
            out.append(contentsOf: repeatElement(0, count: tf))
            defer { if written < tf { out.removeLast(tf - written) } }
            try out.withUnsafeMutableBufferPointer { (buffer) throws(IndexError) in
                try fillPositions(buffer.baseAddress! + start, count: tf, first: first, from: upto, written: &written)
            }
        }
        positionDoc = index + 1
        positionUpto = upto + tf - 1
    }

    /// The positions of the current doc (increasing), written over `out[start...]`, which
    /// grows only when it is too short; returns how many. `out.count` says nothing about the
    /// positions: a caller that reuses one buffer for doc after doc keeps the count itself,
    /// and pays no array bookkeeping per doc (the hot loop of phrase and substring checks).
    /// - Complexity: as ``positions(into:)``.
    public mutating func positions(into out: inout [UInt32], at start: Int) throws(IndexError) -> Int {
        guard let (upto, tf, first) = try positionRange() else { return 0 }
        if out.count < start + tf {
            // Grown geometrically: the caller reuses `out` doc after doc.
            out.reserveCapacity(max(start + tf, 2 * out.count))
            out.append(contentsOf: repeatElement(0, count: start + tf - out.count))
        }
        var written = 0
        try out.withUnsafeMutableBufferPointer { (buffer) throws(IndexError) in
            try fillPositions(buffer.baseAddress! + start, count: tf, first: first, from: upto, written: &written)
        }
        positionDoc = index + 1
        positionUpto = upto + tf - 1
        return tf
    }

    /// Keeps the `starts` (increasing) for which `start + offset` is one of the current doc's
    /// positions, compacted to the front; returns how many. The positions are decoded only up
    /// to the last start's, and checked as they are decoded: for a few starts against a long
    /// list (a frequent gram in a long doc), this reads a part of the list once instead of
    /// all of it and then searching it.
    /// - Complexity: O(positions up to the last start + offset, + starts).
    public mutating func keepStarts(_ starts: UnsafeMutableBufferPointer<UInt32>, offset: UInt32) throws(IndexError) -> Int {
        guard let (upto, tf, first) = try positionRange() else { return 0 }
        positionDoc = index + 1
        positionUpto = upto + tf - 1
        let m = starts.count
        guard m > 0, let s = starts.baseAddress else { return 0 }
        var kept = 0
        var i = 0
        var wanted = s[0] &+ offset
        // The first position, from the doc block; then the others, from the stream.
        while wanted < first {
            i &+= 1
            if i == m { return kept }
            wanted = s[i] &+ offset
        }
        if wanted == first {
            s[kept] = s[i]
            kept &+= 1
            i &+= 1
            if i == m { return kept }
            wanted = s[i] &+ offset
        }
        var position = first
        var u = upto
        let end = upto + tf - 1
        while u < end {
            let k = u >> 7
            if k != positionBlock { try loadPositionBlock(k) }
            let blockEnd = min(end, (k + 1) << 7)
            var done = false
            (position, u) = positionDeltas.withUnsafeBufferPointer { deltas in
                let d = deltas.baseAddress!
                var p = position
                var v = u
                while v < blockEnd {
                    p &+= d[v & (BitPacking.blockSize - 1)]
                    v &+= 1
                    guard p >= wanted else { continue }
                    // Starts below this position have no match; one equal to it has.
                    while wanted < p {
                        i &+= 1
                        if i == m { done = true; return (p, v) }
                        wanted = s[i] &+ offset
                    }
                    if wanted == p {
                        s[kept] = s[i]
                        kept &+= 1
                        i &+= 1
                        if i == m { done = true; return (p, v) }
                        wanted = s[i] &+ offset
                    }
                }
                return (p, v)
            }
            if done { break }
        }
        return kept
    }

    /// The current doc's first position (its count, in an n-gram count posting: see
    /// ``Ngrams``); 0 once exhausted.
    public mutating func firstPosition() throws(IndexError) -> UInt32 {
        guard currentDoc != Self.exhausted, index < blockCount else { return 0 }
        if firstsAt >= 0 { try decodeFirsts() }
        return blockData[2 * BitPacking.blockSize + index]
    }

    /// ``drain(below:docs:frequencies:)`` with each doc's first position instead of its
    /// frequency: the counts of an n-gram count posting (``Ngrams``), whose docs have one
    /// position each and no position stream.
    /// - Complexity: O(docs appended + 128 · blocks decoded).
    public mutating func drainFirstPositions(below upper: UInt32, docs: inout [UInt32], firsts: inout [UInt32]) throws(IndexError) {
        try drain(below: upper, docs: &docs, column: 2, values: &firsts)
    }

    /// Where the current doc's positions are: the index in the position stream of its second
    /// (where it would be), its term frequency and its first position; nil once exhausted.
    @inline(__always)
    private mutating func positionRange() throws(IndexError) -> (upto: Int, count: Int, first: UInt32)? {
        guard index < blockCount else { return nil }
        if positionDoc > index {
            positionDoc = 0
            positionUpto = blockPositionStart
        }
        var upto = positionUpto
        if positionDoc < index {
            // The tfs − 1 of the docs between (up to 127 of them, for a seek far into the
            // block), summed four at a time: each is below 2³², so 128 of them fit in 64 bits.
            upto += blockData.withUnsafeBufferPointer { d in
                let tfs = d.baseAddress! + BitPacking.blockSize
                var i = positionDoc
                var lanes = SIMD4<UInt64>()
                while i &+ 4 <= index {
                    lanes &+= SIMD4<UInt64>(truncatingIfNeeded: UnsafeRawPointer(tfs + i).loadUnaligned(as: SIMD4<UInt32>.self))
                    i &+= 4
                }
                var sum = lanes.wrappedSum()
                while i < index {
                    sum &+= UInt64(tfs[i])
                    i &+= 1
                }
                return Int(sum) &- (index &- positionDoc)
            }
            positionDoc = index
        }
        positionUpto = upto
        let tf = Int(blockData[BitPacking.blockSize + index])
        guard upto + tf - 1 <= restFreq else { throw corrupt("more positions than the term has", positionsStart) }
        if firstsAt >= 0 { try decodeFirsts() }
        if positionDeltas.isEmpty { positionDeltas = [UInt32](repeating: 0, count: BitPacking.blockSize) }
        return (upto, tf, blockData[2 * BitPacking.blockSize + index])
    }

    /// Decodes the full doc block's first positions (at `firstsAt`, checked by `loadBlock`).
    private mutating func decodeFirsts() throws(IndexError) {
        let at = firstsAt
        let base = bytes.baseAddress!
        let end = docsEnd
        let decoded = blockData.withUnsafeMutableBufferPointer { data in
            BitPacking.unpackPatched(base, at: at, end: end, into: data.baseAddress! + 2 * BitPacking.blockSize)
        }
        guard decoded != nil else { throw corrupt("bad first-position block", at) }
        firstsAt = -1
    }

    /// Writes a doc's `count` positions to `target`: `first`, then the `count` − 1 after it,
    /// from stream index `start`, decoding position blocks as needed; `written` counts those
    /// written (all, unless it throws).
    @inline(__always)
    private mutating func fillPositions(_ target: UnsafeMutablePointer<UInt32>, count: Int, first: UInt32, from start: Int,
                                        written: inout Int) throws(IndexError) {
        target[0] = first
        written = 1
        var upto = start
        var remaining = count - 1
        var position = first
        while remaining > 0 {
            let k = upto >> 7
            if k != positionBlock { try loadPositionBlock(k) }
            let i = upto & (BitPacking.blockSize - 1)
            let n = min(BitPacking.blockSize - i, remaining)
            let o = target + written
            position = positionDeltas.withUnsafeBufferPointer { deltas in
                var p = position
                for j in 0..<n {
                    p &+= deltas[i &+ j]
                    o[j] = p
                }
                return p
            }
            written += n
            upto += n
            remaining -= n
        }
    }

    /// Block `k`'s header (k < positionBlocks, so within the bytes checked at init): the low-bit
    /// width, exception count, exception high-bit width and the length of the block's data.
    @inline(__always)
    private func positionBlockHeader(_ k: Int) -> (width: Int, exceptions: Int, highWidth: Int, length: Int) {
        let at = positionsStart + 3 * k
        let width = Int(bytes[at])
        let exceptions = Int(bytes[at + 1])
        let highWidth = Int(bytes[at + 2])
        return (width, exceptions, highWidth, BitPacking.patchedLength(width: width, exceptions: exceptions, highWidth: highWidth))
    }

    /// Decodes position block `k` into `positionDeltas`, starting from the nearest known
    /// block before it: the one after the decoded block, or the doc block's first. Blocks in
    /// between are stepped over by their headers.
    private mutating func loadPositionBlock(_ k: Int) throws(IndexError) {
        guard k <= positionBlocks else { throw corrupt("position block out of range", positionsStart) }
        var at: Int
        var offset: Int
        let anchor = blockPositionStart >> 7
        if positionBlock >= 0 && positionBlock < k && positionBlock + 1 >= anchor {
            at = positionBlock + 1
            offset = positionNextOffset
        } else {
            at = anchor
            offset = blockPositionOffset
        }
        guard at <= k else { throw corrupt("position stream out of order", offset) }
        while at < k {
            offset += positionBlockHeader(at).length
            at += 1
        }
        positionBlock = -1
        if k < positionBlocks {
            let header = positionBlockHeader(k)
            guard offset >= positionsStart else { throw corrupt("position block out of range", offset) }
            let base = bytes.baseAddress!
            let dataAt = offset
            let end = positionsEnd
            let decodedEnd = positionDeltas.withUnsafeMutableBufferPointer { deltas in
                BitPacking.unpackPatched(base, header: (header.width, header.exceptions, header.highWidth), dataAt: dataAt, end: end,
                                         into: deltas.baseAddress!)
            }
            guard decodedEnd != nil else { throw corrupt("bad position block, or one that runs past the end", offset) }
            positionNextOffset = offset + header.length
        } else {
            guard offset >= positionsStart else { throw corrupt("position tail out of range", offset) }
            let count = restFreq % BitPacking.blockSize
            var tail = ExpGolomb.Reader(bytes.baseAddress!, at: offset, end: positionsEnd)
            let decoded = count > 0 && positionDeltas.withUnsafeMutableBufferPointer { deltas -> Bool in
                guard let order = tail.read(bits: 5) else { return false }
                return tail.read(count, k: Int(order), into: deltas.baseAddress!)
            }
            guard decoded else { throw corrupt("bad position tail, or one that runs past the end", offset) }
            positionNextOffset = tail.endOffset
        }
        positionBlock = k
    }
}
