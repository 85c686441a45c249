import ArgumentParser
import Foundation
import KensakuCorpus
import KensakuIndex

/// Every command gives its name: swift-argument-parser derives a missing one from the type's
/// name, a `String(describing:)` that cost every `kensaku` run 5.2M instructions (about 1.5 ms)
/// for these three subcommands, however the command line started.
struct IndexCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "index",
        abstract: "Build, verify and describe offline indexes.",
        subcommands: [Build.self, Verify.self, Info.self]
    )

    struct Build: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "build", abstract: "Build an index from a corpus.")

        @Option(help: "The corpus: a .jsonl or .jsonl.zst file, the follow-up .tsv table, or a directory of .txt/.md files.")
        var corpus: String
        @Option(help: "Corpus format: followup, jsonl or text (default: from the path).")
        var format: String?
        @Option(help: "The index directory (created if missing; an existing index is replaced atomically).")
        var index: String
        @Option(help: "Memory for in-memory postings before a segment is flushed, in MB (at most 3072 a thread is used).")
        var memoryMB: Int = 256
        @Option(help: "Indexing threads (default: all cores).")
        var threads: Int?
        @Flag(help: "Index trigrams too: terms of three characters or more match far faster, for an index about 75% larger that takes about 1.7 times as long to build.")
        var trigrams = false
        @Flag(help: "Count the n-grams of up to 12 UTF-16 units that at least --ngram-min-docs docs of a field hold: a term that is one is answered from its counts, without reading positions (frequent terms far faster), for a larger index that takes longer to build.")
        var ngrams = false
        @Option(help: "With --ngrams: docs of a field from which an n-gram is counted.")
        var ngramMinDocs: Int = Ngrams.defaultMinDocs
        @Flag(help: "Index the good records and report the bad ones, instead of stopping at the first.")
        var skipBad = false
        @Flag(help: "No progress output.")
        var quiet = false

        func run() throws {
            let corpusFormat: CorpusFormat
            if let format {
                guard let f = CorpusFormat(rawValue: format) else {
                    throw ValidationError("unknown format '\(format)' (followup, jsonl, text)")
                }
                corpusFormat = f
            } else {
                corpusFormat = CorpusFormat.detect(path: corpus)
            }
            var options = IndexBuildOptions()
            options.memoryBudget = max(8, memoryMB) << 20
            if let threads { options.threads = max(1, threads) }
            options.trigrams = trigrams
            if ngrams { options.ngrams = NgramSettings(minDocs: max(1, ngramMinDocs)) }
            let showProgress = !quiet && isatty(2) == 1
            if showProgress {
                options.progress = { p in
                    if let phase = p.phase {
                        FileHandle.standardError.write(Data(String(format: "\r%d docs, %.1f MB read; %@ (%.0f s)\u{1B}[K", p.documents,
                                                                   Double(p.textBytes) / 1e6, phase, p.seconds).utf8))
                        return
                    }
                    let mb = Double(p.textBytes) / 1e6
                    var line = String(format: "\r%d docs, %.1f MB, %.1f MB/s", p.documents, mb, mb / max(p.seconds, 0.001))
                    if let total = p.totalBytes, p.bytesRead > 0 {
                        let eta = p.seconds * Double(total - min(total, p.bytesRead)) / Double(p.bytesRead)
                        line += String(format: ", ETA %.0f s", eta)
                    }
                    FileHandle.standardError.write(Data(line.utf8))
                }
            }
            do {
                var source = try corpusFormat.open(path: corpus, skipBad: skipBad)
                let report = try IndexBuilder.build(source: &source, corpusName: URL(fileURLWithPath: corpus).lastPathComponent,
                                                    corpusFormat: corpusFormat.rawValue, directory: index, options: options)
                if showProgress { warn("") }
                for bad in report.skipped.prefix(20) { warn("skipped: \(bad)") }
                if report.skipped.count > 20 { warn("… and \(report.skipped.count - 20) more") }
                if !quiet {
                    let mb = Double(report.textBytes) / 1e6
                    let memo = report.memoStatistics
                    warn(String(format: "indexed %d documents (%.1f MB of text) in %.2f s, %.1f MB/s (invert %.2f s, merge %.2f s); %d terms; %d segments; clause memo %.0f%% hits; skipped %d",
                                report.manifest.documentCount, mb, report.seconds, mb / max(report.seconds, 0.001),
                                report.invertSeconds, report.mergeSeconds,
                                report.manifest.termCount, report.segments,
                                100 * Double(memo.hits) / Double(max(1, memo.hits + memo.misses)), report.skipped.count)
                         + (ngrams ? "; \(report.ngrams) n-grams counted" : ""))
                }
            } catch {
                if showProgress { warn("") }
                warn("kensaku: index build failed: \(error)")
                throw ExitCode(2)
            }
        }
    }

    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "verify", abstract: "Check an index's files: framing, sizes, checksums, term order.")
        @Option(help: "The index directory (default: the seed index).")
        var index: String?

        func run() throws {
            let directory = index ?? DefaultIndex.path
            do {
                let reader = try IndexReader.open(directory: directory)
                try reader.verify()
                print("ok: \(directory): \(reader.documentCount) documents, \(reader.manifest.termCount) terms, \(reader.manifest.files.count) files verified")
            } catch {
                warn("kensaku: \(directory): verify failed: \(error)")
                throw ExitCode(2)
            }
        }
    }

    /// Terms, postings (docs) and occurrences (positions) and postings bytes per field and
    /// term kind: where an index's size goes.
    static func printPostingsBreakdown(_ reader: IndexReader) throws {
        struct Tally { var terms = 0, postings = 0, occurrences = 0, bytes = 0 }
        var tallies: [Int: Tally] = [:]  // field << 8 | kind
        try reader.scan(from: []) { (key, info) throws(IndexError) in
            guard key.count >= 2 else { return true }
            let slot = Int(key[0]) << 8 | Int(key[1])
            tallies[slot, default: Tally()].terms += 1
            tallies[slot, default: Tally()].postings += info.docFreq
            tallies[slot, default: Tally()].occurrences += info.totalFreq
            tallies[slot, default: Tally()].bytes += info.postingsLength
            return true
        }
        let kinds = ["word", "gram", "keyword", "number", "trigram", "ngram-count", "ngram-aligned"]
        let fields = reader.manifest.fields
        let all = tallies.values.reduce(0) { $0 + $1.bytes }
        print("postings:   field\tkind\tterms\tpostings\toccurrences\tbytes\tbytes/occurrence\tshare")
        for slot in tallies.keys.sorted() {
            let t = tallies[slot]!
            let field = slot >> 8 < fields.count ? fields[slot >> 8].spec.name : "#\(slot >> 8)"
            let kind = slot & 0xFF < kinds.count ? kinds[slot & 0xFF] : "#\(slot & 0xFF)"
            print(String(format: "  %@\t%@\t%d\t%d\t%d\t%d\t%.2f\t%.1f%%", field, kind, t.terms, t.postings, t.occurrences, t.bytes,
                         Double(t.bytes) / Double(max(1, t.occurrences)), 100 * Double(t.bytes) / Double(max(1, all))))
        }
        print("word boundaries (docs file):   field\tbytes\tbits/gram")
        for field in fields where field.spec.analyzed {
            let bytes = reader.docs.wordBoundaryBytes(field: field.number)
            print(String(format: "  %@\t%d\t%.2f", field.spec.name, bytes, 8 * Double(bytes) / Double(max(1, field.totalLength))))
        }
    }

    struct Info: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "info", abstract: "Print an index's counts, sizes, versions and fields.")
        @Option(help: "The index directory (default: the seed index).")
        var index: String?
        @Flag(help: "Print the manifest as JSON.")
        var json = false
        @Flag(help: "Also break the postings down by field and term kind (reads the whole term dictionary), and give the word-boundary bytes per field.")
        var postings = false

        func run() throws {
            let directory = index ?? DefaultIndex.path
            do {
                let started = Date()
                let reader = try IndexReader.open(directory: directory)
                let openTime = Date().timeIntervalSince(started)
                let m = reader.manifest
                if json {
                    let encoder = JSONEncoder()
                    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
                    print(String(decoding: try encoder.encode(m), as: UTF8.self))
                    return
                }
                print("index:      \(directory) (generation \(m.generation), opened in \(String(format: "%.2f", openTime * 1000)) ms)")
                print("format:     version \(m.formatVersion)")
                print("analyzer:   \(m.analyzer.summary); ICU \(m.icuVersion), Unicode \(m.unicodeVersion)")
                print("corpus:     \(m.corpus) (\(m.corpusFormat))")
                print("documents:  \(m.documentCount)")
                print("terms:      \(m.termCount)")
                print("forced cuts: \(m.forcedCuts.map(String.init) ?? "not recorded")\(reader.numbersWhole ? "" : " (literal number terms are not required)")")
                print("trigrams:   \(m.trigrams == true ? (reader.trigramsWhole ? "yes" : "yes, not used (a text was cut for analysis across one)") : "no")")
                if let n = m.ngrams {
                    let complete = (n.completeFields ?? []).compactMap { $0 < m.fields.count ? m.fields[$0].spec.name : nil }
                    print("n-grams:    up to \(n.maxUnits) units, in at least \(n.minDocs) docs"
                          + (complete.isEmpty ? "" : "; every one in " + complete.joined(separator: ", "))
                          + (!n.isCurrentLayout ? "; not used: counted in layout \(n.layout ?? 1), this version reads \(Ngrams.layout) (rebuild)"
                             : reader.ngramsWhole == nil ? "; not used (a text was cut for analysis)" : ""))
                } else {
                    print("n-grams:    no")
                }
                print("fields:")
                for f in m.fields {
                    let kinds = [f.spec.analyzed ? "text" : nil, f.spec.keyword ? "keyword" : nil].compactMap { $0 }.joined(separator: "+")
                    let title = f.spec.name == m.titleField ? ", title" : ""
                    print("  \(f.spec.name)\t\(kinds), boost \(f.spec.boost)\(title), avg length \(String(format: "%.1f", reader.averageLength(field: f.number)))")
                }
                print("files:")
                var total = 0
                for file in m.files {
                    total += file.bytes
                    print("  \(file.name)\t\(file.bytes) bytes\tcrc32 \(file.crc32)")
                }
                print("  total\t\(total) bytes")
                if postings { try printPostingsBreakdown(reader) }
            } catch {
                warn("kensaku: \(directory): \(error)")
                throw ExitCode(2)
            }
        }
    }
}
