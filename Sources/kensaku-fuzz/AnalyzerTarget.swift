import KensakuAnalysis

/// `analyze(utf8:)` on mutated bytes. Checks: ill-formed UTF-8 is rejected at the first bad
/// byte and well-formed text accepted; every token lies within the normalized text; every
/// unit maps to a byte range of whole source characters; memoized and one-call segmentation
/// agree; dropping the offset map changes nothing else.
struct AnalyzerTarget: FuzzTarget {
    static let name = "analyzer"

    struct Input {
        var bytes: [UInt8]
        var ops: [String]
    }

    private let seeds: [[UInt8]]
    private let mutator: Mutator
    private let memoized: Analyzer
    private let plain: Analyzer

    init(context: FuzzContext) throws {
        seeds = context.tableLines() + context.queries().map { Array($0.utf8) } + Hostile.textBytes
        mutator = Mutator(seeds: seeds, maxLength: 1 << 16)
        memoized = try Analyzer()
        plain = try Analyzer()
    }

    func generate(_ rng: inout FuzzRandom) -> Input {
        var bytes: [UInt8] = []
        var ops: [String] = []
        switch rng.int(0..<100) {
        case 0..<5:
            bytes = (0..<rng.length(max: 256)).map { _ in rng.byte() }
            ops.append("random")
        case 5..<7:
            // Large: seed text repeated to about 1 MB.
            let seed = rng.pick(seeds)
            while bytes.count < 1 << 20 { bytes += seed.isEmpty ? [0x20] : seed }
            ops.append("large")
        case 7..<20:
            for _ in 0..<rng.int(2...6) { bytes += rng.pick(seeds) }
            ops.append("concat")
        default:
            bytes = rng.pick(seeds)
        }
        var m = mutator
        m.maxLength = max(mutator.maxLength, bytes.count + 4096)
        ops += m.mutate(&bytes, &rng, rounds: 8)
        return Input(bytes: bytes, ops: ops)
    }

    func describe(_ input: Input) -> String {
        "\(input.bytes.count) bytes [\(input.ops.joined(separator: ","))] \(preview(input.bytes))"
    }

    func save(_ input: Input, to directory: String) throws {
        try writeFile(directory + "/input.bin", input.bytes)
    }

    mutating func execute(_ input: Input, violation: (String) -> Void) -> [String] {
        let bytes = input.bytes
        let valid = isValidUTF8(bytes)
        let analyzed: AnalyzedText
        do {
            analyzed = try bytes.withUnsafeBufferPointer { (buffer) throws(AnalysisError) in try memoized.analyze(utf8: buffer) }
        } catch {
            if case .invalidUTF8(let offset) = error {
                if valid { violation("well-formed UTF-8 rejected: \(error)") }
                if offset < 0 || offset >= bytes.count {
                    violation("invalidUTF8 offset \(offset) outside 0..<\(bytes.count)")
                } else if !isValidUTF8(Array(bytes[..<offset])) {
                    violation("invalidUTF8 offset \(offset) is not the first bad sequence")
                }
            }
            return [ErrorKind.of(error)]
        }
        if !valid { violation("ill-formed UTF-8 accepted") }
        let text = analyzed.text
        let n = text.units.count
        if text.sourceStart.count != n || text.sourceEnd.count != n {
            violation("offset map sizes \(text.sourceStart.count)/\(text.sourceEnd.count) for \(n) units")
            return []
        }
        for i in 0..<n {
            let s = Int(text.sourceStart[i]), e = Int(text.sourceEnd[i])
            guard 0 <= s, s < e, e <= bytes.count else {
                violation("unit \(i) maps to bytes \(s)..<\(e) of \(bytes.count)")
                return []
            }
            if bytes[s] & 0xC0 == 0x80 || (e < bytes.count && bytes[e] & 0xC0 == 0x80) {
                violation("unit \(i) maps to bytes \(s)..<\(e), not whole characters")
                return []
            }
        }
        func check(_ tokens: [TokenSpan], _ what: String) {
            var previous = -1
            for t in tokens {
                guard 0 <= t.start, t.start < t.end, Int(t.end) <= n else {
                    violation("\(what) token \(t.start)..<\(t.end) out of bounds (\(n) units)")
                    return
                }
                guard Int(t.start) > previous || what == "number" else {
                    violation("\(what) tokens out of order at \(t.start)")
                    return
                }
                previous = Int(t.start)
                let range = analyzed.sourceRange(t)
                guard range.lowerBound >= 0, range.lowerBound <= range.upperBound, range.upperBound <= bytes.count else {
                    violation("\(what) token \(t.start)..<\(t.end) has source range \(range) outside \(bytes.count) bytes")
                    return
                }
            }
        }
        check(analyzed.words, "word")
        check(analyzed.grams, "gram")
        check(analyzed.numbers.map { TokenSpan(start: $0.start, end: $0.end) }, "number")
        for number in analyzed.numbers where number.value.isEmpty || !number.value.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == ".") }) {
            violation("number \(number.start)..<\(number.end) has value '\(number.value)'")
            break
        }
        // Differential: one ICU call instead of the memo; no offset map.
        do {
            let other = try bytes.withUnsafeBufferPointer { (buffer) throws(AnalysisError) in try plain.analyze(utf8: buffer, memoize: false, offsets: false) }
            if other.text.units != text.units { violation("normalization differs without the offset map") }
            if other.words != analyzed.words {
                violation("memoized words differ from one-call segmentation (\(analyzed.words.count) vs \(other.words.count) words)")
            }
            if other.grams != analyzed.grams { violation("grams differ between analyzers") }
            if other.numbers != analyzed.numbers { violation("numbers differ between analyzers") }
        } catch {
            violation("second analysis failed: \(error)")
        }
        return []
    }
}
