import Foundation
import KensakuCorpus
import KensakuIndex
import KensakuSearch

/// Writes mutated JSON Lines (sometimes a mutated zstd stream) to a file and ingests it with
/// and without `skipBad`; now and then also indexes it, opens, verifies and searches the
/// index. Checks: both modes give the same documents, and the errors thrown one by one are
/// the records skipped; every error names a line of the file and a column in its line; ids
/// are unique; an index built from the accepted records verifies and holds all of them.
struct JSONLTarget: FuzzTarget {
    static let name = "jsonl"

    struct Input {
        var bytes: [UInt8]
        var compressed: Bool
        var index: Bool
        var ops: [String]
    }

    private let texts: [String]
    private let zstd: [UInt8]?
    private let mutator: Mutator
    private let work: String
    private var counter = 0

    static let escapes: [String] = [
        "\\uD800", "\\uDC00", "\\uDBFF", "\\uD800\\u0041", "\\uDC00\\uD800", "\\uD83D\\uDE00", "\\uDBFF\\uDFFF", "\\uD800\\uD800",
        "\\u0000", "\\u001F", "\\u007F", "\\uFFFF", "\\uFFFE", "\\uFEFF", "\\u3000", "\\u0301", "\\ud800", "\\u12", "\\uZZZZ",
        "\\x41", "\\", "\\/", "\\b\\f\\n\\r\\t", "\\\"", "\\'", "\\U0041", "\\u00e9", "\u{1}", "\u{0}", "\t", "\u{7F}",
    ]

    static let structure: [String] = [
        "{", "}", "[", "]", ",", ":", "\"", "\"id\":", "\"id\":\"x\",", "\"title\":", "\"body\":", "null", "true", "false",
        "1e999999", "-0", "01", "1.", ".5", "NaN", "Infinity", "-", "1e", "\u{FEFF}", "\r", "\n", "\n\n", "\r\n", " ",
    ]

    init(context: FuzzContext) throws {
        var texts: [String] = []
        for line in context.tableLines() {
            for cell in String(decoding: line, as: UTF8.self).split(separator: "\t") where !cell.isEmpty { texts.append(String(cell)) }
        }
        texts += context.queries()
        self.texts = texts
        zstd = context.zstdSample()
        mutator = Mutator(seeds: texts.map { Array($0.utf8) }, tokens: (JSONLTarget.escapes + JSONLTarget.structure).map { Array($0.utf8) },
                          maxLength: 1 << 18)
        work = context.work
    }

    /// A JSON string literal of `text`, escaped in one of several ways.
    static func literal(_ text: String, _ rng: inout FuzzRandom) -> String {
        let unicodeEscapes = rng.chance(0.2)
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 {
                    out += String(format: "\\u%04x", scalar.value)
                } else if unicodeEscapes && scalar.value > 0x7F {
                    for unit in String(scalar).utf16 { out += String(format: "\\u%04X", unit) }
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }

    func record(_ n: Int, _ rng: inout FuzzRandom) -> String {
        var members: [String] = []
        let id: String
        switch rng.int(0..<20) {
        case 0: id = "\"\""
        case 1: id = "\"  \""
        case 2: id = "5"
        case 3: id = "null"
        case 4: id = "\"d\(max(0, n - 1))\""  // a duplicate, usually
        default: id = "\"d\(n)\""
        }
        if !rng.chance(0.05) { members.append("\"id\":" + id) }
        for field in ["title", "body", "source", rng.pick(["category", "note", "\u{0}", "", "body"])] where rng.chance(0.8) {
            var value = rng.chance(0.1) ? "" : rng.pick(texts)
            if rng.chance(0.4) {
                var bytes = Array(value.utf8)
                let at = Mutator.boundary(bytes, rng.int(0...bytes.count))
                bytes.insert(contentsOf: Array((rng.chance(0.5) ? rng.pick(Hostile.text) : "").utf8), at: at)
                value = String(decoding: bytes, as: UTF8.self)
            }
            var literal = JSONLTarget.literal(value, &rng)
            if rng.chance(0.2) {
                // A raw hostile escape inside the literal.
                var scalars = Array(literal.unicodeScalars)
                let at = rng.int(1..<scalars.count)
                scalars.insert(contentsOf: rng.pick(JSONLTarget.escapes).unicodeScalars, at: at)
                literal = String(String.UnicodeScalarView(scalars))
            }
            members.append(JSONLTarget.literal(field, &rng) + ":" + literal)
        }
        if rng.chance(0.1) {
            let depth = rng.pick([1, 10, 511, 512, 513, 5000])
            members.append("\"nested\":" + String(repeating: "[", count: depth) + String(repeating: "]", count: depth))
        }
        if rng.chance(0.1) { members.append("\"n\":" + rng.pick(["1", "-0.5e10", "1e999999", "01", "true", "null", "{\"a\":[1,{}]}"])) }
        if rng.chance(0.2) { members.shuffle(using: &rng) }
        return "{" + members.joined(separator: rng.pick([",", ", ", " ,"])) + "}"
    }

    func generate(_ rng: inout FuzzRandom) -> Input {
        if let zstd, rng.chance(0.08) {
            // A stream from the law corpus, cut short and maybe damaged.
            var bytes = Array(zstd.prefix(rng.int(1...zstd.count)))
            var ops = ["zstd-prefix"]
            for _ in 0..<rng.int(0...3) where !bytes.isEmpty {
                bytes[rng.int(0..<bytes.count)] = rng.byte()
                ops.append("set")
            }
            return Input(bytes: bytes, compressed: true, index: false, ops: ops)
        }
        var lines: [String] = []
        let count = rng.int(1...12)
        for n in 0..<count {
            lines.append(rng.chance(0.05) ? rng.pick(["", " ", "\t\r"]) : record(n, &rng))
        }
        var text = lines.joined(separator: rng.chance(0.1) ? "\r\n" : "\n")
        if rng.chance(0.7) { text += "\n" }
        if rng.chance(0.05) { text = "\u{FEFF}" + text }
        var bytes = Array(text.utf8)
        var ops: [String] = []
        if rng.chance(0.6) { ops = mutator.mutate(&bytes, &rng, rounds: 4, keepUTF8: 0.8) }
        if rng.chance(0.03) {
            // A long line with no newline.
            bytes += Array("{\"id\":\"long\",\"body\":\"".utf8) + [UInt8](repeating: 0x61, count: rng.int(1...(1 << 20))) + [0x22, 0x7D]
            ops.append("long-line")
        }
        return Input(bytes: bytes, compressed: false, index: rng.chance(0.15), ops: ops)
    }

    func describe(_ input: Input) -> String {
        "\(input.bytes.count) bytes\(input.compressed ? " zstd" : "")\(input.index ? " +index" : "") [\(input.ops.joined(separator: ","))] \(preview(input.bytes))"
    }

    func save(_ input: Input, to directory: String) throws {
        try writeFile(directory + (input.compressed ? "/input.jsonl.zst" : "/input.jsonl"), input.bytes)
    }

    /// Documents and errors from reading the whole file, resuming after each error.
    private static func ingest(_ path: String, skipBad: Bool, lines: Int, violation: (String) -> Void)
        -> (docs: [Document], errors: [CorpusError], skipped: [CorpusError], opened: Bool) {
        let source: JSONLinesSource
        do { source = try JSONLinesSource(path: path, skipBad: skipBad) } catch {
            return ([], [error], [], false)
        }
        var docs: [Document] = []
        var errors: [CorpusError] = []
        var calls = 0
        while true {
            calls += 1
            if calls > lines + 10 {
                violation("next() called \(calls) times on a file of \(lines) lines without reaching the end")
                break
            }
            do {
                guard let doc = try source.next() else { break }
                docs.append(doc)
            } catch {
                errors.append(error)
                // A stream that cannot be read does not resume.
                if case .unreadable(let why) = error.reason, !why.hasPrefix("line of ") { break }
            }
        }
        return (docs, errors, source.skipped, true)
    }

    mutating func execute(_ input: Input, violation: (String) -> Void) -> [String] {
        counter += 1
        let path = work + "/fuzz-\(counter).jsonl" + (input.compressed ? ".zst" : "")
        defer { try? FileManager.default.removeItem(atPath: path) }
        do { try writeFile(path, input.bytes) } catch {
            return ["cannot write the input: \(error)"]
        }
        let lineCount = input.bytes.reduce(1) { $0 + ($1 == 0x0A ? 1 : 0) }
        let strict = Self.ingest(path, skipBad: false, lines: input.compressed ? Int.max / 2 : lineCount, violation: violation)
        let lenient = Self.ingest(path, skipBad: true, lines: input.compressed ? Int.max / 2 : lineCount, violation: violation)
        var kinds = strict.errors.map { ErrorKind.of($0) }
        if strict.docs != lenient.docs {
            violation("skipBad changes the documents: \(strict.docs.count) vs \(lenient.docs.count)")
        }
        let recordErrors = strict.errors.filter { if case .unreadable(let why) = $0.reason { why.hasPrefix("line of ") } else { true } }
        if recordErrors != lenient.skipped {
            violation("errors thrown one by one (\(recordErrors.count)) are not the records skipped (\(lenient.skipped.count))")
        }
        if !input.compressed {
            let lines = input.bytes.split(separator: 0x0A, omittingEmptySubsequences: false)
            for error in strict.errors where error.line > 0 {
                guard error.line <= lines.count else {
                    violation("error on line \(error.line) of a file of \(lines.count) lines: \(error)")
                    continue
                }
                let line = Array(lines[error.line - 1])
                switch error.reason {
                case .malformedJSON(_, let column):
                    let scalars = String(decoding: line, as: UTF8.self).unicodeScalars.count
                    if column < 1 || column > scalars + 1 { violation("column \(column) outside a line of \(scalars) characters: \(error)") }
                case .invalidUTF8(let offset):
                    if offset < 0 || offset >= line.count { violation("invalid UTF-8 at \(offset) outside a line of \(line.count) bytes") }
                    else if isValidUTF8(line) { violation("invalid UTF-8 reported on a well-formed line: \(error)") }
                default: break
                }
            }
        }
        var ids = Set<String>()
        for doc in lenient.docs {
            if doc.id.isEmpty { violation("a document with an empty id") }
            if !ids.insert(doc.id).inserted { violation("duplicate id '\(doc.id)' accepted") }
        }
        if input.index { kinds += buildAndSearch(path, expected: lenient.docs, violation: violation) }
        return kinds
    }

    /// Indexes the file (bad records skipped; every other time with n-gram counts), then opens,
    /// verifies and searches the index.
    private func buildAndSearch(_ path: String, expected: [Document], violation: (String) -> Void) -> [String] {
        let directory = work + "/index-\(counter)"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        do {
            var source: any DocumentSource = try JSONLinesSource(path: path, skipBad: true)
            var options = IndexBuildOptions()
            options.threads = 1
            options.memoryBudget = 32 << 20
            // Every other build counts every n-gram too (the miner reads hostile text as well).
            if counter % 2 == 1 { options.ngrams = NgramSettings(minDocs: 1) }
            _ = try IndexBuilder.build(source: &source, corpusName: "fuzz.jsonl", corpusFormat: "jsonl", directory: directory, options: options)
        } catch {
            return ["build: " + ErrorKind.of(error)]
        }
        do {
            let reader = try IndexReader.open(directory: directory)
            try reader.verify()
            if reader.documentCount != expected.count {
                violation("the index holds \(reader.documentCount) documents, \(expected.count) were accepted")
            }
            let searcher = try Searcher(index: reader)
            for doc in expected.prefix(3) {
                for field in doc.fields {
                    for value in field.values {
                        let term = String(value.prefix(3)).filter { !$0.isWhitespace && $0 != "\"" && $0 != "(" && $0 != ")" && $0 != "-" }
                        guard !term.isEmpty else { continue }
                        _ = try? searcher.search("\"" + term + "\"")
                    }
                }
            }
            for (n, doc) in expected.enumerated() {
                let stored = try reader.store.document(n)
                if stored.id != doc.id { violation("stored doc \(n) has id '\(stored.id)', expected '\(doc.id)'") }
            }
        } catch {
            violation("an index built from the accepted records fails: \(error)")
        }
        return []
    }
}
