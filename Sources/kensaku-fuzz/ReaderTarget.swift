import Foundation
import KensakuIndex
import KensakuSearch

/// Copies the index, corrupts it, then opens, verifies, searches and fetches stored documents.
/// Corruptions: bit flips, random runs, interesting integers, varint bombs, truncation,
/// insertion, swapped or missing files, a damaged manifest (bytes or values). Most body
/// corruptions are followed by a fix-up that rewrites the file's footer CRC and the manifest's
/// size and CRC entries, so the open-time checks (and `verify()`'s checksums) pass and the
/// corrupt bytes are really read. Every step must return or throw a typed error.
struct ReaderTarget: FuzzTarget {
    static let name = "reader"

    struct Input {
        /// File name → contents (nil: the file is missing).
        var files: [String: [UInt8]?]
        var ops: [String]
    }

    private let original: [String: [UInt8]]
    private let names: [String]
    private let work: String
    private var counter = 0

    static let footer = 8
    static let header = 12

    init(context: FuzzContext) throws {
        var files: [String: [UInt8]] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: context.index) where !name.hasPrefix(".") {
            files[name] = [UInt8](try Data(contentsOf: URL(fileURLWithPath: context.index + "/" + name)))
        }
        guard files["manifest.json"] != nil else { throw FuzzError("\(context.index) has no manifest.json") }
        original = files
        names = files.keys.sorted()
        work = context.work
    }

    // MARK: Generation

    static let interesting: [UInt64] = [
        0, 1, 2, 0x7F, 0x80, 0xFF, 0x100, 0x7FFF, 0xFFFF, 0x1_0000, 0x7FFF_FFFF, 0x8000_0000, 0xFFFF_FFFF, 0x1_0000_0000,
        0x7FFF_FFFF_FFFF_FFFF, 0x8000_0000_0000_0000, 0xFFFF_FFFF_FFFF_FFFF, 1 << 28, 1 << 30, 127, 128, 129,
    ]

    /// Corrupts `bytes` inside its body (between header and footer) when `body`, else anywhere.
    static func corrupt(_ bytes: inout [UInt8], body: Bool, _ rng: inout FuzzRandom) -> String {
        let lo = body ? min(header, bytes.count) : 0
        let hi = body ? max(lo, bytes.count - footer) : bytes.count
        guard lo < hi else { return "empty" }
        switch rng.int(0..<9) {
        case 0:
            let n = rng.int(1...20)
            for _ in 0..<n { bytes[rng.int(lo..<hi)] ^= 1 << UInt8(rng.int(0..<8)) }
            return "flip×\(n)"
        case 1:
            let at = rng.int(lo..<hi), n = min(hi - at, rng.int(1...64))
            for k in 0..<n { bytes[at + k] = rng.byte() }
            return "random×\(n)@\(at)"
        case 2, 3:
            let width = rng.pick([1, 2, 4, 8])
            let at = rng.int(lo..<hi)
            var value = rng.pick(interesting)
            if rng.chance(0.3) { value = UInt64(bytes.count) &+ UInt64(bitPattern: Int64(rng.int(-16...16))) }
            for k in 0..<width where at + k < hi { bytes[at + k] = UInt8(truncatingIfNeeded: value >> (8 * UInt64(k))) }
            return "value\(width)=\(value)@\(at)"
        case 4:
            let at = rng.int(lo..<hi), n = min(hi - at, rng.int(1...12))
            for k in 0..<n { bytes[at + k] = 0xFF }
            return "varint-bomb×\(n)@\(at)"
        case 5:
            let at = rng.int(lo..<hi), n = min(hi - at, rng.length(max: hi - at))
            bytes.removeSubrange(at..<(at + n))
            return "cut×\(n)@\(at)"
        case 6:
            let at = rng.int(lo...hi)
            let n = rng.length(max: 4096)
            bytes.insert(contentsOf: (0..<n).map { _ in rng.chance(0.5) ? 0 : rng.byte() }, at: at)
            return "insert×\(n)@\(at)"
        case 7:
            let at = rng.int(lo..<hi), n = min(hi - at, rng.length(max: hi - at))
            for k in 0..<n { bytes[at + k] = 0 }
            return "zero×\(n)@\(at)"
        default:
            // Copy a run from elsewhere in the same file (plausible-looking structure).
            let from = rng.int(lo..<hi), to = rng.int(lo..<hi), n = min(hi - max(from, to), rng.int(1...256))
            for k in 0..<n { bytes[to + k] = bytes[from + k] }
            return "copy×\(n)@\(from)→\(to)"
        }
    }

    /// Rewrites the footer CRC of `bytes` (when it has a footer) and returns the CRC.
    static func refooter(_ bytes: inout [UInt8]) -> UInt32? {
        guard bytes.count >= header + footer else { return nil }
        let end = bytes.count - footer
        let crc = bytes.withUnsafeBytes { KensakuIndex.crc32(UnsafeRawBufferPointer(rebasing: $0[0..<end])) }
        for k in 0..<4 { bytes[end + k] = UInt8(truncatingIfNeeded: crc >> (8 * UInt32(k))) }
        return crc
    }

    /// The manifest as a JSON object, edited by `body`, re-encoded.
    static func editManifest(_ bytes: [UInt8], _ body: (inout [String: Any]) -> Void) -> [UInt8] {
        guard var object = (try? JSONSerialization.jsonObject(with: Data(bytes))) as? [String: Any] else { return bytes }
        body(&object)
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys]) else { return bytes }
        return [UInt8](data)
    }

    static func manifestValue(_ rng: inout FuzzRandom) -> Any {
        switch rng.int(0..<6) {
        case 0: return rng.pick([0, 1, -1, 2, 3, 4, 5, 6, 7, 98, 99, 100, 254, 255, 256, 1000, Int(Int32.max), Int.max, Int.min])
        case 1: return rng.pick(["", "x", "ja", "en", "root", "ja@calendar=japanese", "\u{0}", String(repeating: "a", count: 5000), "../x", "section", "measure", "ministry"])
        case 2: return rng.pick([true, false])
        case 3: return NSNull()
        case 4: return rng.pick([0.5, -0.0, 1e300, 18446744073709551615.0])
        default: return [Any]()
        }
    }

    static func mutateManifestValues(_ object: inout [String: Any], _ rng: inout FuzzRandom) -> String {
        let topKeys = ["documentCount", "termCount", "generation", "titleField", "formatVersion", "icuVersion", "unicodeVersion", "corpus", "corpusFormat", "format"]
        switch rng.int(0..<6) {
        case 0:
            let key = rng.pick(topKeys)
            object[key] = manifestValue(&rng)
            return "manifest.\(key)"
        case 1, 2:
            guard var fields = object["fields"] as? [[String: Any]], !fields.isEmpty else { return "manifest.fields?" }
            let k = rng.int(0..<fields.count)
            var field = fields[k]
            var spec = field["spec"] as? [String: Any] ?? [:]
            let what = rng.int(0..<6)
            switch what {
            case 0: field["number"] = rng.pick([-1, 0, 1, fields.count, fields.count + 1, 255, 256, 1000, Int.max])
            case 1: field["totalLength"] = rng.pick([0, 1, Int(Int32.max), Int.max])
            case 2: spec["name"] = rng.pick(["", "section", "measure", "ministry", "status", "mark", "x y", "\u{0}"])
            case 3: spec["boost"] = rng.pick([0, -1, 1e308, 1e-308])
            case 4: spec["analyzed"] = rng.chance(0.5); spec["keyword"] = rng.chance(0.5)
            default: fields.append(field)
            }
            field["spec"] = spec
            if what != 5 { fields[k] = field }
            if rng.chance(0.2) { fields.shuffle(using: &rng) }
            object["fields"] = fields
            return "manifest.fields[\(k)].\(["number", "totalLength", "name", "boost", "analyzed", "dup"][what])"
        case 3:
            guard var files = object["files"] as? [[String: Any]], !files.isEmpty else { return "manifest.files?" }
            let k = rng.int(0..<files.count)
            switch rng.int(0..<4) {
            case 0: files[k]["name"] = rng.pick(["", "manifest.json", "../manifest.json", "g000002.terms", "/etc/passwd", "g000001.docs"])
            case 1: files[k]["bytes"] = rng.pick([0, -1, 20, Int.max])
            case 2: files.remove(at: k)
            default: files.append(files[k])
            }
            object["files"] = files
            return "manifest.files[\(k)]"
        case 4:
            var analyzer = object["analyzer"] as? [String: Any] ?? [:]
            let key = rng.pick(["locale", "rulesVersion", "foldHiraganaToKatakana"])
            analyzer[key] = key == "locale" ? rng.pick(["", "en", "th", "zh", "root", "xx_YY", "ja@lb=loose", String(repeating: "j", count: 300)]) : manifestValue(&rng)
            object["analyzer"] = analyzer
            return "manifest.analyzer.\(key)"
        default:
            let key = rng.pick(topKeys + ["fields", "files", "analyzer"])
            object.removeValue(forKey: key)
            return "manifest.-\(key)"
        }
    }

    func generate(_ rng: inout FuzzRandom) -> Input {
        var files: [String: [UInt8]?] = original.mapValues { $0 }
        var ops: [String] = []
        let dataFiles = names.filter { $0 != "manifest.json" }
        var touched = Set<String>()
        for _ in 0..<(rng.chance(0.8) ? 1 : rng.int(2...4)) {
            let choice = rng.int(0..<100)
            if choice < 55 {
                // Body corruption of a data file, fixed up below most of the time.
                let name = rng.pick(dataFiles)
                guard var bytes = files[name] ?? nil else { continue }
                ops.append(name + ":" + Self.corrupt(&bytes, body: true, &rng))
                files[name] = bytes
                touched.insert(name)
            } else if choice < 65 {
                let name = rng.pick(dataFiles)
                guard var bytes = files[name] ?? nil else { continue }
                if rng.chance(0.5) {
                    let n = rng.int(0...bytes.count)
                    bytes.removeSubrange(n...)
                    ops.append(name + ":truncate-to-\(n)")
                } else {
                    ops.append(name + ":raw-" + Self.corrupt(&bytes, body: false, &rng))
                }
                files[name] = bytes
            } else if choice < 72 {
                let a = rng.pick(dataFiles), b = rng.pick(dataFiles)
                let t = files[a] ?? nil
                files[a] = files[b] ?? nil
                files[b] = t
                if rng.chance(0.5) { touched.formUnion([a, b]) }
                ops.append("swap \(a) \(b)")
            } else if choice < 75 {
                let name = rng.pick(names)
                files[name] = .some(nil)
                ops.append("delete \(name)")
            } else if choice < 90 {
                guard let manifest = files["manifest.json"] ?? nil else { continue }
                var op = ""
                files["manifest.json"] = Self.editManifest(manifest) { op = Self.mutateManifestValues(&$0, &rng) }
                ops.append(op)
            } else {
                guard var manifest = files["manifest.json"] ?? nil else { continue }
                let m = Mutator(seeds: [], tokens: ["0", "-1", "\"", "{", "}", "[", "]", ",", "null", "1e999", "99999999999999999999"].map { Array($0.utf8) }, maxLength: 1 << 16)
                ops.append("manifest-bytes:" + m.mutate(&manifest, &rng, rounds: 3, keepUTF8: 0.8).joined(separator: ","))
                files["manifest.json"] = manifest
            }
        }
        // Fix-up: new footer CRCs, and the manifest's sizes and CRCs to match.
        if !touched.isEmpty && rng.chance(0.75), let manifest = files["manifest.json"] ?? nil {
            var crcs: [String: (Int, UInt32)] = [:]
            for name in touched {
                guard var bytes = files[name] ?? nil, let crc = Self.refooter(&bytes) else { continue }
                files[name] = bytes
                crcs[name] = (bytes.count, crc)
            }
            files["manifest.json"] = Self.editManifest(manifest) { object in
                guard var entries = object["files"] as? [[String: Any]] else { return }
                for k in entries.indices {
                    guard let name = entries[k]["name"] as? String, let entry = crcs[name] else { continue }
                    entries[k]["bytes"] = entry.0
                    entries[k]["crc32"] = String(format: "0x%08x", entry.1)
                }
                object["files"] = entries
            }
            ops.append("fix-up")
        }
        return Input(files: files, ops: ops)
    }

    func describe(_ input: Input) -> String { input.ops.joined(separator: "; ") }

    func save(_ input: Input, to directory: String) throws {
        try Self.write(input, to: directory + "/index")
        try writeFile(directory + "/corruption.txt", Array((describe(input) + "\n").utf8))
    }

    static func write(_ input: Input, to directory: String) throws {
        try? FileManager.default.removeItem(atPath: directory)
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        for (name, bytes) in input.files {
            if let bytes { try writeFile(directory + "/" + name, bytes) }
        }
    }

    // MARK: Execution

    static let queries: [(String, @Sendable (inout SearchOptions) -> Void)] = [
        ("婦人相談所", { _ in }), ("相談所 保護", { $0.allIDs = true }), ("罪", { _ in }), ("の", { $0.wordsOnly = true }),
        ("\"国際移住機関\"", { _ in }), ("第25条", { _ in }), ("平成23年", { $0.allIDs = true }), ("二〇一一年", { _ in }),
        ("人身取引 (被害者 OR 被害女性) -再掲", { $0.explain = true }), ("ministry:法務省 査証", { $0.facets = ["ministry"] }),
        ("-保護", { $0.filters = [("ministry", "法務省")] }), ("保護", { $0.facets = ["mark", "relisted"]; $0.limit = 100 }),
        ("IOM OR ＩＯＭ OR ＮＧＯ", { $0.exact = true }), ("a", { _ in }), ("被害", { $0.offset = 5 }),
    ]

    mutating func execute(_ input: Input, violation: (String) -> Void) -> [String] {
        counter += 1
        let directory = work + "/reader-\(counter)"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        do { try Self.write(input, to: directory) } catch { return ["cannot write the input: \(error)"] }
        var kinds: [String] = []
        let reader: IndexReader
        do { reader = try IndexReader.open(directory: directory) } catch { return ["open: " + ErrorKind.of(error)] }
        do { try reader.verify() } catch { kinds.append("verify: " + ErrorKind.of(error)) }
        let searcher: Searcher
        do { searcher = try Searcher(index: reader) } catch { return kinds + ["searcher: " + ErrorKind.of(error)] }
        for (query, configure) in Self.queries {
            var options = SearchOptions()
            configure(&options)
            do {
                let result = try searcher.search(query, options: options)
                for hit in result.hits.prefix(3) {
                    _ = reader.docs.id(hit.doc)
                    do {
                        // As the CLI reads it: bytes (a damaged store may hold ill-formed UTF-8),
                        // whose snippet is that of their string.
                        let stored = try reader.store.documentBytes(hit.doc)
                        if let value = stored.fields.first?.values.first {
                            let snippet = searcher.snippet(ofUTF8: value, terms: result.highlightTerms)
                            if snippet != searcher.snippet(of: String(decoding: value, as: UTF8.self), terms: result.highlightTerms) {
                                violation("the snippet of a stored value's bytes differs from that of its string")
                            }
                        }
                    } catch { kinds.append("store: " + ErrorKind.of(error)) }
                }
            } catch {
                kinds.append("search: " + ErrorKind.of(error))
            }
        }
        let count = reader.documentCount
        for doc in [-1, 0, count / 2, count - 1, count, count + 1, Int.max] {
            _ = reader.docs.id(doc)
            do { _ = try reader.store.document(doc) } catch { kinds.append("store: " + ErrorKind.of(error)) }
            for field in [-1, 0, 1, reader.manifest.fields.count, 300] {
                do {
                    let bounds = try reader.docs.wordBoundaries(field: field, doc: doc)
                    _ = bounds.alignedCount(starts: [0, 1, UInt32(bounds.bytes.count * 8), UInt32.max], length: 3)
                } catch { kinds.append("bounds: " + ErrorKind.of(error)) }
            }
        }
        for field in -1..<(reader.manifest.fields.count + 1) {
            let lengths = reader.docs.lengths(field: field)
            var sum: UInt64 = 0
            for length in lengths { sum &+= UInt64(length) }
            _ = reader.averageLength(field: field)
        }
        do {
            _ = try reader.lookup([0, 1] + Array("保護".utf8))
            _ = try reader.terms(withPrefix: [2, 2])
        } catch { kinds.append("terms: " + ErrorKind.of(error)) }
        return Array(Set(kinds)).sorted()
    }
}
