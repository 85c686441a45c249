/// Merges the temporary segments of a build into the final term dictionary and postings.
///
/// Segments come from different threads, so one term's postings interleave by doc id across
/// segments: each term's streams are decoded and merged by doc id, then re-encoded in the
/// final block format (``PostingsEncoder``). - Complexity: O(total postings · log segments).
///
/// A very large document comes in parts (see ``InMemorySegment/spill(_:)``): several
/// consecutive entries for one doc, in one segment or in consecutive segments of the thread
/// that indexed it. Entries of equal docs are taken in segment order and joined into one
/// posting (frequencies added, positions concatenated, still increasing), so the result is
/// the same as if the document had been inverted in one piece.
struct SegmentMerger {
    private struct Cursor {
        let file: MappedFile
        var reader: ByteReader
        var remaining: Int
        var key: UnsafeRawBufferPointer = UnsafeRawBufferPointer(start: nil, count: 0)
        /// Entries in the term's stream (documents, and further parts of spilled documents).
        var entries = 0
        var stream: UnsafeRawBufferPointer = UnsafeRawBufferPointer(start: nil, count: 0)

        init(file: MappedFile) throws(IndexError) {
            self.file = file
            reader = file.reader()
            remaining = try reader.varint(max: Int(Int32.max))
        }

        var dropped = 0

        mutating func advance() throws(IndexError) -> Bool {
            if reader.offset - dropped > 16 << 20 {
                file.dropPages(before: reader.offset)
                dropped = reader.offset
            }
            guard remaining > 0 else { return false }
            remaining -= 1
            let keyLength = try reader.varint(max: 1 << 16)
            key = try reader.bytes(keyLength)
            entries = try reader.varint(max: Int(Int32.max))
            let streamLength = try reader.varint(max: reader.remaining)
            stream = try reader.bytes(streamLength)
            return true
        }
    }

    /// Decoded postings of one term from one segment.
    private struct Decoded {
        var docs: [UInt32] = []
        var freqs: [UInt32] = []
        var positionStart: [Int] = []
        var positions: [UInt32] = []

        mutating func decode(_ stream: UnsafeRawBufferPointer, entries: Int, file: String) throws(IndexError) {
            docs.removeAll(keepingCapacity: true)
            freqs.removeAll(keepingCapacity: true)
            positionStart.removeAll(keepingCapacity: true)
            positions.removeAll(keepingCapacity: true)
            var r = ByteReader(stream, file: file)
            var doc: UInt32 = 0
            for _ in 0..<entries {
                doc &+= UInt32(truncatingIfNeeded: try r.varint())
                let tf = try r.varint(max: 1 << 30)
                docs.append(doc)
                freqs.append(UInt32(tf))
                positionStart.append(positions.count)
                var position: UInt32 = 0
                for _ in 0..<tf {
                    position &+= UInt32(truncatingIfNeeded: try r.varint())
                    positions.append(position)
                }
            }
        }
    }

    static func merge(segments: [String], lengths: [[UInt32]], termsPath: String, postingsPath: String) throws(IndexError) -> (terms: Int, termsFile: (size: Int, crc: UInt32), postingsFile: (size: Int, crc: UInt32)) {
        var cursors: [Cursor] = []
        for (i, path) in segments.enumerated() {
            var cursor = try Cursor(file: MappedFile(path: path, name: "segment \(i)", kind: .postings))
            if try cursor.advance() { cursors.append(cursor) }
        }
        var dictionary = try TermDictionaryWriter(path: termsPath)
        let postings = try IndexFileWriter(path: postingsPath, kind: .postings)
        var encoder = PostingsEncoder()
        var decoded = [Decoded](repeating: Decoded(), count: cursors.count)
        var out: [UInt8] = []
        var docs: [UInt32] = [], freqs: [UInt32] = [], positions: [UInt32] = []
        var postingsWritten = 0
        var active = Array(0..<cursors.count)
        let emptyLengths: [UInt32] = []
        while !active.isEmpty {
            // The smallest key among the active cursors, and every cursor that has it.
            var smallest = active[0]
            for c in active.dropFirst() where compareBytes(cursors[c].key, cursors[smallest].key) < 0 { smallest = c }
            let key = Array(cursors[smallest].key)
            let holders = active.filter { compareBytes(cursors[$0].key, cursors[smallest].key) == 0 }
            for c in holders {
                try decoded[c].decode(cursors[c].stream, entries: cursors[c].entries, file: cursors[c].file.name)
            }
            docs.removeAll(keepingCapacity: true)
            freqs.removeAll(keepingCapacity: true)
            positions.removeAll(keepingCapacity: true)
            var heads = [Int](repeating: 0, count: cursors.count)
            while true {
                var best = -1
                var bestDoc = UInt32.max
                for c in holders where heads[c] < decoded[c].docs.count && decoded[c].docs[heads[c]] < bestDoc {
                    best = c
                    bestDoc = decoded[c].docs[heads[c]]
                }
                if best < 0 { break }
                let i = heads[best]
                let tf = decoded[best].freqs[i]
                if let last = docs.last, last == bestDoc {
                    // A further part of a spilled document: ties go to the earlier segment, so
                    // parts come in order and positions keep increasing.
                    freqs[freqs.count - 1] += tf
                } else {
                    docs.append(bestDoc)
                    freqs.append(tf)
                }
                let start = decoded[best].positionStart[i]
                positions.append(contentsOf: decoded[best].positions[start..<start + Int(tf)])
                heads[best] += 1
            }
            let field = Int(key[0])
            out.removeAll(keepingCapacity: true)
            let fieldLengths = field < lengths.count ? lengths[field] : emptyLengths
            fieldLengths.withUnsafeBufferPointer { l in
                encoder.encode(docs: docs, freqs: freqs, positions: positions, lengths: l, into: &out)
            }
            let info = TermInfo(docFreq: docs.count, totalFreq: positions.count, postingsOffset: postingsWritten, postingsLength: out.count)
            try postings.write(out)
            postingsWritten += out.count
            try dictionary.add(key: key, info: info)
            for c in holders {
                if try !cursors[c].advance() { active.removeAll { $0 == c } }
            }
        }
        let termsFile = try dictionary.finish()
        let postingsFile = try postings.finish()
        return (dictionary.terms, termsFile, postingsFile)
    }
}
