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
    private var pairs: [UInt64] = []

    /// Frees the postings pool; the segment is empty afterwards.
    mutating func release() {
        pool.deallocate()
        self = InMemorySegment()
    }

    var memoryBytes: Int { terms.memoryBytes + pool.memoryBytes + lastDoc.capacity * 8 }
    var isEmpty: Bool { documents == 0 }

    static func prefix(field: Int, kind: TermKind) -> UInt16 { UInt16(field) << 8 | UInt16(kind.rawValue) }

    /// Adds one token occurrence of the current document.
    @inline(__always)
    mutating func add(prefix: UInt16, _ units: UnsafeBufferPointer<UInt16>, position: UInt32) {
        let id = terms.intern(prefix: prefix, units)
        pairs.append(UInt64(UInt32(bitPattern: id)) << 32 | UInt64(position))
    }

    /// Ends the current document: groups its occurrences by term and appends them to the pool.
    mutating func endDocument(_ doc: UInt32) {
        documents += 1
        pairs.sort()
        let termCount = terms.count
        if lastDoc.count < termCount {
            lastDoc.append(contentsOf: repeatElement(0, count: termCount - lastDoc.count))
            docFreq.append(contentsOf: repeatElement(0, count: termCount - docFreq.count))
            pool.ensure(termCount - 1)
        }
        var i = 0
        let n = pairs.count
        while i < n {
            let id = Int(pairs[i] >> 32)
            var j = i + 1
            while j < n && Int(pairs[j] >> 32) == id { j += 1 }
            pool.appendVarInt(id, doc - lastDoc[id])
            pool.appendVarInt(id, UInt32(j - i))
            var previous: UInt32 = 0
            for k in i..<j {
                let position = UInt32(truncatingIfNeeded: pairs[k])
                pool.appendVarInt(id, position - previous)
                previous = position
            }
            lastDoc[id] = doc
            docFreq[id] += 1
            i = j
        }
        pairs.removeAll(keepingCapacity: true)
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
