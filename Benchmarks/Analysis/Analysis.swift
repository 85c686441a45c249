// Analysis throughput on the first 50 MB of law text (laws2013 bodies).
//
//     swift package --scratch-path .build-bench benchmark --target Analysis
//
// The corpus is read from `../shared/corpus/laws2013.main.jsonl.zst` beside the repository
// (or from $KENSAKU_BENCH_CORPUS), decompressed with `zstd -dc`. Loading is done in each
// benchmark's setup hook and is not timed.
//
// The 50 MB are cut into 50 batches of 1 MB (10^6 bytes of UTF-8; a document may be cut
// between two batches), and each benchmark iteration analyzes the next batch with analyzers
// that live for the whole run, as in an indexer streaming documents. One iteration is one MB,
// so **throughput (# per second) reads as MB/s**; 50 iterations make one pass over the text.
// At the end each benchmark prints its overall speed (total bytes over total measured wall
// time) and its speed per CPU-second (total bytes over the process CPU time of the measured
// regions), which stays meaningful when other work shares the machine.
//
// The analyzer is called as the index builder calls it (`offsets: false`: terms and positions
// without the map back to source bytes, which only snippets and highlights need).
//
// Besides the analyzer on one and two threads, two references: raw ICU on one thread (every
// document whole, nothing else), and the ceiling of memoization: ICU alone, on two threads, on
// only the text that a memo shared by both threads and never cleared would leave it. No
// analyzer built on ICU and exact-repeat memoization can beat the ceiling here.

import Benchmark
import Foundation
import KensakuAnalysis

/// How much body text the benchmarks analyze, in UTF-8 bytes.
let corpusBytes = 50_000_000

let corpusURL: URL = {
    if let path = ProcessInfo.processInfo.environment["KENSAKU_BENCH_CORPUS"], !path.isEmpty {
        return URL(fileURLWithPath: path)
    }
    return URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // Analysis
        .deletingLastPathComponent()  // Benchmarks
        .deletingLastPathComponent()  // repository
        .deletingLastPathComponent()  // beside it
        .appendingPathComponent("shared/corpus/laws2013.main.jsonl.zst")
}()

enum CorpusError: Error, CustomStringConvertible {
    case zstd(String)
    case empty
    var description: String {
        switch self {
        case .zstd(let message): "zstd: \(message)"
        case .empty: "no document bodies found"
        }
    }
}

/// The documents' bodies as UTF-8, loaded once per process (each benchmark runs in its own).
final class Corpus: @unchecked Sendable {
    static let shared = Corpus()
    private let lock = NSLock()
    private var loaded: [[UInt8]]?

    var documents: [[UInt8]] {
        lock.withLock { loaded ?? [] }
    }

    func load() throws {
        try lock.withLock {
            if loaded == nil { loaded = try Self.read(corpusURL, limit: corpusBytes) }
        }
    }

    /// Reads the `body` of each JSON line until `limit` bytes, cutting the last body on a
    /// character boundary.
    static func read(_ url: URL, limit: Int) throws -> [[UInt8]] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["zstd", "-dc", url.path]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()

        var documents: [[UInt8]] = []
        var total = 0
        var pending = Data()
        let handle = output.fileHandleForReading
        reading: while total < limit {
            guard let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty else { break }
            pending.append(chunk)
            while let newline = pending.firstIndex(of: 0x0A) {
                let line = pending[pending.startIndex..<newline]
                pending = Data(pending[(newline + 1)...])
                guard let object = try JSONSerialization.jsonObject(with: line) as? [String: Any],
                      let body = object["body"] as? String
                else { continue }
                var bytes = Array(body.utf8)
                if total + bytes.count > limit {
                    var cut = limit - total
                    while cut > 0 && bytes[cut] & 0xC0 == 0x80 { cut -= 1 }
                    bytes.removeSubrange(cut...)
                }
                documents.append(bytes)
                total += bytes.count
                if total >= limit { break reading }
            }
        }
        // Stop zstd if it has more to give: closing the pipe ends it with SIGPIPE, and SIGKILL
        // covers a child that blocks signals (processes spawned here inherit the benchmark
        // runner's signal mask, so `terminate()`'s SIGTERM may never arrive).
        try? handle.close()
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        if documents.isEmpty {
            throw process.terminationStatus != 0
                ? CorpusError.zstd("status \(process.terminationStatus) for \(url.path)") : CorpusError.empty
        }
        return documents
    }
}

/// Batches of about `size` bytes, in corpus order.
func makeBatches(_ documents: [[UInt8]], size: Int) -> [[[UInt8]]] {
    var batches: [[[UInt8]]] = []
    var current: [[UInt8]] = []
    var room = size
    for document in documents {
        var rest = document[...]
        while !rest.isEmpty {
            if rest.count <= room {
                current.append(Array(rest))
                room -= rest.count
                rest = []
            } else {
                var cut = rest.startIndex + room
                while cut > rest.startIndex && rest[cut] & 0xC0 == 0x80 { cut -= 1 }
                if cut > rest.startIndex { current.append(Array(rest[..<cut])) }
                rest = rest[cut...]
                room = 0
            }
            if room == 0 {
                batches.append(current)
                current = []
                room = size
            }
        }
    }
    if !current.isEmpty { batches.append(current) }
    return batches
}

/// `piece` cut after line breaks into chunks of at most about `size` bytes. A line break ends
/// a clause and a gram run, so the chunks analyze to the same terms as the whole piece.
func splitAtLines(_ piece: [UInt8], size: Int) -> [[UInt8]] {
    var chunks: [[UInt8]] = []
    var start = 0
    while piece.count - start > size {
        var cut = start + size
        while cut > start && piece[cut - 1] != 0x0A { cut -= 1 }
        if cut == start {  // no line break: cut on a character boundary
            cut = start + size
            while cut > start && piece[cut] & 0xC0 == 0x80 { cut -= 1 }
        }
        chunks.append(Array(piece[start..<cut]))
        start = cut
    }
    if start < piece.count { chunks.append(Array(piece[start...])) }
    return chunks
}

/// Hands out the chunks of one iteration to the threads that ask first.
final class WorkQueue<Chunk>: @unchecked Sendable {
    private let lock = NSLock()
    private let chunks: [Chunk]
    private var next = 0

    init(_ chunks: [Chunk]) { self.chunks = chunks }

    func take() -> Chunk? {
        lock.withLock {
            guard next < chunks.count else { return nil }
            defer { next += 1 }
            return chunks[next]
        }
    }
}

/// One benchmark's state: its batches, its analyzers (one per thread, kept across
/// iterations) and its running totals. Each benchmark runs in a process of its own.
final class Run: @unchecked Sendable {
    nonisolated(unsafe) static var current = Run(threads: 1, memoize: true)

    let threads: Int
    let memoize: Bool
    /// ICU's word breaker alone, on the documents already decoded to UTF-16 (not timed): no
    /// normalization, grams, numbers, memo or katakana repair.
    let raw: Bool
    /// ICU's word breaker alone, on both cores, on only the text that a memo shared by the
    /// threads and never cleared would still send to ICU (see ``MemoLeftovers``): the most that
    /// memoizing exact repeats can give, whatever the analyzer's own code costs.
    let ceiling: Bool
    private(set) var analyzers: [Analyzer] = []
    private(set) var breaker: WordBreaker?
    /// One word breaker a thread, for `ceiling`.
    private(set) var breakers: [WordBreaker] = []
    /// `batches` decoded to UTF-16, for `raw`.
    private(set) var unitBatches: [[[UInt16]]] = []
    /// What iteration `i` analyzes: whole documents (or their 1 MB parts) for one thread, and
    /// chunks of at most 32 KB, cut after line breaks, that the threads take in turn for more.
    private(set) var batches: [[[UInt8]]] = []
    private var next = 0
    private var measuredBytes = 0
    private var measured: Duration = .zero
    private var cpuSeconds = 0.0
    private var checksum = 0

    /// For `ceiling`: each iteration's runs of clauses left to ICU, and the input bytes they stand for.
    private(set) var leftovers: [(runs: [[UInt16]], bytes: Int)] = []

    init(threads: Int, memoize: Bool, raw: Bool = false, ceiling: Bool = false) {
        self.threads = threads
        self.memoize = memoize
        self.raw = raw
        self.ceiling = ceiling
    }

    /// Loads the corpus and makes the analyzers (not timed).
    static func prepare(threads: Int, memoize: Bool, raw: Bool = false, ceiling: Bool = false, shared: Bool = false) throws {
        try Corpus.shared.load()
        let documents = Corpus.shared.documents
        print("Analysis: \(documents.count) documents, \(documents.reduce(0) { $0 + $1.count }) bytes of \(corpusURL.lastPathComponent); "
              + "ICU \(ICU.version), analyzer \(AnalyzerSettings().summary)")
        let run = Run(threads: threads, memoize: memoize, raw: raw, ceiling: ceiling)
        run.batches = makeBatches(documents, size: batchBytes)
        if ceiling {
            var leftovers = try MemoLeftovers()
            run.leftovers = run.batches.map { batch in
                (batch.flatMap { leftovers.runs(of: $0) }, batch.reduce(0) { $0 + $1.count })
            }
            print("Analysis: a memo shared by both threads and never cleared leaves \(leftovers.leftUnits) of \(leftovers.allUnits) "
                  + "UTF-16 units (\(Double(1000 * leftovers.leftUnits / max(leftovers.allUnits, 1)) / 10)%) to ICU")
        }
        if raw {
            run.unitBatches = run.batches.map { $0.map { Array(String(decoding: $0, as: UTF8.self).utf16) } }
            run.breaker = try WordBreaker(locale: AnalyzerSettings().locale)
        }
        if threads > 1 { run.batches = run.batches.map { $0.flatMap { splitAtLines($0, size: 32_768) } } }
        let memo = shared ? SharedSegmentMemo() : nil
        run.analyzers = try (0..<threads).map { _ in try Analyzer(sharedMemo: memo) }
        run.breakers = try (0..<threads).map { _ in try WordBreaker(locale: AnalyzerSettings().locale) }
        current = run
    }

    /// The index of the next iteration's batch (wrapping around after a full pass).
    func nextBatch() -> Int {
        if next >= batches.count { next = 0 }
        defer { next += 1 }
        return next
    }

    /// Analyzes one batch on the calling thread; returns a token count.
    static func analyze(_ batch: [[UInt8]], with analyzer: Analyzer, memoize: Bool) -> Int {
        var tokens = 0
        for document in batch {
            document.withUnsafeBufferPointer { bytes in
                do {
                    // As the index builder calls it: terms and positions, no map back to source
                    // bytes (that map is for snippets and highlights, at query time).
                    let analyzed = try analyzer.analyze(utf8: bytes, memoize: memoize, offsets: false)
                    tokens &+= analyzed.words.count &+ analyzed.grams.count
                } catch {
                    fatalError("analysis failed: \(error)")
                }
            }
        }
        return tokens
    }

    /// ICU's word-like segments in `units` (the raw and ceiling runs' token count).
    static func wordCount(_ units: [UInt16], with breaker: WordBreaker) -> Int {
        var count = 0
        units.withUnsafeBufferPointer { units in
            do {
                try breaker.segment(units) { _, _, status in count &+= status >= WordStatus.wordLike ? 1 : 0 }
            } catch {
                fatalError("word breaking failed: \(error)")
            }
        }
        return count
    }

    /// Runs `body(i)` on `threads` threads at once (`i` in `0..<threads`) and adds up what they return.
    static func onThreads(_ threads: Int, _ body: @Sendable (Int) -> Int) -> Int {
        let results = Unchecked(value: UnsafeMutableBufferPointer<Int>.allocate(capacity: threads))
        defer { results.value.deallocate() }
        DispatchQueue.concurrentPerform(iterations: threads) { i in results.value[i] = body(i) }
        return results.value.reduce(0, &+)
    }

    /// Runs one iteration: one thread analyzes the batch, or each thread takes chunks of it
    /// for its own analyzer until none is left.
    func iterate(_ benchmark: Benchmark) {
        let batch = nextBatch()
        let work = batches[batch]
        let bytes = ceiling ? leftovers[batch].bytes : work.reduce(0) { $0 + $1.count }
        let clock = ContinuousClock()
        var tokens = 0
        benchmark.startMeasurement()
        let cpuStart = processCPUSeconds()
        let start = clock.now
        if ceiling {
            // The runs in chunks of about 32 KB, taken by the threads in turn.
            var chunks: [[[UInt16]]] = [[]]
            var size = 0
            for run in leftovers[batch].runs {
                chunks[chunks.count - 1].append(run)
                size += run.count
                if size >= 16_384 {
                    chunks.append([])
                    size = 0
                }
            }
            let queue = WorkQueue(chunks)
            let breakers = Unchecked(value: breakers)
            tokens = Self.onThreads(threads) { i in
                var count = 0
                while let chunk = queue.take() {
                    for run in chunk { count &+= Self.wordCount(run, with: breakers.value[i]) }
                }
                return count
            }
        } else if let breaker {
            for units in unitBatches[batch] { tokens &+= Self.wordCount(units, with: breaker) }
        } else if threads == 1 {
            tokens = Self.analyze(work, with: analyzers[0], memoize: memoize)
        } else {
            let queue = WorkQueue(work)
            let analyzers = Unchecked(value: analyzers)
            let memoize = memoize
            tokens = Self.onThreads(threads) { i in
                var count = 0
                while let chunk = queue.take() { count &+= Self.analyze([chunk], with: analyzers.value[i], memoize: memoize) }
                return count
            }
        }
        let elapsed = clock.now - start
        let cpu = processCPUSeconds() - cpuStart
        benchmark.stopMeasurement()
        measured += elapsed
        cpuSeconds += cpu
        measuredBytes += bytes
        checksum &+= tokens
    }

    func report(_ name: String) {
        let seconds = Double(measured.components.seconds) + Double(measured.components.attoseconds) * 1e-18
        guard seconds > 0 else { return }
        let megabytes = Double(measuredBytes) / 1e6
        func rounded(_ x: Double, _ places: Double) -> Double { (x * places).rounded() / places }
        print("\(name): \(rounded(megabytes, 10)) MB in \(rounded(seconds, 1000)) s = \(rounded(megabytes / seconds, 10)) MB/s; "
              + "CPU \(rounded(cpuSeconds, 1000)) s = \(rounded(megabytes / cpuSeconds, 10)) MB per CPU-second; \(checksum) tokens")
    }
}

/// What a memo of clause segmentations that is shared by every thread and never cleared
/// would still send to ICU: the clauses (``Analyzer/memoClauses(_:)``) not seen before in the
/// corpus, or too long to memoize, each consecutive stretch of them as one run (the analyzer
/// also segments consecutive misses in one ICU call).
struct MemoLeftovers {
    private let analyzer: Analyzer
    private var seen = Set<[UInt16]>()
    private(set) var allUnits = 0
    private(set) var leftUnits = 0

    init() throws { analyzer = try Analyzer() }

    /// The runs of `document` (UTF-8) left to ICU.
    mutating func runs(of document: [UInt8]) -> [[UInt16]] {
        let units = analyzer.normalize(String(decoding: document, as: UTF8.self)).units
        allUnits += units.count
        var runs: [[UInt16]] = []
        var run: [UInt16] = []
        units.withUnsafeBufferPointer { units in
            for clause in Analyzer.memoClauses(units) {
                let text = Array(units[clause])
                if text.count > Analyzer.memoizedClauseLength || seen.insert(text).inserted {
                    run += text
                } else if !run.isEmpty {
                    runs.append(run)
                    run = []
                }
            }
        }
        if !run.isEmpty { runs.append(run) }
        leftUnits += runs.reduce(0) { $0 + $1.count }
        return runs
    }
}

/// CPU time used by the whole process (all threads) so far, in seconds: with the wall clock it
/// tells a busy machine (wall ≫ CPU) from a slow analyzer.
func processCPUSeconds() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) * 1e-9
}

/// Hands non-Sendable per-thread state to worker threads that each touch only their own part.
struct Unchecked<Value>: @unchecked Sendable {
    let value: Value
}

/// One iteration's worth of input, in bytes.
let batchBytes = 1_000_000

let benchmarks: @Sendable () -> Void = {
    guard FileManager.default.isReadableFile(atPath: corpusURL.path) else {
        print("Analysis benchmarks skipped: corpus not found at \(corpusURL.path) (set KENSAKU_BENCH_CORPUS to its path).")
        return
    }
    let passes = corpusBytes / batchBytes
    /// Registers one benchmark; each runs in a process of its own, prepared by its setup hook.
    func add(_ name: String, threads: Int, memoize: Bool, raw: Bool = false, ceiling: Bool = false, shared: Bool = false) {
        let configuration = Benchmark.Configuration(
            metrics: [.wallClock, .throughput, .peakMemoryResident, .mallocCountTotal, .cpuTotal],
            timeUnits: .milliseconds,
            warmupIterations: 0,
            maxDuration: .seconds(300),
            maxIterations: passes,
            setup: { try Run.prepare(threads: threads, memoize: memoize, raw: raw, ceiling: ceiling, shared: shared) },
            teardown: { Run.current.report(name) }
        )
        Benchmark(name, configuration: configuration) { benchmark in
            Run.current.iterate(benchmark)
        }
    }

    // (0) Raw ICU on one core: the word breaker alone over each document, already in UTF-16.
    // This is the figure the analyzer is compared with.
    add("Raw ICU word breaking (UTF-16, nothing else), 1 thread", threads: 1, memoize: false, raw: true)

    // (a) The analyzer with `memoize: false` on one core: every document goes to ICU whole,
    // with normalization, grams and numbers as in (b) and (c).
    add("ICU word breaking (memoize: false), 1 thread", threads: 1, memoize: false)

    // (b) The full analyzer with its memo, on one core.
    add("Analyzer (memoize: true), 1 thread", threads: 1, memoize: true)

    // (c) The full analyzer on both cores, as the index builder runs it: two threads, each with
    // its own analyzer, the two sharing one memo (`SharedSegmentMemo`), sharing out each MB in
    // chunks of at most 32 KB (cut after line breaks), first come first served.
    add("Analyzer (memoize: true), 2 threads", threads: 2, memoize: true, shared: true)

    // (c') As (c), each analyzer with a memo of its own: each thread then segments the clauses
    // that only the other one has seen.
    add("Analyzer (memoize: true), 2 threads, private memos", threads: 2, memoize: true)

    // (d) The ceiling of (c): ICU alone, on both cores, on only what a memo shared by the
    // threads and never cleared would leave it (the first occurrence of each clause, in runs).
    // Throughput counts the input the leftovers stand for, so it reads as analysis MB/s that
    // no analyzer built on ICU and exact-repeat memoization can pass on this machine.
    add("Ceiling: ICU alone on what a shared, unbounded memo leaves, 2 threads", threads: 2, memoize: true, ceiling: true)
}
