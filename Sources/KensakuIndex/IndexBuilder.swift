import Foundation
import KensakuAnalysis
import KensakuCorpus
#if canImport(Glibc)
import Glibc
#endif

/// Options of an index build.
public struct IndexBuildOptions: Sendable {
    /// Memory for in-memory postings, over all threads, before a segment is flushed to disk
    /// (at most ``maximumThreadBudget`` a thread is used).
    public var memoryBudget: Int = 256 << 20
    /// The most postings memory one thread takes before it flushes a segment: its postings pool
    /// addresses at most 4 GiB with 32-bit offsets (see `PostingsPool`).
    public static let maximumThreadBudget = 3 << 30
    /// Indexing threads (each analyzes and inverts whole documents).
    public var threads: Int = max(1, min(ProcessInfo.processInfo.activeProcessorCount, 8))
    public var analyzer = AnalyzerSettings()
    /// Field values longer than this many UTF-8 bytes are analyzed in pieces of about this
    /// size, cut where the result is the same as analyzing them whole (see
    /// `AnalysisChunks`), and inverted piece by piece: a single huge document is indexed in
    /// memory bounded by this and ``memoryBudget`` rather than by its size. `Int.max` analyzes
    /// every value in one piece; the index is the same either way, unless a value runs for
    /// 8 pieces (at least 64 KiB) without a line break, punctuation or space, where a cut
    /// is forced.
    public var analysisChunkBytes: Int = AnalysisChunks.defaultBytes
    /// Index the trigrams of the text too (``Trigrams``): terms of three characters or more
    /// are then matched by far fewer positions (on laws2013, the measure queries' longer terms
    /// 1.1–2.6× faster), for an index about 75% larger that takes about 1.7 times as long to build.
    public var trigrams = false
    /// Count the frequent n-grams of the text too (``Ngrams``), with these settings: a term
    /// that is one is then answered from its counts, without reading positions.
    public var ngrams: NgramSettings?
    /// Segments merge on two threads (two key ranges at once) when the largest is over this
    /// many bytes; tests lower it to merge small corpora that way too.
    var mergeSplitMinimumBytes = 4 << 20
    /// The n-gram pass flushes a segment at this many bytes of postings instead of the
    /// threads' budget; tests lower it to flush in the middle of a level.
    var ngramSegmentBytes: Int?
    /// Progress callback, called from the reading thread about twice a second.
    public var progress: (@Sendable (BuildProgress) -> Void)?

    public init() {}
}

public struct BuildProgress: Sendable {
    public var documents: Int
    public var bytesRead: UInt64
    public var totalBytes: UInt64?
    public var textBytes: UInt64
    public var seconds: Double
    /// After the documents are read, what the build is doing (nil while it reads them): the
    /// n-gram pass reports each field and level it counts.
    public var phase: String?
}

/// What a build did.
public struct BuildReport: Sendable {
    public var manifest: Manifest
    public var skipped: [CorpusError]
    public var textBytes: UInt64
    public var seconds: Double
    /// Reading, analyzing and inverting (until the last segment is flushed).
    public var invertSeconds: Double
    /// Merging segments and writing the final files.
    public var mergeSeconds: Double
    public var segments: Int
    public var memoStatistics: (hits: Int, misses: Int)
    /// N-grams counted (``IndexBuildOptions/ngrams``), over all fields.
    public var ngrams = 0
}

/// Builds an index directory from a document source: reads documents on the calling thread,
/// analyzes and inverts them on `threads` worker threads (flushing a segment whenever the
/// memory budget fills), merges the segments, and commits by renaming the manifest.
///
/// A build that fails or is killed leaves the previous index as it was: new files belong to a
/// new generation and become visible only when `manifest.json` is renamed over the old one.
public enum IndexBuilder {
    public static func build(source: inout any DocumentSource, corpusName: String, corpusFormat: String,
                             directory: String, options: IndexBuildOptions = IndexBuildOptions()) throws -> BuildReport {
        let started = Date()
        let fm = FileManager.default
        do {
            try fm.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch { throw IndexError.io(path: directory, reason: "cannot create the index directory: \(error.localizedDescription)") }
        guard access(directory, W_OK) == 0 else { throw IndexError.io(path: directory, reason: "the index directory is not writable") }
        let lock = try DirectoryLock(directory: directory)
        defer { lock.release() }

        let previous = try? Manifest.read(directory: directory)
        try removeStale(directory: directory, keeping: previous)
        let generation = (previous?.generation ?? 0) + 1
        let temporary = directory + "/.tmp-build-\(getpid())"
        try? fm.removeItem(atPath: temporary)
        do { try fm.createDirectory(atPath: temporary, withIntermediateDirectories: false) } catch {
            throw IndexError.io(path: temporary, reason: "cannot create: \(error.localizedDescription)")
        }
        defer { try? fm.removeItem(atPath: temporary) }
        func path(_ kind: IndexFileKind) -> String { directory + "/" + Manifest.fileName(generation: generation, kind) }
        // Until the manifest is renamed, the new generation's files are removed on any failure.
        var committed = false
        defer {
            if !committed {
                for kind in [IndexFileKind.terms, .postings, .docs, .store] { try? fm.removeItem(atPath: path(kind)) }
            }
        }

        // Read, store and dispatch documents.
        var store = try DocumentStoreWriter(path: path(.store))
        var fieldNumbers: [String: Int] = [:]
        var specs: [FieldSpec] = []
        var ids: [String] = []
        var textBytes: UInt64 = 0
        let queue = BatchQueue(capacity: 4 * options.threads, byteCapacity: BatchQueue.defaultByteCapacity)
        // Each worker also holds analysis buffers sized to the largest value or piece analyzed
        // at once (at most about `analysisChunkBytes`: some 30 MB for 1 MiB), and the workers
        // share a clause memo (`budgetUnitsPerThread` UTF-16 units a worker), all outside the
        // postings budget.
        let budget = min(IndexBuildOptions.maximumThreadBudget, max(4 << 20, options.memoryBudget / max(1, options.threads)))
        let sharedMemo = SharedSegmentMemo(budgetUnits: max(1, options.threads) * SharedSegmentMemo.budgetUnitsPerThread)
        let workers = try (0..<max(1, options.threads)).map { n in
            try IndexWorker(number: n, queue: queue, temporary: temporary, budget: budget, chunkBytes: options.analysisChunkBytes,
                            settings: options.analyzer, memo: sharedMemo, trigrams: options.trigrams,
                            keepText: options.ngrams != nil)
        }
        let threads = workers.map { worker in
            let thread = Thread { worker.run() }
            thread.stackSize = 8 << 20
            thread.start()
            return thread
        }
        _ = threads
        var batch: [IndexableDocument] = []
        var batchBytes = 0
        var lastProgress = Date()
        var readError: Error?
        do {
            while let document = try source.next() {
                var fields: [IndexableField] = []
                var stored: [(Int, [String])] = []
                for field in document.fields {
                    let number: Int
                    if let known = fieldNumbers[field.name] {
                        number = known
                    } else {
                        guard specs.count < 255 else { throw IndexError.build("more than 255 distinct fields") }
                        number = specs.count
                        fieldNumbers[field.name] = number
                        specs.append(source.schema.spec(for: field.name))
                    }
                    fields.append(IndexableField(number: number, spec: specs[number], values: field.values))
                    stored.append((number, field.values))
                    for value in field.values {
                        textBytes += UInt64(value.utf8.count)
                        batchBytes += value.utf8.count
                    }
                }
                try store.add(id: document.id, fields: stored)
                batch.append(IndexableDocument(number: UInt32(ids.count), fields: fields))
                ids.append(document.id)
                if batch.count >= 64 || batchBytes >= 1 << 20 {
                    queue.put(batch, bytes: batchBytes)
                    batch = []
                    batchBytes = 0
                    if queue.failed { break }
                }
                if let progress = options.progress, Date().timeIntervalSince(lastProgress) > 0.5 {
                    lastProgress = Date()
                    let p = source.progress
                    progress(BuildProgress(documents: ids.count, bytesRead: p.consumed, totalBytes: p.total,
                                           textBytes: textBytes, seconds: Date().timeIntervalSince(started)))
                }
            }
        } catch {
            readError = error
        }
        if !batch.isEmpty && readError == nil { queue.put(batch, bytes: batchBytes) }
        queue.close()
        while workers.contains(where: { !$0.finished.value }) { usleep(2000) }
        if let readError { throw readError }
        if let failure = workers.compactMap({ $0.failure }).first { throw failure }
        guard !ids.isEmpty else { throw IndexError.build("the corpus has no documents") }

        // Field lengths and word-boundary locations, by field then doc.
        var lengths = [[UInt32]](repeating: [UInt32](repeating: 0, count: ids.count), count: specs.count)
        var bounds = [[DocsFile.BoundsLocation]](repeating: [DocsFile.BoundsLocation](repeating: .init(), count: ids.count), count: specs.count)
        for (w, worker) in workers.enumerated() {
            for (doc, fields) in worker.fieldData {
                for data in fields {
                    lengths[data.field][Int(doc)] = data.length
                    bounds[data.field][Int(doc)] = DocsFile.BoundsLocation(offset: UInt64(data.boundsOffset), count: UInt32(data.boundsCount),
                                                                          file: UInt16(w))
                }
            }
        }
        var segments = workers.flatMap(\.segmentPaths)
        let boundsFiles = try workers.map { worker throws(IndexError) in
            try MappedFile(path: worker.boundsPath, name: "bounds \(worker.number)", kind: .docs)
        }
        var ngramCount = 0
        var ngramSettings = options.ngrams
        if var settings = options.ngrams {
            settings.layout = Ngrams.layout
            settings.completeFields = specs.indices.filter { field in
                specs[field].analyzed
                    && Double(lengths[field].reduce(0) { $0 + Int($1) }) <= Ngrams.completeAverageLength * Double(ids.count)
            }
            ngramSettings = settings
            let textFiles = try workers.map { worker throws(IndexError) in
                try MappedFile(path: worker.textPath, name: "text \(worker.number)", kind: .docs)
            }
            var units = [[(offset: Int, count: Int)]](repeating: [(offset: Int, count: Int)](repeating: (0, 0), count: ids.count),
                                                       count: specs.count)
            for worker in workers {
                for (doc, fields) in worker.fieldData {
                    for data in fields { units[data.field][Int(doc)] = (data.unitsOffset, data.unitsCount) }
                }
            }
            var miner = NgramMiner(settings: settings, temporary: temporary, budget: options.ngramSegmentBytes ?? budget, threads: options.threads)
            if let progress = options.progress {
                let documents = ids.count
                miner.progress = { field, level in
                    progress(BuildProgress(documents: documents, bytesRead: 0, totalBytes: nil, textBytes: textBytes,
                                           seconds: Date().timeIntervalSince(started),
                                           phase: "counting n-grams: \(specs[field].name), \(level) of \(settings.maxUnits) units"))
                }
            }
            for field in specs.indices where specs[field].analyzed {
                var texts: [NgramMiner.Text] = []
                for doc in ids.indices {
                    let (offset, count) = units[field][doc]
                    let location = bounds[field][doc]
                    guard count > 0 else { continue }
                    let file = textFiles[Int(location.file)].body
                    guard offset >= 0, offset + 2 * count <= file.count else {
                        throw IndexError.build("n-gram pass: doc \(ids[doc])'s text runs past the end of worker \(location.file)'s text file")
                    }
                    let text = UnsafeRawBufferPointer(rebasing: file[offset..<(offset + 2 * count)])
                    let boundsBody = boundsFiles[Int(location.file)].body
                    let boundsBytes = UnsafeRawBufferPointer(rebasing: boundsBody[Int(location.offset)..<(Int(location.offset) + Int(location.count))])
                    texts.append(NgramMiner.Text(doc: UInt32(doc), units: text.assumingMemoryBound(to: UInt16.self),
                                                 bounds: WordBoundaries(boundsBytes)))
                }
                try miner.mine(field: field, texts: texts)
            }
            segments += miner.segmentPaths
            ngramCount = miner.counted
        }
        let invertSeconds = Date().timeIntervalSince(started)
        let storeFile = try store.finish()
        let merged = try SegmentMerger.merge(segments: segments, lengths: lengths, termsPath: path(.terms), postingsPath: path(.postings),
                                             temporary: temporary, threads: options.threads, splitMinimumBytes: options.mergeSplitMinimumBytes)
        let docsFile = try DocsFile.write(path: path(.docs), lengths: lengths, ids: ids, bounds: bounds, boundsFiles: boundsFiles)

        var memo = (hits: 0, misses: 0)
        for worker in workers {
            memo.hits += worker.memoStatistics.hits
            memo.misses += worker.memoStatistics.misses
        }
        func entry(_ kind: IndexFileKind, _ file: (size: Int, crc: UInt32)) -> Manifest.FileEntry {
            Manifest.FileEntry(name: Manifest.fileName(generation: generation, kind), bytes: file.size, crc32: hex(file.crc))
        }
        let manifest = Manifest(
            generation: generation, icuVersion: ICU.version, unicodeVersion: ICU.unicodeVersion,
            analyzer: options.analyzer, documentCount: ids.count, termCount: merged.terms,
            titleField: source.schema.titleField,
            fields: specs.enumerated().map { n, spec in
                Manifest.Field(number: n, spec: spec, totalLength: lengths[n].reduce(0) { $0 + UInt64($1) })
            },
            corpus: corpusName, corpusFormat: corpusFormat,
            files: [entry(.terms, merged.termsFile), entry(.postings, merged.postingsFile),
                    entry(.docs, docsFile), entry(.store, storeFile)],
            forcedCuts: workers.reduce(0) { $0 + $1.forcedCuts },
            trigrams: options.trigrams ? true : nil,
            ngrams: ngramSettings
        )
        let mergeSeconds = Date().timeIntervalSince(started) - invertSeconds
        try commit(manifest, directory: directory)
        committed = true
        try? removeStale(directory: directory, keeping: manifest)
        return BuildReport(manifest: manifest, skipped: source.skipped, textBytes: textBytes,
                           seconds: Date().timeIntervalSince(started), invertSeconds: invertSeconds, mergeSeconds: mergeSeconds,
                           segments: segments.count, memoStatistics: memo, ngrams: ngramCount)
    }

    /// Writes the manifest under a temporary name, fsyncs it, renames it into place and
    /// fsyncs the directory: the atomic commit point.
    static func commit(_ manifest: Manifest, directory: String) throws(IndexError) {
        let data = try manifest.encoded()
        let temporary = directory + "/" + Manifest.fileName + ".tmp"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw .io(path: temporary, reason: String(cString: strerror(errno))) }
        let written = data.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        let synced = fsync(fd)
        close(fd)
        guard written == data.count, synced == 0 else { throw .io(path: temporary, reason: "cannot write the manifest") }
        guard rename(temporary, directory + "/" + Manifest.fileName) == 0 else {
            throw .io(path: temporary, reason: "rename failed: \(String(cString: strerror(errno)))")
        }
        let dirfd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if dirfd >= 0 {
            fsync(dirfd)
            close(dirfd)
        }
    }

    /// Removes generation files that the manifest does not name, and leftovers of killed builds.
    static func removeStale(directory: String, keeping manifest: Manifest?) throws(IndexError) {
        let keep = Set(manifest?.files.map(\.name) ?? [])
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        for name in names where !keep.contains(name) {
            let isGeneration = name.hasPrefix("g") && name.contains(".") && name.dropFirst().prefix(6).allSatisfy(\.isNumber)
            if isGeneration || name.hasPrefix(".tmp-build-") || name == Manifest.fileName + ".tmp" {
                try? FileManager.default.removeItem(atPath: directory + "/" + name)
            }
        }
    }
}

/// An exclusive `flock` on `DIR/.lock`, so two builds never write one directory at once.
final class DirectoryLock {
    private var fd: Int32

    init(directory: String) throws(IndexError) {
        let path = directory + "/.lock"
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw .io(path: path, reason: "cannot open the lock file: \(String(cString: strerror(errno)))") }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            close(fd)
            throw .io(path: directory, reason: "another build is writing this index")
        }
    }

    func release() {
        if fd >= 0 {
            flock(fd, LOCK_UN)
            close(fd)
            fd = -1
        }
    }

    deinit { release() }
}
