/// Encodes one term's postings in the final format (see `Index/FORMAT.md`):
///
///     TermPostings := docsLen:varint layout:u8 Skip{blocks} Docs Positions     if docFreq > 128
///                   | Docs Positions                                          else (one doc block)
///     Skip         := lastDoc docsOffset posOffset posStart maxTf:u16 minLen:u16
///                     (each offset in the byte width, 1–4, of the term's largest: `layout`)
///     Docs         := FullBlock* TailBlock?
///     FullBlock    := Patched(docDelta) Patched(tf − 1) Patched(firstPosition)   (BitPacking+Patched)
///     TailBlock    := Bits(docOrder:5 tfOrder:5 firstOrder:5 EG(docDelta){r} EG(tf − 1){r}
///                          EG(firstPosition){r})                                   (ExpGolomb)
///     Positions    := PosHeader{n} PosData{n} PosTail       (n = ⌊s/128⌋, s = totalFreq − docFreq)
///     PosHeader    := width:u8 exceptions:u8 highWidth:u8
///     PosData      := lanes(delta mod 2^width, width) Where bits(delta >> width, highWidth){exceptions}
///     Where        := index:u8{exceptions}  if exceptions ≤ 16,  else  map:u8[16]
///     PosTail      := Bits(order:5 EG(positionDelta){s mod 128})               if that is > 0
///
/// `docDelta` is relative to the previous doc of the term (0 before the first); a block's first
/// delta is relative to the previous block's `lastDoc`; `r` = docFreq mod 128 (the tail: Exp-Golomb
/// codes, each list at the order that makes it shortest). Each doc's first position is in its
/// doc block; its others form, over all docs, one stream of deltas (each from the doc's
/// position before it), cut in blocks of 128 values. A position block is patched frame of
/// reference: the `width` low bits of every delta, then the deltas that do not fit
/// ("exceptions", `highWidth` = 0 when there are none): where they are (up to 16 indexes, else
/// a 128-bit map, bit `i` of byte `i/8` for value `i`) and their high bits, in index order.
/// `width` is chosen per block to make it smallest (counting one bit more an exception, which
/// costs time to patch), so one long gap does not widen the whole block. The headers come
/// first, together, so that stepping over blocks reads only them: block `k`'s data is
/// `16·width + min(exceptions, 16) + ⌈exceptions·highWidth/8⌉` bytes.
///
/// `posStart` is the index in the stream of the doc block's first doc's second position (where
/// it would be: the sum of the earlier docs' tfs − 1) and `posOffset` the offset of the data of
/// the position block holding it (block `posStart / 128`, value
/// `posStart % 128`; PosTail's offset when that is `n`). Offsets are relative to the start of
/// `Docs` and `Positions`. `maxTf` and `minLen` bound the block's best BM25 score (block-max
/// WAND): `minLen` is the smallest field length of the block's docs, or 65,535 if larger (still
/// a lower bound), `maxTf` the largest tf, or 65,535 for any tf from 65,535 on (read as
/// unbounded); two bytes each instead of four.
struct PostingsEncoder {
    /// A skip entry's `maxTf` as read: 65,535 stands for any larger tf too.
    @inline(__always)
    static func maxTf(_ stored: UInt16) -> UInt32 { stored == .max ? .max : UInt32(stored) }

    private var docBuffer: [UInt8] = []
    private var positionBuffer: [UInt8] = []
    /// The skip entries' offsets (last doc, docs offset, position offset, position start) and
    /// their (maxTf, minLen), written once their widths are known.
    private var skipOffsets: [(UInt32, UInt32, UInt32, UInt32)] = []
    private var skipBounds: [(UInt16, UInt16)] = []
    private var deltas = [UInt32](repeating: 0, count: BitPacking.blockSize)
    private var tfs = [UInt32](repeating: 0, count: BitPacking.blockSize)
    private var firsts = [UInt32](repeating: 0, count: BitPacking.blockSize)
    /// Scratch: the term's position deltas after each doc's first are its first
    /// `totalFreq − docFreq` entries. And the byte offset of each position block.
    private var positionDeltas: [UInt32] = []
    private var positionBlockOffsets: [Int] = []
    /// Low and high parts of one patched block (``BitPacking/packPatched``).
    private var scratch = [UInt32](repeating: 0, count: 2 * BitPacking.blockSize)

    /// Appends the encoded postings to `out`.
    /// - Parameters:
    ///   - docs: increasing doc ids; `freqs[i]` positions of `docs[i]` are the next `freqs[i]`
    ///     entries of `positions` (absolute, increasing within the doc).
    ///   - lengths: the field length of each doc (for the skip data's `minLen`).
    mutating func encode(docs: [UInt32], freqs: [UInt32], positions: [UInt32], lengths: UnsafeBufferPointer<UInt32>, into out: inout [UInt8]) {
        docBuffer.removeAll(keepingCapacity: true)
        skipOffsets.removeAll(keepingCapacity: true)
        skipBounds.removeAll(keepingCapacity: true)
        encodePositions(freqs: freqs, positions: positions)
        let n = docs.count
        let blockSize = BitPacking.blockSize
        var previous: UInt32 = 0
        var positionIndex = 0  // in the stream of positions after each doc's first
        var firstIndex = 0  // of the doc's first position in `positions`
        var start = 0
        while start < n {
            let end = min(start + blockSize, n)
            let docsOffset = UInt32(docBuffer.count)
            let posStart = positionIndex
            var maxTf: UInt32 = 0
            var minLen = UInt32.max
            for i in start..<end {
                maxTf = max(maxTf, freqs[i])
                let length = Int(docs[i]) < lengths.count ? lengths[Int(docs[i])] : 0
                minLen = min(minLen, length)
                positionIndex += Int(freqs[i]) - 1
            }
            for i in start..<end {
                deltas[i - start] = docs[i] - previous
                tfs[i - start] = freqs[i] - 1
                firsts[i - start] = positions[firstIndex]
                firstIndex += Int(freqs[i])
                previous = docs[i]
            }
            let count = end - start
            deltas.withUnsafeBufferPointer { d in
                tfs.withUnsafeBufferPointer { t in
                    firsts.withUnsafeBufferPointer { f in
                        if count == blockSize {
                            // Exceptions count one bit each in the choice, as in position blocks.
                            // Format 5 counted 4 bytes for doc deltas and tfs, patched in every
                            // query's doc loop; one bit made the law corpus's postings 2.0 MB
                            // smaller, for 1% more instructions and no measurable time (ABBA,
                            // 16 rounds each way: 0.98 and 0.95 at the 10th percentile).
                            scratch.withUnsafeMutableBufferPointer { s in
                                BitPacking.packPatched(d, scratch: s.baseAddress!, exceptionCost: 1, into: &docBuffer)
                                BitPacking.packPatched(t, scratch: s.baseAddress!, exceptionCost: 1, into: &docBuffer)
                                BitPacking.packPatched(f, scratch: s.baseAddress!, exceptionCost: 1, into: &docBuffer)
                            }
                        } else {
                            Self.appendTail([UnsafeBufferPointer(rebasing: d[0..<count]), UnsafeBufferPointer(rebasing: t[0..<count]),
                                             UnsafeBufferPointer(rebasing: f[0..<count])], into: &docBuffer)
                        }
                    }
                }
            }
            if n > blockSize {
                skipOffsets.append((docs[end - 1], docsOffset, UInt32(positionBlockOffsets[posStart / blockSize]), UInt32(posStart)))
                skipBounds.append((UInt16(min(maxTf, UInt32(UInt16.max))), UInt16(min(minLen, UInt32(UInt16.max)))))
            }
            start = end
        }
        if n > blockSize {
            VarInt.append(docBuffer.count, to: &out)
            // Each offset at the byte width of its largest (the last entry's: they increase).
            func width(_ v: UInt32) -> Int { max(1, (32 - v.leadingZeroBitCount + 7) / 8) }
            let last = skipOffsets[skipOffsets.count - 1]
            let widths = (width(last.0), width(last.1), width(last.2), width(last.3))
            out.append(UInt8((widths.0 - 1) | (widths.1 - 1) << 2 | (widths.2 - 1) << 4 | (widths.3 - 1) << 6))
            func append(_ v: UInt32, _ width: Int) {
                for k in 0..<width { out.append(UInt8(truncatingIfNeeded: v >> UInt32(8 * k))) }
            }
            for (offsets, bounds) in zip(skipOffsets, skipBounds) {
                append(offsets.0, widths.0)
                append(offsets.1, widths.1)
                append(offsets.2, widths.2)
                append(offsets.3, widths.3)
                out.appendLE(bounds.0)
                out.appendLE(bounds.1)
            }
        }
        out.append(contentsOf: docBuffer)
        out.append(contentsOf: positionBuffer)
    }

    /// Appends a tail: the best order of each list in 5 bits, then each list's Exp-Golomb
    /// codes (``ExpGolomb``), padded to a byte.
    static func appendTail(_ lists: [UnsafeBufferPointer<UInt32>], into out: inout [UInt8]) {
        var writer = ExpGolomb.Writer()
        let orders = lists.map { ExpGolomb.bestOrder($0).k }
        for k in orders { writer.write(UInt64(k), bits: 5, into: &out) }
        for (list, k) in zip(lists, orders) {
            for v in list { writer.write(v, k: k, into: &out) }
        }
        writer.finish(into: &out)
    }

    /// Fills `positionBuffer` with the position blocks of the positions after each doc's
    /// first, and `positionBlockOffsets` with their offsets (the last one the tail's).
    private mutating func encodePositions(freqs: [UInt32], positions: [UInt32]) {
        positionBuffer.removeAll(keepingCapacity: true)
        positionBlockOffsets.removeAll(keepingCapacity: true)
        let count = positions.count - freqs.count
        if positionDeltas.count < count {
            positionDeltas = [UInt32](repeating: 0, count: max(count, 2 * positionDeltas.count))
        }
        positionDeltas.withUnsafeMutableBufferPointer { deltas in
            positions.withUnsafeBufferPointer { positions in
                var index = 0
                var written = 0
                for tf in freqs {
                    var last = positions[index]
                    index += 1
                    for _ in 1..<Int(tf) {  // every doc has a position (tf ≥ 1)
                        let p = positions[index]
                        deltas[written] = p &- last
                        last = p
                        index += 1
                        written += 1
                    }
                }
            }
        }
        let blockSize = BitPacking.blockSize
        let full = count / blockSize
        // Headers first (3 bytes each), then the data of every block, then the tail.
        positionBuffer.append(contentsOf: repeatElement(0, count: 3 * full))
        positionDeltas.withUnsafeBufferPointer { all in
            for k in 0..<full {
                positionBlockOffsets.append(positionBuffer.count)
                let header = scratch.withUnsafeMutableBufferPointer { s in
                    BitPacking.packPatched(UnsafeBufferPointer(rebasing: all[(k * blockSize)..<((k + 1) * blockSize)]), scratch: s.baseAddress!,
                                           header: false, exceptionCost: 1, into: &positionBuffer)
                }
                positionBuffer[3 * k] = header.0
                positionBuffer[3 * k + 1] = header.1
                positionBuffer[3 * k + 2] = header.2
            }
            positionBlockOffsets.append(positionBuffer.count)
            if count > full * blockSize {
                Self.appendTail([UnsafeBufferPointer(rebasing: all[(full * blockSize)..<count])], into: &positionBuffer)
            }
        }
    }
}
