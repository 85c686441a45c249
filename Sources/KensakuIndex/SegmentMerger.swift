import Foundation

/// Merges the temporary segments of a build into the final term dictionary and postings.
///
/// Segments come from different threads, so one term's postings interleave by doc id across
/// segments: each term's streams are decoded and merged by doc id, then re-encoded in the
/// final block format (``PostingsEncoder``). - Complexity: O(total postings · log segments).
/// With two threads, each merges one of two key ranges (cut where the largest segment's bytes
/// are half read); the second range's postings go to a temporary file that is then appended,
/// its dictionary entries shifted by the first range's bytes: the same files as one thread.
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
        /// Give the pages behind the cursor back to the kernel (not while skipping the keys
        /// of a range another thread is merging).
        var dropsPages = true
        /// Bytes read between two drops. Every segment has a cursor on each merging thread, so
        /// up to 2 × segments × this many bytes of them are resident at once: at 16 MB, a
        /// laws2013 build with trigrams peaked at 728 MB with 18 segments and 588 MB with 8.
        static let dropBytes = 2 << 20

        mutating func advance() throws(IndexError) -> Bool {
            if dropsPages && reader.offset - dropped > Self.dropBytes {
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
        /// Scratch, longer than needed: entry `i`'s positions are
        /// `positions[positionStart[i] ..< positionStart[i] + freqs[i]]`.
        var positions: [UInt32] = []

        mutating func decode(_ stream: UnsafeRawBufferPointer, entries: Int, file: String) throws(IndexError) {
            docs.removeAll(keepingCapacity: true)
            freqs.removeAll(keepingCapacity: true)
            positionStart.removeAll(keepingCapacity: true)
            docs.reserveCapacity(entries)
            freqs.reserveCapacity(entries)
            positionStart.reserveCapacity(entries)
            // A position takes at least one byte of the stream: its length bounds their number.
            if positions.count < stream.count {
                positions = [UInt32](repeating: 0, count: stream.count)
            }
            var r = ByteReader(stream, file: file)
            var doc: UInt32 = 0
            var count = 0
            try positions.withUnsafeMutableBufferPointer { (out) throws(IndexError) in
                for _ in 0..<entries {
                    doc &+= UInt32(truncatingIfNeeded: try r.varint())
                    let tf = try r.varint(max: 1 << 30)
                    guard tf <= out.count - count else { throw r.corrupt("\(tf) positions in what is left of a \(stream.count)-byte stream") }
                    docs.append(doc)
                    freqs.append(UInt32(tf))
                    positionStart.append(count)
                    var position: UInt32 = 0
                    for _ in 0..<tf {
                        position &+= UInt32(truncatingIfNeeded: try r.varint())
                        out[count] = position
                        count += 1
                    }
                }
            }
        }
    }

    /// The merged terms of one key range: keys (in an arena) and their dictionary entries,
    /// postings offsets relative to the range's first byte.
    fileprivate struct RangeOutput {
        var keys: [UInt8] = []
        var keyEnds: [Int] = []
        var infos: [TermInfo] = []
        var bytes = 0
    }

    /// Merges the segments into the term dictionary at `termsPath` and the postings at
    /// `postingsPath`. With `threads` > 1, the key space is cut in two at a key that splits the
    /// largest segment's postings in half; the second half is merged at the same time into a
    /// file of `temporary` and then appended. The files are the same either way.
    static func merge(segments: [String], lengths: [[UInt32]], termsPath: String, postingsPath: String, temporary: String,
                      threads: Int = 2, splitMinimumBytes: Int = 4 << 20) throws(IndexError) -> (terms: Int, termsFile: (size: Int, crc: UInt32), postingsFile: (size: Int, crc: UInt32)) {
        let files = try segments.enumerated().map { (i, path) throws(IndexError) in
            try MappedFile(path: path, name: "segment \(i)", kind: .postings)
        }
        let postings = try IndexFileWriter(path: postingsPath, kind: .postings)
        let split = threads > 1 ? try splitKey(files, minimumBytes: splitMinimumBytes) : nil
        var first = RangeOutput()
        var second = RangeOutput()
        if let split {
            let secondPath = temporary + "/postings-second-half"
            let box = MergeBox()
            let thread = Thread {
                box.result = Result { () throws(IndexError) -> RangeOutput in
                    let writer = try IndexFileWriter(path: secondPath, kind: .postings, durable: false)
                    let output = try mergeRange(files, from: split, to: nil, lengths: lengths, into: writer)
                    try writer.finish()
                    return output
                }
                box.done.signal()
            }
            thread.stackSize = 8 << 20
            thread.start()
            let firstResult = Result { () throws(IndexError) -> RangeOutput in try mergeRange(files, from: nil, to: split, lengths: lengths, into: postings) }
            box.done.wait()
            first = try firstResult.get()
            second = try box.result!.get()
            // Append the second half's body.
            let part = try MappedFile(path: secondPath, name: "postings (second half)", kind: .postings)
            guard part.body.count == second.bytes else { throw .corrupt(file: part.name, offset: 0, reason: "size disagrees with the merge") }
            var offset = 0
            while offset < part.body.count {
                let end = min(part.body.count, offset + (8 << 20))
                try postings.write(UnsafeRawBufferPointer(rebasing: part.body[offset..<end]))
                part.dropPages(before: end)
                offset = end
            }
        } else {
            first = try mergeRange(files, from: nil, to: nil, lengths: lengths, into: postings)
        }
        var dictionary = try TermDictionaryWriter(path: termsPath)
        for (range, shift) in [(first, 0), (second, first.bytes)] {
            var keyStart = 0
            for (k, info) in range.infos.enumerated() {
                var shifted = info
                shifted.postingsOffset += shift
                try dictionary.add(key: Array(range.keys[keyStart..<range.keyEnds[k]]), info: shifted)
                keyStart = range.keyEnds[k]
            }
        }
        let termsFile = try dictionary.finish()
        let postingsFile = try postings.finish()
        return (dictionary.terms, termsFile, postingsFile)
    }

    /// A key that cuts the largest segment's postings bytes about in half (nil when the
    /// largest segment is not over `minimumBytes`: not worth two threads).
    private static func splitKey(_ files: [MappedFile], minimumBytes: Int) throws(IndexError) -> [UInt8]? {
        guard let largest = files.max(by: { $0.body.count < $1.body.count }), largest.body.count > minimumBytes else { return nil }
        var cursor = try Cursor(file: largest)
        var seen = 0
        while try cursor.advance() {
            seen += cursor.stream.count + cursor.key.count
            if seen >= largest.body.count / 2 { return Array(cursor.key) }
        }
        return nil
    }

    /// Merges the terms with keys in `[lower, upper)` (nil: unbounded) into `writer`.
    private static func mergeRange(_ files: [MappedFile], from lower: [UInt8]?, to upper: [UInt8]?, lengths: [[UInt32]],
                                   into writer: IndexFileWriter) throws(IndexError) -> RangeOutput {
        var cursors: [Cursor] = []
        for file in files {
            var cursor = try Cursor(file: file)
            var more = try cursor.advance()
            if let lower {
                cursor.dropsPages = false
                while more, lower.withUnsafeBytes({ compareBytes(cursor.key, $0) }) < 0 { more = try cursor.advance() }
                cursor.dropsPages = true
                cursor.dropped = cursor.reader.offset
            }
            if more { cursors.append(cursor) }
        }
        var output = RangeOutput()
        var encoder = PostingsEncoder()
        var decoded = [Decoded](repeating: Decoded(), count: cursors.count)
        var out: [UInt8] = []
        var docs: [UInt32] = [], freqs: [UInt32] = [], positions: [UInt32] = []
        var active = Array(0..<cursors.count)
        let emptyLengths: [UInt32] = []
        while !active.isEmpty {
            // The smallest key among the active cursors, and every cursor that has it.
            var smallest = active[0]
            for c in active.dropFirst() where compareBytes(cursors[c].key, cursors[smallest].key) < 0 { smallest = c }
            if let upper, upper.withUnsafeBytes({ compareBytes(cursors[smallest].key, $0) }) >= 0 { break }
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
            output.infos.append(TermInfo(docFreq: docs.count, totalFreq: positions.count, postingsOffset: output.bytes, postingsLength: out.count))
            output.keys.append(contentsOf: key)
            output.keyEnds.append(output.keys.count)
            try writer.write(out)
            output.bytes += out.count
            for c in holders {
                if try !cursors[c].advance() { active.removeAll { $0 == c } }
            }
        }
        return output
    }
}

/// The second merge thread's result, handed back to the first.
fileprivate final class MergeBox: @unchecked Sendable {
    var result: Result<SegmentMerger.RangeOutput, IndexError>?
    let done = DispatchSemaphore(value: 0)
}
