import KensakuAnalysis
import KensakuCorpus

/// The documents one indexing thread has inverted since its last flush: interned terms and
/// their postings as varint streams `(docDelta, tf, positionDelta × tf)*` in a pool.
///
/// Doc ids are global (corpus order), so segments of different threads interleave; the
/// merger interleaves them back by doc id.
///
/// A very large document is inverted in *parts* (``spill(_:)``): each part is an entry
/// `(docDelta, tf, positionDelta × tf)` of its own for the same doc (`docDelta` 0 after the
/// first part of a segment), with positions continuing from the previous part. A segment may
/// then be flushed in the middle of a document, and the document continue in the next
/// segment of the same thread; the merger joins the parts back into one posting per doc.
struct InMemorySegment {
    var terms = TermInterner()
    var pool = PostingsPool()
    /// Everything inverting reads and writes for a term, in one record: a document touches
    /// thousands of terms at random places, and each separate array would cost a cache miss.
    struct TermState {
        var stream: PostingsPool.Stream
        /// The last document with an entry in the stream.
        var lastDoc: UInt32 = 0
        /// Entries in the stream: its documents, plus the further parts of spilled ones.
        var entries: UInt32 = 0
        /// While a part is appended: the term's occurrences, then its bucket's end.
        var count: Int32 = 0
    }
    private(set) var states: [TermState] = []
    var documents = 0
    private var shortTerms = ShortTermTable()
    private var tokenTerms: [Int32] = []
    private var tokenPositions: [UInt32] = []
    private var touched: [Int32] = []
    private var grouped: [UInt32] = []

    /// Frees the postings pool; the segment is empty afterwards.
    mutating func release() {
        pool.deallocate()
        self = InMemorySegment()
    }

    /// Writes the segment to `path` and empties it (``release()``); false, writing nothing,
    /// when it holds nothing.
    mutating func flush(to path: String) throws(IndexError) -> Bool {
        guard !isEmpty else { return false }
        try write(to: path)
        release()
        return true
    }

    /// Heap bytes held: postings pool, term tables and per-document token buffers.
    var memoryBytes: Int {
        terms.memoryBytes + pool.memoryBytes + shortTerms.memoryBytes + states.capacity * MemoryLayout<TermState>.stride
            + tokenTerms.capacity * 4 + tokenPositions.capacity * 4 + grouped.capacity * 4
    }
    /// No document ended and no part of one was spilled since the last flush.
    var isEmpty: Bool { documents == 0 && !hasParts }
    /// Parts of a document were spilled into the pool (see ``spill(_:)``).
    private var hasParts = false

    static func prefix(field: Int, kind: TermKind) -> UInt16 { UInt16(field) << 8 | UInt16(kind.rawValue) }

    /// Adds one token occurrence of the current document. Occurrences of one term must come
    /// in increasing position order (they do: each stream is in position order, and a term
    /// belongs to one field and one stream).
    @inline(__always)
    mutating func add(prefix: UInt16, _ units: UnsafeBufferPointer<UInt16>, position: UInt32) {
        let id: Int32
        if units.count <= 3 {
            // Grams and short words: a packed 64-bit key in a flat table.
            // (field:8, kind:4, length:4, then up to three units of 16 bits.)
            var packed = UInt64(prefix >> 8) << 56 | UInt64(prefix & 0xF) << 52 | UInt64(units.count) << 48
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

    /// Makes a term that no ``add(prefix:_:position:)`` has made in this segment, for
    /// ``add(term:position:)``: a caller that knows its terms apart (``MinerPart``) skips the
    /// lookup of every occurrence's text.
    mutating func newTerm(prefix: UInt16, _ units: UnsafeBufferPointer<UInt16>) -> Int32 {
        terms.append(prefix: prefix, units)
    }

    /// Adds one occurrence of a term made by ``newTerm(prefix:_:)`` to the current document.
    @inline(__always)
    mutating func add(term: Int32, position: UInt32) {
        tokenTerms.append(term)
        tokenPositions.append(position)
    }

    /// Ends the current document: groups its occurrences by term (a counting sort that keeps
    /// each term's positions in order) and appends them to the pool.
    /// - Complexity: O(occurrences in the document).
    mutating func endDocument(_ doc: UInt32) {
        documents += 1
        appendPart(doc)
    }

    /// Appends the occurrences buffered so far for document `doc` to the pool as one part of
    /// it, and empties the buffers, so that a very large document is inverted in bounded
    /// memory. The document goes on with more ``add(prefix:_:position:)`` calls (positions
    /// greater than those spilled) and ends with ``endDocument(_:)`` as usual, in this segment
    /// or, after a flush, in the next one.
    mutating func spill(_ doc: UInt32) {
        guard !tokenTerms.isEmpty else { return }
        hasParts = true
        appendPart(doc)
    }

    /// Groups the buffered occurrences by term and appends one entry `(docDelta, tf,
    /// positionDelta × tf)` a term to its stream.
    private mutating func appendPart(_ doc: UInt32) {
        let termCount = terms.count
        // (Appending one at a time grows the array geometrically; reserving exactly termCount
        // on every document would copy it every time.)
        while states.count < termCount { states.append(TermState(stream: pool.makeStream())) }
        if grouped.count < tokenPositions.count { grouped = [UInt32](repeating: 0, count: tokenPositions.count) }
        // Work on locals (uniquely referenced: no copy, no exclusivity checks in the loops).
        var states = self.states, touched = self.touched, grouped = self.grouped, pool = self.pool
        self.states = []
        self.touched = []
        self.grouped = []
        self.pool = PostingsPool()
        defer {
            self.states = states
            self.touched = touched
            self.grouped = grouped
            self.pool = pool
        }
        touched.removeAll(keepingCapacity: true)
        states.withUnsafeMutableBufferPointer { states in
            grouped.withUnsafeMutableBufferPointer { grouped in
                for id in tokenTerms {
                    let i = Int(id)
                    if states[i].count == 0 { touched.append(id) }
                    states[i].count += 1
                }
                // Bucket starts, in first-seen order.
                var offset: Int32 = 0
                for id in touched {
                    let c = states[Int(id)].count
                    states[Int(id)].count = offset
                    offset += c
                }
                for (k, id) in tokenTerms.enumerated() {
                    let i = Int(id)
                    grouped[Int(states[i].count)] = tokenPositions[k]
                    states[i].count += 1
                }
                var start = 0
                for id in touched {
                    let i = Int(id)
                    let end = Int(states[i].count)
                    var stream = states[i].stream
                    pool.appendVarint(&stream, doc - states[i].lastDoc)
                    pool.appendVarint(&stream, UInt32(end - start))
                    var previous: UInt32 = 0
                    for k in start..<end {
                        let position = grouped[k]
                        pool.appendVarint(&stream, position - previous)
                        previous = position
                    }
                    states[i].stream = stream
                    states[i].lastDoc = doc
                    states[i].entries += 1
                    states[i].count = 0
                    start = end
                }
            }
        }
        tokenTerms.removeAll(keepingCapacity: true)
        tokenPositions.removeAll(keepingCapacity: true)
    }

    /// Writes the segment as a temporary file of terms in key order:
    ///
    ///     Segment := count:varint (keyLen:varint key entries:varint streamLen:varint stream)*
    ///
    /// `entries` is the number of `(docDelta, tf, positionDelta × tf)` entries in the stream:
    /// the term's document frequency, plus one for each further part of a spilled document.
    func write(to path: String) throws(IndexError) {
        // The UTF-8 keys in one arena (not an array each: a segment may hold a million terms),
        // and the term ids in key order.
        var keys: [UInt8] = []
        var keyStart: [Int] = [0]
        keyStart.reserveCapacity(terms.count + 1)
        for id in 0..<terms.count {
            keys.append(contentsOf: TermKey.encode(terms.key(id)))
            keyStart.append(keys.count)
        }
        var order = [Int32](0..<Int32(terms.count))
        keys.withUnsafeBufferPointer { keys in
            func key(_ id: Int32) -> UnsafeBufferPointer<UInt8> {
                UnsafeBufferPointer(rebasing: keys[keyStart[Int(id)]..<keyStart[Int(id) + 1]])
            }
            order.sort { a, b in
                let c = compareBytes(key(a), key(b))
                return c != 0 ? c < 0 : a < b
            }
        }
        let file = try IndexFileWriter(path: path, kind: .postings, durable: false)
        var out: [UInt8] = []
        VarInt.append(order.count, to: &out)
        var stream: [UInt8] = []
        for term in order {
            let id = Int(term)
            let key = keys[keyStart[id]..<keyStart[id + 1]]
            VarInt.append(key.count, to: &out)
            out.append(contentsOf: key)
            VarInt.append(states[id].entries, to: &out)
            stream.removeAll(keepingCapacity: true)
            pool.read(states[id].stream, into: &stream)
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
