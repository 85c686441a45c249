import KensakuTestSupport
import Testing
@testable import KensakuAnalysis

@Suite("Invalid UTF-8")
struct InvalidUTF8Tests {
    static let cases: [(String, [UInt8], Int)] = [
        ("truncated 3-byte sequence at the end", Array("ab".utf8) + [0xE3, 0x81], 2),
        ("truncated 3-byte sequence before ASCII", [0xE3, 0x81, 0x41], 0),
        ("truncated 4-byte sequence at the end", Array("婦人".utf8) + [0xF0, 0x9F, 0x98], 6),
        ("lone continuation byte", Array("婦人".utf8) + [0xBF], 6),
        ("overlong 2-byte '/'", [0x61, 0xC0, 0xAF], 1),
        ("overlong 2-byte with C1", [0xC1, 0xBF], 0),
        ("overlong 3-byte", [0xE0, 0x80, 0xAF], 0),
        ("overlong 4-byte", Array("x".utf8) + [0xF0, 0x80, 0x80, 0xAF], 1),
        ("UTF-16 high surrogate encoded", Array("あ".utf8) + [0xED, 0xA0, 0x80], 3),
        ("UTF-16 low surrogate encoded", [0xED, 0xBF, 0xBF], 0),
        ("0xFF", [0x41, 0xFF], 1),
        ("0xFE", [0xFE, 0x41], 0),
        ("past U+10FFFF", Array("😀".utf8) + [0xF4, 0x90, 0x80, 0x80], 4),
        ("lead byte 0xF5", [0xF5, 0x80, 0x80, 0x80], 0),
        ("lead byte 0xF8 (5-byte form)", [0xF8, 0x88, 0x80, 0x80, 0x80], 0),
        ("bad continuation in the middle", Array("相談".utf8) + [0xE6, 0x89] + Array("所".utf8), 6),
    ]

    @Test("throws invalidUTF8 at the start of the bad sequence", arguments: cases)
    func invalid(name: String, bytes: [UInt8], offset: Int) {
        for memoize in [true, false] {
            #expect(throws: AnalysisError.invalidUTF8(byteOffset: offset), "\(name)") {
                _ = try analyzeRaw(bytes, memoize: memoize)
            }
        }
        #expect(validationError(bytes) == offset, "the reference decoder disagrees for \(name)")
    }

    /// Boundary scalars that are valid.
    @Test("accepts every boundary of the well-formed ranges", arguments: [
        [0x7F], [0xC2, 0x80], [0xDF, 0xBF], [0xE0, 0xA0, 0x80], [0xED, 0x9F, 0xBF], [0xEE, 0x80, 0x80],
        [0xEF, 0xBF, 0xBF], [0xF0, 0x90, 0x80, 0x80], [0xF4, 0x8F, 0xBF, 0xBF],
    ] as [[UInt8]])
    func valid(bytes: [UInt8]) throws {
        let analyzed = try analyzeRaw(bytes)
        #expect(String(validating: bytes, as: UTF8.self) != nil)
        #expect(analyzed.text.sourceEnd.allSatisfy { Int($0) <= bytes.count })
    }

    /// The offset of the first ill-formed sequence according to the standard library's decoder.
    func validationError(_ bytes: [UInt8]) -> Int? {
        var iterator = bytes.makeIterator()
        var decoder = UTF8()
        var offset = 0
        while true {
            switch decoder.decode(&iterator) {
            case .scalarValue(let scalar): offset += UTF8.width(scalar)
            case .emptyInput: return nil
            case .error: return offset
            }
        }
    }

    /// Random corruption of real text: the analyzer agrees with the standard library on whether
    /// and where the input is ill-formed, and never crashes.
    @Test("random corruption", arguments: [21, 22, 23] as [UInt64])
    func randomCorruption(seed: UInt64) throws {
        var rng = SeededGenerator(seed: seed)
        let analyzer = try Analyzer()
        var invalid = 0
        for text in RandomText.samples(seed: seed, count: 300, maxLength: 40) {
            var bytes = Array(text.utf8)
            for _ in 0..<Int.random(in: 0...2, using: &rng) where !bytes.isEmpty {
                let i = Int.random(in: 0..<bytes.count, using: &rng)
                switch Int.random(in: 0..<4, using: &rng) {
                case 0: bytes[i] = UInt8.random(in: 0x80...0xFF, using: &rng)
                case 1: bytes.remove(at: i)
                case 2: bytes.insert(UInt8.random(in: 0x80...0xFF, using: &rng), at: i)
                default: bytes.removeSubrange(i...)
                }
            }
            let expected = validationError(bytes)
            do throws(AnalysisError) {
                let analyzed = try bytes.withUnsafeBufferPointer { (buffer) throws(AnalysisError) in try analyzer.analyze(utf8: buffer) }
                #expect(expected == nil, "accepted ill-formed bytes \(bytes)")
                #expect(analyzed.text.sourceEnd.allSatisfy { Int($0) <= bytes.count })
            } catch {
                invalid += 1
                #expect(error == .invalidUTF8(byteOffset: expected ?? -1), "bytes \(bytes)")
            }
        }
        #expect(invalid > 50)
    }
}
