/// Encodes one term's postings in the final format (see `Index/FORMAT.md`):
///
///     TermPostings := docsLen:varint totalFreq:varint Skip{blocks, if docFreq > 128} Docs Positions
///     Skip         := lastDoc:u32 docsOffset:u32 posOffset:u32 posStart:u32 maxTf:u32 minLen:u32
///     Docs         := FullBlock* TailBlock?
///     FullBlock    := docWidth:u8 tfWidth:u8 lanes(docDelta, docWidth) lanes(tf − 1, tfWidth)
///     TailBlock    := (docDelta:varint tf:varint)*          (fewer than 128 docs)
///     Positions    := PosHeader{n} PosData{n} PosTail         (n = ⌊totalFreq/128⌋)
///     PosHeader    := width:u8 exceptions:u8 highWidth:u8
///     PosData      := lanes(delta mod 2^width, width) Where bits(delta >> width, highWidth){exceptions}
///     Where        := index:u8{exceptions}  if exceptions ≤ 16,  else  map:u8[16]
///     PosTail      := positionDelta:varint{totalFreq mod 128}
///
/// `docDelta` is relative to the previous doc of the term (0 before the first); a block's first
/// delta is relative to the previous block's `lastDoc`. The positions of all docs form one
/// stream of deltas (each doc's first from 0), cut in blocks of 128 values. A position block is
/// patched frame of reference: the `width` low bits of every delta, then the deltas that do not
/// fit ("exceptions", `highWidth` = 0 when there are none): where they are (up to 16 indexes,
/// else a 128-bit map, bit `i` of byte `i/8` for value `i`) and their high bits, in index order.
/// `width` is chosen per block to make it smallest (counting half a byte more an exception,
/// which costs time to patch), so a doc's large first delta does not widen the whole block.
/// The headers come first, together, so that stepping over blocks reads only them: block `k`'s
/// data is `16·width + min(exceptions, 16) + ⌈exceptions·highWidth/8⌉` bytes.
///
/// `posStart` is the index in the stream of the doc block's first position and `posOffset` the
/// offset of the data of the position block holding it (block `posStart / 128`, value
/// `posStart % 128`; PosTail's offset when that is `n`). Offsets are relative to the start of
/// `Docs` and `Positions`. `maxTf` and `minLen` bound the block's best BM25 score (block-max
/// WAND).
struct PostingsEncoder {
    static let skipEntrySize = 24
    /// Up to this many exceptions a position block lists their indexes; more take a 128-bit map.
    static let exceptionListMax = 16

    /// Bytes that say where a block's `exceptions` are.
    @inline(__always)
    static func exceptionPlaceBytes(_ exceptions: Int) -> Int { min(exceptions, exceptionListMax) }

    private var docBuffer: [UInt8] = []
    private var positionBuffer: [UInt8] = []
    private var skip: [UInt8] = []
    private var deltas = [UInt32](repeating: 0, count: BitPacking.blockSize)
    private var tfs = [UInt32](repeating: 0, count: BitPacking.blockSize)
    /// Scratch: the term's position deltas are its first `totalFreq` entries. And the byte
    /// offset of each position block.
    private var positionDeltas: [UInt32] = []
    private var positionBlockOffsets: [Int] = []
    private var low = [UInt32](repeating: 0, count: BitPacking.blockSize)
    private var high = [UInt32](repeating: 0, count: BitPacking.blockSize)
    private var bitCounts = [Int](repeating: 0, count: 33)

    /// Appends the encoded postings to `out`.
    /// - Parameters:
    ///   - docs: increasing doc ids; `freqs[i]` positions of `docs[i]` are the next `freqs[i]`
    ///     entries of `positions` (absolute, increasing within the doc).
    ///   - lengths: the field length of each doc (for the skip data's `minLen`).
    mutating func encode(docs: [UInt32], freqs: [UInt32], positions: [UInt32], lengths: UnsafeBufferPointer<UInt32>, into out: inout [UInt8]) {
        docBuffer.removeAll(keepingCapacity: true)
        skip.removeAll(keepingCapacity: true)
        encodePositions(freqs: freqs, positions: positions)
        let n = docs.count
        let blockSize = BitPacking.blockSize
        var previous: UInt32 = 0
        var positionIndex = 0
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
                positionIndex += Int(freqs[i])
            }
            if end - start == blockSize {
                for i in start..<end {
                    deltas[i - start] = docs[i] - previous
                    tfs[i - start] = freqs[i] - 1
                    previous = docs[i]
                }
                deltas.withUnsafeBufferPointer { d in
                    tfs.withUnsafeBufferPointer { t in
                        let dw = BitPacking.width(d)
                        let tw = BitPacking.width(t)
                        docBuffer.append(UInt8(dw))
                        docBuffer.append(UInt8(tw))
                        BitPacking.packBlock(d, width: dw, into: &docBuffer)
                        BitPacking.packBlock(t, width: tw, into: &docBuffer)
                    }
                }
            } else {
                for i in start..<end {
                    VarInt.append(docs[i] - previous, to: &docBuffer)
                    VarInt.append(freqs[i], to: &docBuffer)
                    previous = docs[i]
                }
            }
            if n > blockSize {
                skip.appendLE(docs[end - 1])
                skip.appendLE(docsOffset)
                skip.appendLE(UInt32(positionBlockOffsets[posStart / blockSize]))
                skip.appendLE(UInt32(posStart))
                skip.appendLE(maxTf)
                skip.appendLE(minLen)
            }
            start = end
        }
        VarInt.append(docBuffer.count, to: &out)
        VarInt.append(positions.count, to: &out)
        out.append(contentsOf: skip)
        out.append(contentsOf: docBuffer)
        out.append(contentsOf: positionBuffer)
    }

    /// Fills `positionBuffer` with the position blocks and `positionBlockOffsets` with their
    /// offsets (the last one the tail's).
    private mutating func encodePositions(freqs: [UInt32], positions: [UInt32]) {
        positionBuffer.removeAll(keepingCapacity: true)
        positionBlockOffsets.removeAll(keepingCapacity: true)
        if positionDeltas.count < positions.count {
            positionDeltas = [UInt32](repeating: 0, count: max(positions.count, 2 * positionDeltas.count))
        }
        positionDeltas.withUnsafeMutableBufferPointer { deltas in
            positions.withUnsafeBufferPointer { positions in
                var index = 0
                for tf in freqs {
                    var last: UInt32 = 0
                    for _ in 0..<Int(tf) {
                        let p = positions[index]
                        deltas[index] = p &- last
                        last = p
                        index += 1
                    }
                }
            }
        }
        let blockSize = BitPacking.blockSize
        let full = positions.count / blockSize
        // Headers first (3 bytes each), then the data of every block, then the tail.
        positionBuffer.append(contentsOf: repeatElement(0, count: 3 * full))
        positionDeltas.withUnsafeBufferPointer { all in
            for k in 0..<full {
                positionBlockOffsets.append(positionBuffer.count)
                let header = encodePositionBlock(UnsafeBufferPointer(rebasing: all[(k * blockSize)..<((k + 1) * blockSize)]))
                positionBuffer[3 * k] = header.0
                positionBuffer[3 * k + 1] = header.1
                positionBuffer[3 * k + 2] = header.2
            }
            positionBlockOffsets.append(positionBuffer.count)
            for v in all[(full * blockSize)..<positions.count] { VarInt.append(v, to: &positionBuffer) }
        }
    }

    /// Appends the data of one patched frame-of-reference block of 128 position deltas, with
    /// the width that makes the block smallest (ties going to fewer exceptions), and returns its
    /// header: (width, exceptions, highWidth).
    private mutating func encodePositionBlock(_ values: UnsafeBufferPointer<UInt32>) -> (UInt8, UInt8, UInt8) {
        var maxBits = 0
        var bestWidth = 0
        bitCounts.withUnsafeMutableBufferPointer { counts in
            // How many values need each bit count (0...32).
            counts.update(repeating: 0)
            var or: UInt32 = 0
            for v in values {
                counts[BitPacking.width(v)] &+= 1
                or |= v
            }
            maxBits = BitPacking.width(or)
            // Bytes, plus half a byte an exception: patching costs time, and below that the
            // bytes saved are few (measured on the law corpus: 2% larger, 2.5 × fewer exceptions).
            bestWidth = maxBits
            var bestCost = 2 * BitPacking.byteCount(width: maxBits)
            var exceptions = 0  // values wider than w
            var w = maxBits - 1
            while w >= 0 {
                exceptions += counts[w + 1]
                let bytes = BitPacking.byteCount(width: w) + Self.exceptionPlaceBytes(exceptions)
                    + BitPacking.byteCount(count: exceptions, width: maxBits - w)
                let cost = 2 * bytes + exceptions
                if cost < bestCost {
                    bestCost = cost
                    bestWidth = w
                }
                w -= 1
            }
        }
        let highWidth = maxBits - bestWidth
        let mask = UInt32(truncatingIfNeeded: BitPacking.mask(bestWidth))
        guard highWidth > 0 else {
            BitPacking.packBlock(values, width: bestWidth, into: &positionBuffer)
            return (UInt8(bestWidth), 0, 0)
        }
        var e = 0
        var map: (UInt64, UInt64) = (0, 0)
        low.withUnsafeMutableBufferPointer { lowValues in
            high.withUnsafeMutableBufferPointer { highValues in
                for i in 0..<values.count {
                    let v = values[i]
                    lowValues[i] = v & mask
                    if v > mask {
                        highValues[e] = v >> UInt32(bestWidth)
                        e += 1
                        if i < 64 { map.0 |= 1 << UInt64(i) } else { map.1 |= 1 << UInt64(i - 64) }
                    }
                }
                BitPacking.packBlock(UnsafeBufferPointer(lowValues), width: bestWidth, into: &positionBuffer)
                if e > Self.exceptionListMax {
                    for k in 0..<8 { positionBuffer.append(UInt8(truncatingIfNeeded: map.0 >> UInt64(8 * k))) }
                    for k in 0..<8 { positionBuffer.append(UInt8(truncatingIfNeeded: map.1 >> UInt64(8 * k))) }
                } else {
                    for i in 0..<values.count where values[i] > mask { positionBuffer.append(UInt8(i)) }
                }
                BitPacking.pack(UnsafeBufferPointer(rebasing: highValues[0..<e]), width: highWidth, into: &positionBuffer)
            }
        }
        return (UInt8(bestWidth), UInt8(e), UInt8(highWidth))
    }
}
