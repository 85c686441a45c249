import Foundation
import KensakuAnalysis
import KensakuCorpus

/// An open index: the manifest and its four files, memory-mapped.
///
/// Opening reads the manifest, maps the files and checks their framing, sizes and the
/// analyzer identity — no file is read whole, so an index opens in milliseconds whatever its
/// size. ``verify()`` also recomputes every checksum. Corrupt bytes met while reading become
/// ``IndexError`` values.
public final class IndexReader {
    public let directory: String
    public let manifest: Manifest
    let terms: MappedFile
    let postings: MappedFile
    public let docs: DocsFileReader
    public let store: DocumentStoreReader
    private let blockCount: Int
    private let termCount: Int
    private let indexOffset: Int
    private let firstKeyOffsetsAt: Int
    private let firstKeysAt: Int
    private let blocksEnd: Int
    /// The first 8 bytes of each dictionary block's first key, big-endian, zero-padded: a
    /// lookup's binary search runs over these (73 KB for laws2013's 9,100 blocks, read once at
    /// open) instead of over the mapped keys, whose every step was a checked read of two offsets
    /// and a key, most of them cache misses. Keys that share the 8 bytes are told apart by the
    /// mapped keys.
    private var firstKeyPrefixes: [UInt64] = []

    /// Opens the index in `directory`. A reader keeps the generation it opened even when a
    /// new build commits meanwhile (unlinked files stay mapped).
    public static func open(directory: String) throws(IndexError) -> IndexReader {
        // A build may commit between reading the manifest and opening its files: retry then.
        var attempt = 0
        while true {
            let manifest = try Manifest.read(directory: directory)
            do {
                return try IndexReader(directory: directory, manifest: manifest)
            } catch .missingFile(let name) {
                attempt += 1
                if attempt >= 3 { throw .missingFile(name) }
            }
        }
    }

    init(directory: String, manifest: Manifest) throws(IndexError) {
        self.directory = directory
        self.manifest = manifest
        guard manifest.analyzer.rulesVersion == AnalyzerSettings.currentRulesVersion else {
            throw .analyzerMismatch("the index was analyzed with rules version \(manifest.analyzer.rulesVersion), this build has \(AnalyzerSettings.currentRulesVersion)")
        }
        guard manifest.icuVersion == ICU.version else {
            throw .analyzerMismatch("the index was built with ICU \(manifest.icuVersion), this machine has ICU \(ICU.version)")
        }
        func open(_ kind: IndexFileKind) throws(IndexError) -> MappedFile {
            let name = Manifest.fileName(generation: manifest.generation, kind)
            guard let entry = manifest.files.first(where: { $0.name == name }) else { throw .manifest("no entry for \(name)") }
            let file = try MappedFile(path: directory + "/" + name, name: name, kind: kind)
            guard file.size == entry.bytes else { throw .sizeMismatch(file: name, expected: entry.bytes, actual: file.size) }
            guard hex(file.storedCRC) == entry.crc32 else {
                throw .checksumMismatch(file: name, expected: UInt32(entry.crc32.dropFirst(2), radix: 16) ?? 0, actual: file.storedCRC)
            }
            return file
        }
        terms = try open(.terms)
        postings = try open(.postings)
        docs = try DocsFileReader(file: open(.docs))
        store = try DocumentStoreReader(file: open(.store))
        guard manifest.fields.indices.allSatisfy({ manifest.fields[$0].number == $0 }) else { throw .manifest("field numbers are not 0, 1, 2, … in order") }
        guard docs.documentCount == manifest.documentCount, store.documentCount == manifest.documentCount,
              docs.fieldCount == manifest.fields.count else {
            throw .manifest("document or field counts disagree with the files")
        }
        let body = terms.body
        guard body.count >= TermDictionary.trailerSize else { throw .truncated(file: terms.name) }
        var trailer = terms.reader(at: body.count - TermDictionary.trailerSize)
        let indexOffset = try trailer.u64()
        blockCount = Int(try trailer.u32())
        termCount = Int(exactly: try trailer.u64()) ?? -1
        guard indexOffset < UInt64(body.count), blockCount <= body.count, termCount == manifest.termCount else {
            throw .corrupt(file: terms.name, offset: body.count - TermDictionary.trailerSize, reason: "bad trailer")
        }
        self.indexOffset = Int(indexOffset)
        blocksEnd = self.indexOffset
        firstKeyOffsetsAt = self.indexOffset + blockCount * 8
        firstKeysAt = firstKeyOffsetsAt + (blockCount + 1) * 4
        guard firstKeysAt <= body.count - TermDictionary.trailerSize else {
            throw .corrupt(file: terms.name, offset: self.indexOffset, reason: "block index past the end")
        }
        var prefixes: [UInt64] = []
        prefixes.reserveCapacity(blockCount)
        for block in 0..<blockCount { prefixes.append(Self.prefix(try firstKey(block))) }
        firstKeyPrefixes = prefixes
    }

    /// A key's first 8 bytes as a big-endian number, zero-padded: keys compare as their
    /// prefixes do, except that equal prefixes leave the order open.
    @inline(__always)
    private static func prefix(_ key: UnsafeRawBufferPointer) -> UInt64 {
        var value: UInt64 = 0
        for i in 0..<8 { value = value << 8 | UInt64(i < key.count ? key[i] : 0) }
        return value
    }

    /// Recomputes every file's checksum. - Complexity: O(index size).
    public func verify() throws(IndexError) {
        for file in [terms, postings, docs.file, store.file] { try file.verifyChecksum() }
        var count = 0
        var previous: [UInt8] = []
        try scan(from: []) { (key, info) throws(IndexError) in
            if count > 0 && compareBytes(previous.withUnsafeBufferPointer { $0 }, key.withUnsafeBufferPointer { $0 }) >= 0 {
                throw .corrupt(file: terms.name, offset: 0, reason: "terms out of order")
            }
            guard info.postingsOffset + info.postingsLength <= postings.body.count else {
                throw .corrupt(file: terms.name, offset: 0, reason: "postings out of range")
            }
            previous = key
            count += 1
            return true
        }
        guard count == termCount else { throw .corrupt(file: terms.name, offset: 0, reason: "\(count) terms, trailer says \(termCount)") }
        try docs.verifyWordBoundaries()
    }

    public var documentCount: Int { manifest.documentCount }

    /// Every number of the indexed text was recognized whole: no field value was cut for
    /// analysis inside a number (``Manifest/forcedCuts`` is 0). A search may then require the
    /// number terms that a literal term's text makes (see `TermMatcher.enclosedNumbers`).
    public var numbersWhole: Bool { manifest.forcedCuts == 0 }

    /// The index holds every trigram of its text that ``Trigrams`` indexes: it was built with
    /// them, and no field value was cut for analysis where a trigram could run across the cut.
    /// A search may then match a term by its trigrams, and a trigram missing from the
    /// dictionary means the term is nowhere in that field.
    public var trigramsWhole: Bool { manifest.trigrams == true && manifest.forcedCuts == 0 }

    /// The index counts every frequent n-gram of its text that ``Ngrams`` counts (built with
    /// them, in this reader's layout, and no value cut for analysis where an n-gram could run
    /// across the cut), up to this many UTF-16 units; nil otherwise (terms are then matched
    /// through their grams, as in an index without counts). A search may then take a term
    /// that is such an n-gram from its count postings (``TermKind/ngramCount``); one the
    /// dictionary lacks is in fewer docs than ``NgramSettings/minDocs``, or none.
    public var ngramsWhole: NgramSettings? {
        manifest.forcedCuts == 0 && manifest.ngrams?.isCurrentLayout == true ? manifest.ngrams : nil
    }

    /// The postings file's name, for errors that point into it.
    public var postingsFileName: String { postings.name }

    public func fieldNumber(_ name: String) -> Int? { manifest.fields.first { $0.spec.name == name }?.number }

    public func averageLength(field: Int) -> Double {
        guard field >= 0, field < manifest.fields.count, documentCount > 0 else { return 1 }
        return max(1, Double(manifest.fields[field].totalLength) / Double(documentCount))
    }

    // MARK: Term dictionary

    private func firstKey(_ block: Int) throws(IndexError) -> UnsafeRawBufferPointer {
        var r = terms.reader(at: firstKeyOffsetsAt + block * 4)
        let start = Int(try r.u32())
        let end = Int(try r.u32())
        guard start <= end, firstKeysAt + end <= terms.body.count - TermDictionary.trailerSize else {
            throw .corrupt(file: terms.name, offset: firstKeyOffsetsAt + block * 4, reason: "first key out of range")
        }
        return UnsafeRawBufferPointer(rebasing: terms.body[(firstKeysAt + start)..<(firstKeysAt + end)])
    }

    private func blockOffset(_ block: Int) throws(IndexError) -> Int {
        var r = terms.reader(at: indexOffset + block * 8)
        let offset = try r.u64()
        guard offset < UInt64(blocksEnd) else { throw .corrupt(file: terms.name, offset: indexOffset + block * 8, reason: "block offset out of range") }
        return Int(offset)
    }

    /// The last block whose first key is ≤ `key` (0 when none).
    private func findBlock(_ key: [UInt8]) throws(IndexError) -> Int {
        let p = key.withUnsafeBytes { Self.prefix($0) }
        // The blocks whose first key's prefix is below the key's start below it; those whose
        // prefix is above start above it; those with the key's prefix are searched by key.
        let (below, equalEnd) = firstKeyPrefixes.withUnsafeBufferPointer { prefixes in
            var lo = 0, hi = prefixes.count
            while lo < hi {
                let mid = (lo + hi) / 2
                if prefixes[mid] < p { lo = mid + 1 } else { hi = mid }
            }
            var end = lo
            hi = prefixes.count
            while end < hi {
                let mid = (end + hi) / 2
                if prefixes[mid] <= p { end = mid + 1 } else { hi = mid }
            }
            return (lo, end)
        }
        // The last block of `below..<equalEnd` whose first key is ≤ the key, else the last below.
        var lo = below - 1, hi = equalEnd - 1
        while lo < hi {
            let mid = (lo + hi + 1) / 2
            let first = try firstKey(mid)
            let c = key.withUnsafeBytes { compareBytes(first, $0) }
            if c <= 0 { lo = mid } else { hi = mid - 1 }
        }
        return max(lo, 0)
    }

    /// Calls `body` with every term ≥ `start` in key order until it returns false.
    public func scan(from start: [UInt8], _ body: ([UInt8], TermInfo) throws(IndexError) -> Bool) throws(IndexError) {
        guard blockCount > 0 else { return }
        var block = try findBlock(start)
        var key: [UInt8] = []
        while block < blockCount {
            var r = terms.reader(at: try blockOffset(block))
            let end = block + 1 < blockCount ? try blockOffset(block + 1) : blocksEnd
            var postingsOffset = try r.varint(max: postings.body.count)
            key.removeAll(keepingCapacity: true)
            var first = true
            while r.offset < end {
                let (shared, suffixLength) = try r.keyLengths(maxShared: key.count)
                if first && shared != 0 { throw r.corrupt("a block's first key shares a prefix") }
                first = false
                key.removeSubrange(shared...)
                key.append(contentsOf: try r.bytes(suffixLength))
                let info = TermInfo(docFreq: try r.varint(max: Int(Int32.max)), totalFreq: try r.varint(max: Int.max),
                                    postingsOffset: postingsOffset, postingsLength: try r.varint(max: postings.body.count))
                postingsOffset = followingPostings(postingsOffset, info.postingsLength)
                if [UInt8].lexicographicallyLess(key, start) { continue }
                if try !body(key, info) { return }
            }
            block += 1
        }
    }

    /// Where the postings of the term after one at `offset` with `length` bytes start (a block's
    /// postings are contiguous: see `TermDictionary`), capped just past the body (an offset
    /// there is refused when used): a corrupt block of many entries cannot overflow the sum.
    @inline(__always)
    private func followingPostings(_ offset: Int, _ length: Int) -> Int {
        min(offset + length, postings.body.count + 1)
    }

    /// The term's info, or nil. - Complexity: O(log blocks + block size).
    ///
    /// Compares the key against the block's prefix-compressed entries in place, never
    /// materializing a term: `matched` is how many leading bytes of the current term equal the
    /// key's, and an entry sharing fewer bytes than that with its predecessor is already
    /// greater than the key (terms are sorted), which ends the search.
    public func lookup(_ key: [UInt8]) throws(IndexError) -> TermInfo? {
        guard blockCount > 0 else { return nil }
        let block = try findBlock(key)
        var r = terms.reader(at: try blockOffset(block))
        let end = block + 1 < blockCount ? try blockOffset(block + 1) : blocksEnd
        var postingsOffset = try r.varint(max: postings.body.count)
        var matched = 0  // leading bytes of the current term equal to the key's
        var termLength = 0
        var first = true
        return try key.withUnsafeBufferPointer { (k) throws(IndexError) -> TermInfo? in
            while r.offset < end {
                let (shared, suffixLength) = try r.keyLengths(maxShared: termLength)
                if first && shared != 0 { throw r.corrupt("a block's first key shares a prefix") }
                first = false
                let suffix = try r.bytes(suffixLength)
                termLength = shared + suffix.count
                if shared < matched { return nil }  // diverges upward where the previous term equalled the key
                if shared == matched {
                    // Extend the match through the suffix.
                    var i = 0
                    while i < suffix.count && matched < k.count && suffix[i] == k[matched] {
                        i += 1
                        matched += 1
                    }
                    if i < suffix.count {
                        // The term is longer than the key, or differs at byte `matched`.
                        if matched == k.count || suffix[i] > k[matched] { return nil }
                    } else if matched == k.count {
                        return TermInfo(docFreq: try r.varint(max: Int(Int32.max)), totalFreq: try r.varint(max: Int.max),
                                        postingsOffset: postingsOffset, postingsLength: try r.varint(max: postings.body.count))
                    }
                }
                // shared > matched: the term is below the key where its predecessor was; skip it.
                _ = try r.varint()
                _ = try r.varint()
                postingsOffset = followingPostings(postingsOffset, try r.varint(max: postings.body.count))
            }
            return nil
        }
    }

    /// Every term that starts with `prefix`, in key order.
    public func terms(withPrefix prefix: [UInt8]) throws(IndexError) -> [([UInt8], TermInfo)] {
        var result: [([UInt8], TermInfo)] = []
        try scan(from: prefix) { (key, info) throws(IndexError) in
            guard key.starts(with: prefix) else { return false }
            result.append((key, info))
            return true
        }
        return result
    }

    /// A cursor over a term's postings.
    public func postings(_ info: TermInfo) throws(IndexError) -> PostingsCursor {
        guard info.postingsOffset + info.postingsLength <= postings.body.count else {
            throw .corrupt(file: postings.name, offset: info.postingsOffset, reason: "postings out of range")
        }
        let slice = UnsafeRawBufferPointer(rebasing: postings.body[info.postingsOffset..<(info.postingsOffset + info.postingsLength)])
        return try PostingsCursor(slice, docFreq: info.docFreq, totalFreq: info.totalFreq, file: postings.name, fileOffset: info.postingsOffset,
                                  documentCount: documentCount)
    }
}
