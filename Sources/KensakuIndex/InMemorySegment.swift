import KensakuAnalysis
import KensakuCorpus

/// The documents one indexing thread has inverted since its last flush: interned terms and
/// their postings as varint streams `(docDelta, tf, positionDelta × tf)*` in a pool.
///
/// Doc ids are global (corpus order), so segments of different threads interleave; the
/// merger interleaves them back by doc id.
struct InMemorySegment {
    var terms = TermInterner()
    var pool = PostingsPool()
    var lastDoc: [UInt32] = []
    var docFreq: [UInt32] = []
    var documents = 0
    private var shortTerms = ShortTermTable()
    private var tokenTerms: [Int32] = []
    private var tokenPositions: [UInt32] = []
    private var counts: [Int32] = []
    private var touched: [Int32] = []
    private var grouped: [UInt32] = []
    private var scratch: [UInt8] = []

    /// Frees the postings pool; the segment is empty afterwards.
    mutating func release() {
        pool.deallocate()
        self = InMemorySegment()
    }

    /// Heap bytes held: postings pool, term tables and per-document token buffers.
    var memoryBytes: Int {
        terms.memoryBytes + pool.memoryBytes + shortTerms.memoryBytes + lastDoc.capacity * 12 + counts.capacity * 4
            + tokenTerms.capacity * 4 + tokenPositions.capacity * 4 + grouped.capacity * 4
    }
    var isEmpty: Bool { documents == 0 }

    static func prefix(field: Int, kind: TermKind) -> UInt16 { UInt16(field) << 8 | UInt16(kind.rawValue) }

    /// Adds one token occurrence of the current document. Occurrences of one term must come
    /// in increasing position order (they do: each stream is in position order, and a term
    /// belongs to one field and one stream).
    @inline(__always)
    mutating func add(prefix: UInt16, _ units: UnsafeBufferPointer<UInt16>, position: UInt32) {
        let id: Int32
        if units.count <= 3 {
            // Grams and short words: a packed 64-bit key in a flat table.
            var packed = UInt64(prefix >> 8) << 56 | UInt64(prefix & 0x3) << 54 | UInt64(units.count) << 52
            for (i, u) in units.enumerated() { packed |= UInt64(u) << UInt64(16 * (2 - i)) }
            id = shortTerms.find(packed) ?? {
                let new = terms.append(prefix: prefix, units)
                shortTerms.insert(packed, new)
                return new
            }()
        } else {
            id = terms.intern(prefix: prefix, units)
        }
        tokenTerms.append(id)
        tokenPositions.append(position)
    }

    /// Ends the current document: groups its occurrences by term (a counting sort that keeps
    /// each term's positions in order) and appends them to the pool.
    /// - Complexity: O(occurrences in the document).
    mutating func endDocument(_ doc: UInt32) {
        documents += 1
        let termCount = terms.count
        if lastDoc.count < termCount {
            lastDoc.append(contentsOf: repeatElement(0, count: termCount - lastDoc.count))
            docFreq.append(contentsOf: repeatElement(0, count: termCount - docFreq.count))
            counts.append(contentsOf: repeatElement(0, count: termCount - counts.count))
            pool.ensure(termCount - 1)
        }
        touched.removeAll(keepingCapacity: true)
        for id in tokenTerms {
            let i = Int(id)
            if counts[i] == 0 { touched.append(id) }
            counts[i] += 1
        }
        // Bucket starts, in first-seen order.
        var offset: Int32 = 0
        for id in touched {
            let c = counts[Int(id)]
            counts[Int(id)] = offset
            offset += c
        }
        if grouped.count < tokenPositions.count { grouped = [UInt32](repeating: 0, count: tokenPositions.count) }
        for (k, id) in tokenTerms.enumerated() {
            let i = Int(id)
            grouped[Int(counts[i])] = tokenPositions[k]
            counts[i] += 1
        }
        var start = 0
        for id in touched {
            let i = Int(id)
            let end = Int(counts[i])
            scratch.removeAll(keepingCapacity: true)
            VarInt.append(doc - lastDoc[i], to: &scratch)
            VarInt.append(UInt32(end - start), to: &scratch)
            var previous: UInt32 = 0
            for k in start..<end {
                let position = grouped[k]
                VarInt.append(position - previous, to: &scratch)
                previous = position
            }
            scratch.withUnsafeBufferPointer { pool.append(i, $0) }
            lastDoc[i] = doc
            docFreq[i] += 1
            counts[i] = 0
            start = end
        }
        tokenTerms.removeAll(keepingCapacity: true)
        tokenPositions.removeAll(keepingCapacity: true)
    }

    /// Writes the segment as a temporary file of terms in key order:
    ///
    ///     Segment := count:varint (keyLen:varint key docFreq:varint streamLen:varint stream)*
    func write(to path: String) throws(IndexError) {
        var keyed: [([UInt8], Int)] = []
        keyed.reserveCapacity(terms.count)
        for id in 0..<terms.count { keyed.append((TermKey.encode(terms.key(id)), id)) }
        keyed.sort { [UInt8].lexicographicallyLess($0.0, $1.0) }
        let file = try IndexFileWriter(path: path, kind: .postings)
        var out: [UInt8] = []
        VarInt.append(keyed.count, to: &out)
        var stream: [UInt8] = []
        for (key, id) in keyed {
            VarInt.append(key.count, to: &out)
            out.append(contentsOf: key)
            VarInt.append(docFreq[id], to: &out)
            stream.removeAll(keepingCapacity: true)
            pool.stream(id, into: &stream)
            VarInt.append(stream.count, to: &out)
            out.append(contentsOf: stream)
            if out.count > 1 << 20 {
                try file.write(out)
                out.removeAll(keepingCapacity: true)
            }
        }
        try file.write(out)
        try file.finish()
    }
}
