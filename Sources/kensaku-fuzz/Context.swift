import Foundation
import KensakuAnalysis
import KensakuCorpus
import KensakuIndex
import KensakuSearch

/// What every target starts from: the package's seed files, the index to search, a scratch
/// directory.
struct FuzzContext {
    /// The package root (holds `Index/`).
    var root: String
    /// The index the `query` and `reader` targets use (a directory that opens).
    var index: String
    /// This process's scratch directory.
    var work: String

    var seedTable: String { root + "/Index/follow-up-2011.tsv" }
    var queriesFile: String { root + "/../shared/corpus/queries-laws.txt" }
    var zstdCorpus: String { root + "/../shared/corpus/laws2013.main.jsonl.zst" }

    /// The package root this binary was built from, else the current directory.
    static var defaultRoot: String {
        let source = URL(fileURLWithPath: #filePath)  // …/Sources/kensaku-fuzz/Context.swift
        let package = source.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
        if FileManager.default.fileExists(atPath: package + "/Index/follow-up-2011.tsv") { return package }
        return FileManager.default.currentDirectoryPath
    }

    /// Bytes of the seed report.
    func tableBytes() -> [UInt8] {
        (try? [UInt8](Data(contentsOf: URL(fileURLWithPath: seedTable)))) ?? []
    }

    /// The seed report's lines (without their newlines).
    func tableLines() -> [[UInt8]] {
        tableBytes().split(separator: 0x0A, omittingEmptySubsequences: true).map { Array($0) }
    }

    /// Query strings: the law corpus's measure queries when present, and built-in ones.
    func queries() -> [String] {
        var result = FuzzContext.builtInQueries
        if let text = try? String(contentsOfFile: queriesFile, encoding: .utf8) {
            for line in text.split(separator: "\n") where !line.hasPrefix("#") && !WhiteSpaceCheck.isBlank(line) {
                result.append(String(line))
            }
        }
        return result
    }

    /// The first bytes of the zstd-compressed law corpus (nil when it is not there).
    func zstdSample(bytes: Int = 96 << 10) -> [UInt8]? {
        guard let handle = FileHandle(forReadingAtPath: zstdCorpus) else { return nil }
        defer { try? handle.close() }
        guard let data = try? handle.read(upToCount: bytes), !data.isEmpty else { return nil }
        return [UInt8](data)
    }

    static let builtInQueries = [
        "婦人相談所", "相談所", "婦人相談所長", "人身取引 (被害者 OR 被害女性) -再掲", "ministry:法務省 査証", "\"政令で定める\"",
        "第25条 平成23年", "IOM OR ＩＯＭ", "-保護", "保護 -(入国管理局 OR 警察庁)", "measure:被害者", "section:人身取引",
        "status:◎", "二〇一一年", "十万二千五百円", "令和元年", "平成二十三年", "第二十五条", "2011年", "a", "の", "罪", "第", "23",
        "\"国際 移住\"", "(婦人 OR 相談) (保護 OR 支援)", "title:x", "nosuch:保護", "ＮＧＯ 連携", "ｶﾞｲﾄﾞ", "㍿",
    ]

    /// Finds an index that opens: `requested` if given, else `Index/seed`, else (or when `fresh`)
    /// a build of the seed report in `work` by this binary (when `Index/seed` was written by
    /// another version of the analyzer or format, for instance).
    static func prepareIndex(root: String, requested: String?, fresh: Bool, work: String, note: (String) -> Void) throws -> String {
        if let requested { return requested }
        let seed = root + "/Index/seed"
        if !fresh {
            do {
                _ = try Searcher(index: IndexReader.open(directory: seed))
                return seed
            } catch {
                note("Index/seed does not open (\(error)); fuzzing a fresh build of Index/follow-up-2011.tsv instead")
            }
        }
        let directory = work + "/seed-index"
        if (try? IndexReader.open(directory: directory)) != nil { return directory }
        var source: any DocumentSource = try FollowUpTableSource(path: root + "/Index/follow-up-2011.tsv")
        var options = IndexBuildOptions()
        options.threads = 1
        _ = try IndexBuilder.build(source: &source, corpusName: "follow-up-2011.tsv", corpusFormat: "followup",
                                   directory: directory, options: options)
        return directory
    }
}

enum WhiteSpaceCheck {
    static func isBlank(_ s: Substring) -> Bool { s.allSatisfy { $0 == " " || $0 == "\t" || $0 == "\r" || $0 == "\u{3000}" } }
}

/// Short, stable names of errors, for counting distinct kinds: case names, with numbers and
/// quoted text replaced so that the same failure at another offset counts once.
enum ErrorKind {
    static func of(_ error: any Error) -> String {
        switch error {
        case let e as IndexError: return "IndexError." + index(e)
        case let e as CorpusError: return "CorpusError." + corpus(e.reason)
        case let e as AnalysisError:
            switch e {
            case .invalidUTF8: return "AnalysisError.invalidUTF8"
            case .icu(let operation, let code): return "AnalysisError.icu(\(operation), \(code))"
            }
        case let e as QueryError: return "QueryError(" + generic(e.message) + ")"
        case let e as SearchError:
            switch e {
            case .query(let q): return "SearchError.query(" + generic(q.message) + ")"
            case .unknownField: return "SearchError.unknownField"
            case .index(let i): return "SearchError.index." + index(i)
            }
        default: return "\(type(of: error)): " + generic("\(error)")
        }
    }

    static func index(_ e: IndexError) -> String {
        switch e {
        case .notAnIndex: "notAnIndex"
        case .missingFile: "missingFile"
        case .io(_, let reason): "io(\(generic(reason)))"
        case .badMagic: "badMagic"
        case .unsupportedVersion: "unsupportedVersion"
        case .truncated: "truncated"
        case .checksumMismatch: "checksumMismatch"
        case .sizeMismatch: "sizeMismatch"
        case .corrupt(_, _, let reason): "corrupt(\(generic(reason)))"
        case .manifest(let reason): "manifest(\(generic(String(reason.prefix(60)))))"
        case .analyzerMismatch: "analyzerMismatch"
        case .build(let reason): "build(\(generic(String(reason.prefix(60)))))"
        }
    }

    static func corpus(_ reason: CorpusError.Reason) -> String {
        switch reason {
        case .unreadable(let why): "unreadable(\(generic(why)))"
        case .invalidUTF8: "invalidUTF8"
        case .malformedJSON(let why, _): "malformedJSON(\(generic(why)))"
        case .missingID: "missingID"
        case .duplicateID: "duplicateID"
        case .emptyDocument: "emptyDocument"
        case .malformedTable(let why): "malformedTable(\(generic(why)))"
        }
    }

    /// Digits → N, quoted text → '…' / "…".
    static func generic(_ message: String) -> String {
        var out = ""
        var quote: Character?
        var lastDigit = false
        for c in message {
            if let q = quote {
                if c == q { quote = nil; out.append(c) }
                continue
            }
            if c == "'" || c == "\"" {
                quote = c
                out.append(c)
                out.append("…")
                lastDigit = false
                continue
            }
            if c.isASCII && c.isNumber {
                if !lastDigit { out.append("N") }
                lastDigit = true
                continue
            }
            lastDigit = false
            out.append(c)
        }
        return out
    }
}

/// A monotonic clock shared by the driver and its children, and CPU time.
enum Clock {
    static func nanoseconds() -> Int64 {
        var t = timespec()
        clock_gettime(CLOCK_MONOTONIC, &t)
        return Int64(t.tv_sec) * 1_000_000_000 + Int64(t.tv_nsec)
    }

    /// CPU time (user + system, all threads) of this process.
    static func cpuNanoseconds() -> Int64 {
        var t = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t)
        return Int64(t.tv_sec) * 1_000_000_000 + Int64(t.tv_nsec)
    }

    /// CPU time (user + system, all threads) of process `pid`, from /proc.
    static func cpuNanoseconds(of pid: pid_t) -> Int64? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        // After the command: state (field 3) … utime (14), stime (15).
        guard fields.count > 12, let user = Int64(fields[11]), let system = Int64(fields[12]) else { return nil }
        return (user + system) * (1_000_000_000 / Int64(sysconf(Int32(_SC_CLK_TCK))))
    }
}

/// True when `bytes` is well-formed UTF-8.
func isValidUTF8(_ bytes: [UInt8]) -> Bool {
    String(decoding: bytes, as: UTF8.self).utf8.elementsEqual(bytes)
}
