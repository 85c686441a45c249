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

/// Positions of two values of one multi-valued field are this far apart, so that a phrase
/// never matches across values.
let valueGap = 64

/// The canonical form of a keyword value (filters and facets): analyzer normalization of the
/// trimmed value.
public func normalizeKeyword(_ value: String, analyzer: Analyzer) -> String {
    analyzer.normalize(value.trimmingCharacters(in: .whitespacesAndNewlines)).string
}

/// A bounded, blocking queue of document batches between the reading thread and the workers.
final class BatchQueue: @unchecked Sendable {
    private let condition = NSCondition()
    private var items: [[IndexableDocument]] = []
    private var closed = false
    private var failedFlag = false
    private let capacity: Int

    init(capacity: Int) { self.capacity = capacity }

    func put(_ batch: [IndexableDocument]) {
        condition.lock()
        while items.count >= capacity && !failedFlag { condition.wait() }
        if !failedFlag { items.append(batch) }
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
        return items.removeFirst()
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
    private let analyzer: Analyzer
    private var segment = InMemorySegment()
    private(set) var segmentPaths: [String] = []
    private(set) var lengths: [(UInt32, [(Int, UInt32)])] = []
    private(set) var failure: Error?
    let finished = AtomicFlag()

    init(number: Int, queue: BatchQueue, temporary: String, budget: Int, settings: AnalyzerSettings) throws(AnalysisError) {
        self.number = number
        self.queue = queue
        self.temporary = temporary
        self.budget = budget
        analyzer = try Analyzer(settings: settings)
    }

    var memoStatistics: (hits: Int, misses: Int) { analyzer.memoStatistics }

    func run() {
        defer { finished.value = true }
        do {
            while let batch = queue.take() {
                for document in batch { try index(document) }
                if segment.memoryBytes >= budget { try flush() }
            }
            if !queue.failed { try flush() }
            segment.release()
        } catch {
            segment.release()
            failure = error
            queue.fail()
        }
    }

    private func flush() throws {
        guard !segment.isEmpty else { return }
        let path = temporary + "/segment-\(number)-\(segmentPaths.count)"
        try segment.write(to: path)
        segmentPaths.append(path)
        segment.release()
        segment = InMemorySegment()
        // Give the freed pool back to the system rather than keep it in malloc's free lists.
        kk_release_free_memory()
    }

    private func index(_ document: IndexableDocument) throws {
        var docLengths: [(Int, UInt32)] = []
        for field in document.fields {
            var base = 0
            var length = 0
            if field.spec.analyzed {
                let wordPrefix = InMemorySegment.prefix(field: field.number, kind: .word)
                let gramPrefix = InMemorySegment.prefix(field: field.number, kind: .gram)
                let numberPrefix = InMemorySegment.prefix(field: field.number, kind: .number)
                for value in field.values {
                    var copy = value
                    let analyzed = try copy.withUTF8 { bytes in try analyzer.analyze(utf8: bytes, offsets: false) }
                    analyzed.text.units.withUnsafeBufferPointer { units in
                        for token in analyzed.words {
                            segment.add(prefix: wordPrefix, UnsafeBufferPointer(rebasing: units[Int(token.start)..<Int(token.end)]),
                                        position: UInt32(base + Int(token.start)))
                        }
                        for token in analyzed.grams {
                            segment.add(prefix: gramPrefix, UnsafeBufferPointer(rebasing: units[Int(token.start)..<Int(token.end)]),
                                        position: UInt32(base + Int(token.start)))
                        }
                    }
                    for number in analyzed.numbers {
                        let term = Array(TermKey.numberTerm(value: number.value, length: Int(number.end - number.start)).utf16)
                        term.withUnsafeBufferPointer {
                            segment.add(prefix: numberPrefix, $0, position: UInt32(base + Int(number.start)))
                        }
                    }
                    length += analyzed.grams.count
                    base += analyzed.text.units.count + valueGap
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
            docLengths.append((field.number, UInt32(min(length, Int(UInt32.max)))))
        }
        lengths.append((document.number, docLengths))
        segment.endDocument(document.number)
    }
}
