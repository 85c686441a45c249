/// Encodes one term's postings in the final format (see `Index/FORMAT.md`):
///
///     TermPostings := docsLen:varint posLen:varint Skip{blocks, if docFreq > 128} Docs Positions
///     Skip         := lastDoc:u32 docsOffset:u32 posOffset:u32 maxTf:u32 minLen:u32
///     Docs         := FullBlock* TailBlock?
///     FullBlock    := docWidth:u8 tfWidth:u8 packed(docDelta ×128) packed(tf-1 ×128)
///     TailBlock    := (docDelta:varint tf:varint)*          (fewer than 128 docs)
///     Positions    := (positionDelta:varint × tf)*          (per doc, in doc order)
///
/// `docDelta` is relative to the previous doc of the term (0 before the first); a block's first
/// delta is relative to the previous block's `lastDoc`. Skip offsets are relative to the start
/// of `Docs` and `Positions`. `maxTf` and `minLen` bound the block's best BM25 score
/// (block-max WAND).
struct PostingsEncoder {
    private var docBuffer: [UInt8] = []
    private var positionBuffer: [UInt8] = []
    private var skip: [UInt8] = []
    private var deltas = [UInt32](repeating: 0, count: BitPacking.blockSize)
    private var tfs = [UInt32](repeating: 0, count: BitPacking.blockSize)

    /// Appends the encoded postings to `out`.
    /// - Parameters:
    ///   - docs: increasing doc ids; `freqs[i]` positions of `docs[i]` are the next `freqs[i]`
    ///     entries of `positions` (absolute, increasing within the doc).
    ///   - lengths: the field length of each doc (for the skip data's `minLen`).
    mutating func encode(docs: [UInt32], freqs: [UInt32], positions: [UInt32], lengths: UnsafeBufferPointer<UInt32>, into out: inout [UInt8]) {
        docBuffer.removeAll(keepingCapacity: true)
        positionBuffer.removeAll(keepingCapacity: true)
        skip.removeAll(keepingCapacity: true)
        let n = docs.count
        let blockSize = BitPacking.blockSize
        var previous: UInt32 = 0
        var positionIndex = 0
        var start = 0
        while start < n {
            let end = min(start + blockSize, n)
            let docsOffset = UInt32(docBuffer.count)
            let posOffset = UInt32(positionBuffer.count)
            var maxTf: UInt32 = 0
            var minLen = UInt32.max
            for i in start..<end {
                maxTf = max(maxTf, freqs[i])
                let length = Int(docs[i]) < lengths.count ? lengths[Int(docs[i])] : 0
                minLen = min(minLen, length)
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
                        BitPacking.pack(d, width: dw, into: &docBuffer)
                        BitPacking.pack(t, width: tw, into: &docBuffer)
                    }
                }
            } else {
                for i in start..<end {
                    VarInt.append(docs[i] - previous, to: &docBuffer)
                    VarInt.append(freqs[i], to: &docBuffer)
                    previous = docs[i]
                }
            }
            for i in start..<end {
                var last: UInt32 = 0
                for _ in 0..<Int(freqs[i]) {
                    let p = positions[positionIndex]
                    VarInt.append(p - last, to: &positionBuffer)
                    last = p
                    positionIndex += 1
                }
            }
            if n > blockSize {
                skip.appendLE(docs[end - 1])
                skip.appendLE(docsOffset)
                skip.appendLE(posOffset)
                skip.appendLE(maxTf)
                skip.appendLE(minLen)
            }
            start = end
        }
        VarInt.append(docBuffer.count, to: &out)
        VarInt.append(positionBuffer.count, to: &out)
        out.append(contentsOf: skip)
        out.append(contentsOf: docBuffer)
        out.append(contentsOf: positionBuffer)
    }
}
