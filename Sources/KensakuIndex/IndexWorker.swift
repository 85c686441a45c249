import Foundation
import KensakuAnalysis
import CKensakuZ
import KensakuCorpus

struct IndexableField: Sendable {
    var number: Int
    var spec: FieldSpec
    var values: [String]
}

struct IndexableDocument: Sendable {
    var number: UInt32
    var fields: [IndexableField]
}

/// What a worker records of one field of one document.
struct DocumentFieldData {
    var field: Int
    /// Grams in the field (its BM25 length).
    var length: UInt32
    /// The field's word-boundary bitmap: `boundsCount` bytes at body offset `boundsOffset`
    /// of the worker's bounds file.
    var boundsOffset: Int
    var boundsCount: Int
    /// With n-grams (``IndexBuildOptions/ngrams``): the field's normalized text, `unitsCount`
    /// UTF-16 units at body offset `unitsOffset` of the worker's text file (values `valueGap`
    /// spaces apart, as their positions are); 0 units otherwise.
    var unitsOffset: Int = 0
    var unitsCount: Int = 0
}

/// Positions of two values of one multi-valued field are this far apart, so that a phrase
/// never matches across values.
let valueGap = 64

/// The canonical form of a keyword value (filters and facets): analyzer normalization of the
/// trimmed value.
public func normalizeKeyword(_ value: String, analyzer: Analyzer) -> String {
    analyzer.normalize(value.trimmingCharacters(in: .whitespacesAndNewlines)).string
}

/// A bounded, blocking queue of document batches between the reading thread and the workers.
/// It holds at most `capacity` batches and, unless it is empty, at most `byteCapacity` bytes of
/// text, so that a corpus of huge documents does not pile them up in memory.
final class BatchQueue: @unchecked Sendable {
    /// Text bytes queued beyond which `put` waits (normal batches are about 1 MB).
    static let defaultByteCapacity = 64 << 20
    private let condition = NSCondition()
    private var items: [(batch: [IndexableDocument], bytes: Int)] = []
    private var queuedBytes = 0
    private var closed = false
    private var failedFlag = false
    private let capacity: Int
    private let byteCapacity: Int

    init(capacity: Int, byteCapacity: Int = BatchQueue.defaultByteCapacity) {
        self.capacity = capacity
        self.byteCapacity = byteCapacity
    }

    /// Queues a batch of `bytes` bytes of text, waiting for room.
    func put(_ batch: [IndexableDocument], bytes: Int = 0) {
        condition.lock()
        while !failedFlag && (items.count >= capacity || (!items.isEmpty && queuedBytes + bytes > byteCapacity)) { condition.wait() }
        if !failedFlag {
            items.append((batch, bytes))
            queuedBytes += bytes
        }
        condition.broadcast()
        condition.unlock()
    }

    /// The next batch, or nil once the queue is closed and drained (or failed).
    func take() -> [IndexableDocument]? {
        condition.lock()
        defer { condition.unlock() }
        while items.isEmpty && !closed && !failedFlag { condition.wait() }
        if failedFlag || items.isEmpty { return nil }
        condition.broadcast()
        let item = items.removeFirst()
        queuedBytes -= item.bytes
        return item.batch
    }

    func close() {
        condition.lock()
        closed = true
        condition.broadcast()
        condition.unlock()
    }

    /// Stops everything after a worker failed.
    func fail() {
        condition.lock()
        failedFlag = true
        items.removeAll()
        queuedBytes = 0
        condition.broadcast()
        condition.unlock()
    }

    var failed: Bool {
        condition.lock()
        defer { condition.unlock() }
        return failedFlag
    }
}

final class AtomicFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var flag = false
    var value: Bool {
        get { lock.withLock { flag } }
        set { lock.withLock { flag = newValue } }
    }
}

/// One indexing thread: analyzes documents and inverts them into in-memory segments,
/// flushing a segment file whenever its memory budget fills. Its state is read by the
/// builder only after `finished` is set.
final class IndexWorker: @unchecked Sendable {
    let number: Int
    private let queue: BatchQueue
    private let temporary: String
    private let budget: Int
    /// Field values longer than this (UTF-8 bytes) are analyzed in pieces of about this size.
    private let chunkBytes: Int
    private let analyzer: Analyzer
    private var segment = InMemorySegment()
    private(set) var segmentPaths: [String] = []
    /// Per document, per field: its length and where its word boundaries are in `boundsPath`.
    private(set) var fieldData: [(UInt32, [DocumentFieldData])] = []
    /// Word-boundary bitmaps of the documents, in the order indexed (read by the builder).
    let boundsPath: String
    private let boundsFile: IndexFileWriter
    private var boundaries = WordBoundaryBuilder()
    /// The normalized text of the analyzed fields, for the n-gram pass (``NgramMiner``): written
    /// only when the build indexes n-grams.
    let textPath: String
    private let textFile: IndexFileWriter?
    private(set) var failure: Error?
    let finished = AtomicFlag()

    init(number: Int, queue: BatchQueue, temporary: String, budget: Int, chunkBytes: Int = AnalysisChunks.defaultBytes,
         settings: AnalyzerSettings, memo: SharedSegmentMemo? = nil, trigrams: Bool = false, keepText: Bool = false) throws {
        self.number = number
        self.trigrams = trigrams
        self.queue = queue
        self.temporary = temporary
        self.budget = budget
        self.chunkBytes = max(1, chunkBytes)
        analyzer = try Analyzer(settings: settings, sharedMemo: memo)
        boundsPath = temporary + "/bounds-\(number)"
        boundsFile = try IndexFileWriter(path: boundsPath, kind: .docs, durable: false)
        textPath = temporary + "/text-\(number)"
        textFile = keepText ? try IndexFileWriter(path: textPath, kind: .docs, durable: false) : nil
    }

    var memoStatistics: (hits: Int, misses: Int) { analyzer.memoStatistics }
    /// Pieces of very large values cut where no clean cut was in reach (see
    /// ``AnalysisChunks/isClean(_:cut:)``). Read once the worker has finished.
    private(set) var forcedCuts = 0
    /// Index trigrams too (``IndexBuildOptions/trigrams``).
    private let trigrams: Bool

    func run() {
        defer { finished.value = true }
        do {
            while let batch = queue.take() {
                for document in batch { try index(document) }
                if segment.memoryBytes >= budget { try flush() }
            }
            if !queue.failed {
                try flush()
                try boundsFile.finish()
                try textFile?.finish()
            }
            segment.release()
        } catch {
            segment.release()
            failure = error
            queue.fail()
        }
    }

    private func flush() throws {
        let path = temporary + "/segment-\(number)-\(segmentPaths.count)"
        guard try segment.flush(to: path) else { return }
        segmentPaths.append(path)
        // Give the freed pool back to the system rather than keep it in malloc's free lists.
        kk_release_free_memory()
    }

    private struct Prefixes {
        var gram: UInt16
        var trigram: UInt16
        var number: UInt16
    }

    private func index(_ document: IndexableDocument) throws {
        var docData: [DocumentFieldData] = []
        for field in document.fields {
            var base = 0
            var length = 0
            boundaries.reset()
            let unitsOffset = (textFile?.position ?? IndexFormat.headerSize) - IndexFormat.headerSize
            if field.spec.analyzed {
                let prefixes = Prefixes(gram: InMemorySegment.prefix(field: field.number, kind: .gram),
                                        trigram: InMemorySegment.prefix(field: field.number, kind: .trigram),
                                        number: InMemorySegment.prefix(field: field.number, kind: .number))
                for value in field.values {
                    var copy = value
                    let (units, grams) = try copy.withUTF8 { bytes throws -> (Int, Int) in
                        if bytes.count > chunkBytes { return try indexInPieces(bytes, base: base, prefixes, doc: document.number) }
                        let analyzed = try analyzer.analyze(utf8: bytes, offsets: false)
                        add(analyzed, base: base, prefixes, grams: analyzed.grams.count)
                        try writeText(analyzed.text.units)
                        return (analyzed.text.units.count, analyzed.grams.count)
                    }
                    length += grams
                    base += units + valueGap
                    try writeText(gap: true)
                }
            }
            if field.spec.keyword {
                let prefix = InMemorySegment.prefix(field: field.number, kind: .keyword)
                for value in field.values {
                    let units = Array(normalizeKeyword(value, analyzer: analyzer).utf16)
                    guard !units.isEmpty else { continue }
                    units.withUnsafeBufferPointer { segment.add(prefix: prefix, $0, position: 0) }
                }
            }
            let boundsOffset = boundsFile.position - IndexFormat.headerSize
            try boundsFile.write(boundaries.bytes)
            docData.append(DocumentFieldData(field: field.number, length: UInt32(min(length, Int(UInt32.max))),
                                             boundsOffset: boundsOffset, boundsCount: boundaries.bytes.count,
                                             unitsOffset: unitsOffset, unitsCount: textFile == nil ? 0 : base))
        }
        fieldData.append((document.number, docData))
        segment.endDocument(document.number)
    }

    /// Appends normalized text to the text file (when the build keeps it): `units`, or with
    /// `gap` the `valueGap` spaces that follow a value.
    private func writeText(_ units: [UInt16] = [], gap: Bool = false) throws {
        guard let textFile else { return }
        if gap {
            try Self.gapBytes.withUnsafeBytes { try textFile.write($0) }
        } else {
            try units.withUnsafeBytes { try textFile.write($0) }
        }
    }

    private static let gapBytes = [UInt16](repeating: 0x20, count: valueGap)

    /// Adds the word boundaries, the first `grams` grams, their trigrams (``Trigrams``) and the
    /// numbers of an analyzed text whose normalized text starts at position `base` of the field.
    private func add(_ analyzed: AnalyzedText, base: Int, _ prefixes: Prefixes, grams: Int) {
        for token in analyzed.words {
            boundaries.mark(base + Int(token.start))
            boundaries.mark(base + Int(token.end))
        }
        analyzed.text.units.withUnsafeBufferPointer { units in
            for token in analyzed.grams[0..<grams] {
                segment.add(prefix: prefixes.gram, UnsafeBufferPointer(rebasing: units[Int(token.start)..<Int(token.end)]),
                            position: UInt32(base + Int(token.start)))
            }
            guard trigrams else { return }
            Trigrams.forEach(in: analyzed.grams[0..<grams], units: units) { start, end in
                segment.add(prefix: prefixes.trigram, UnsafeBufferPointer(rebasing: units[start..<end]), position: UInt32(base + start))
            }
        }
        for number in analyzed.numbers {
            let term = Array(TermKey.numberTerm(value: number.value, length: Int(number.end - number.start)).utf16)
            term.withUnsafeBufferPointer {
                segment.add(prefix: prefixes.number, $0, position: UInt32(base + Int(number.start)))
            }
        }
    }

    /// Analyzes and inverts a very large value in pieces cut by ``AnalysisChunks`` (about
    /// ``chunkBytes`` each), so that the analyzer's buffers and the document's buffered
    /// occurrences stay bounded: after each piece the occurrences are spilled into the
    /// postings pool as a part of the document, and the segment is flushed when its budget is
    /// full. The terms and positions are those of analyzing the value in one piece: positions
    /// go on from piece to piece, and the one gram that crosses a cut (the boundary character
    /// and the first character after it, `。X`) is held back from the piece before the cut,
    /// where the analyzer saw only a unigram, and added once the next piece is analyzed.
    /// - Returns: the length of the value's normalized text (UTF-16 units) and its gram count.
    private func indexInPieces(_ bytes: UnsafeBufferPointer<UInt8>, base: Int, _ prefixes: Prefixes, doc: UInt32) throws -> (Int, Int) {
        var start = 0
        var pieceBase = base
        var grams = 0
        // The last gram of the previous piece, a unigram whose run goes on in this piece.
        var held: (position: UInt32, units: [UInt16])?
        while start < bytes.count {
            let end = AnalysisChunks.pieceEnd(bytes, from: start, target: chunkBytes)
            if !AnalysisChunks.isClean(bytes, cut: end) { forcedCuts += 1 }
            let analyzed = try analyzer.analyze(utf8: UnsafeBufferPointer(rebasing: bytes[start..<end]), offsets: false)
            let units = analyzed.text.units
            let n = units.count
            if let gram = held {
                var term = gram.units
                // A piece whose first gram starts at 0 starts with a non-space character: the
                // held unigram is really the bigram of the boundary character and that one.
                if let first = analyzed.grams.first, first.start == 0 {
                    let high = (0xD800...0xDBFF).contains(units[0]) && n > 1 && (0xDC00...0xDFFF).contains(units[1])
                    term.append(contentsOf: units[0..<(high ? 2 : 1)])
                }
                term.withUnsafeBufferPointer { segment.add(prefix: prefixes.gram, $0, position: gram.position) }
                held = nil
            }
            var kept = analyzed.grams.count
            if end < bytes.count, let last = analyzed.grams.last, Int(last.end) == n {
                held = (UInt32(pieceBase + Int(last.start)), Array(units[Int(last.start)..<n]))
                kept -= 1
            }
            add(analyzed, base: pieceBase, prefixes, grams: kept)
            try writeText(units)
            grams += analyzed.grams.count
            pieceBase += n
            start = end
            segment.spill(doc)
            if segment.memoryBytes >= budget { try flush() }
        }
        return (pieceBase - base, grams)
    }
}
