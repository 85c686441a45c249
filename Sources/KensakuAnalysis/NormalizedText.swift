import CKensakuICU

/// Text after normalization (NFKC + case folding + the Japanese folds), as UTF-16, with the
/// byte range of the original UTF-8 that every normalized unit came from.
///
/// A normalized unit may come from several original characters (a decomposition segment such
/// as か + ゛), and several units from one (㍿ → 株式会社): each unit maps to the whole source
/// segment, so a highlight of any normalized range covers whole original characters.
public struct NormalizedText: Sendable {
    /// Normalized UTF-16 code units.
    public var units: [UInt16]
    /// For each unit, the start of its source segment, as a byte offset into the original UTF-8.
    public var sourceStart: [Int32]
    /// For each unit, the end of its source segment (exclusive), as a byte offset.
    public var sourceEnd: [Int32]

    /// The normalized text as a string.
    public var string: String { String(decoding: units, as: UTF16.self) }

    /// The original byte range of normalized units `start..<end` (non-empty).
    public func sourceRange(_ start: Int, _ end: Int) -> Range<Int> {
        Int(sourceStart[start])..<Int(sourceEnd[end - 1])
    }
}

/// Validating UTF-8 → UTF-16 decoding that records each unit's byte offset.
enum UTF8Decoding {
    /// Decodes `bytes`; `offsets[i]` is the byte offset where unit `i` begins, and
    /// `offsets[units.count]` is `bytes.count`. Both units of a surrogate pair get the offset
    /// of their code point.
    /// - Throws: ``AnalysisError/invalidUTF8(byteOffset:)`` at the first ill-formed sequence
    ///   (overlong forms, surrogates and values past U+10FFFF are ill-formed).
    /// - Complexity: O(n).
    static func decode(_ bytes: UnsafeBufferPointer<UInt8>, units: inout [UInt16], offsets: inout [Int32]) throws(AnalysisError) {
        units.removeAll(keepingCapacity: true)
        offsets.removeAll(keepingCapacity: true)
        units.reserveCapacity(bytes.count)
        offsets.reserveCapacity(bytes.count + 1)
        let n = bytes.count
        var i = 0
        while i < n {
            let b0 = bytes[i]
            if b0 < 0x80 {
                units.append(UInt16(b0)); offsets.append(Int32(i)); i += 1
                continue
            }
            var scalar: UInt32
            var length: Int
            if b0 >= 0xC2 && b0 <= 0xDF {
                length = 2; scalar = UInt32(b0 & 0x1F)
            } else if b0 >= 0xE0 && b0 <= 0xEF {
                length = 3; scalar = UInt32(b0 & 0x0F)
            } else if b0 >= 0xF0 && b0 <= 0xF4 {
                length = 4; scalar = UInt32(b0 & 0x07)
            } else {
                throw .invalidUTF8(byteOffset: i)
            }
            guard i + length <= n else { throw .invalidUTF8(byteOffset: i) }
            for k in 1..<length {
                let b = bytes[i + k]
                guard b & 0xC0 == 0x80 else { throw .invalidUTF8(byteOffset: i) }
                scalar = scalar << 6 | UInt32(b & 0x3F)
            }
            switch length {
            case 3 where scalar < 0x800 || (0xD800...0xDFFF).contains(scalar): throw .invalidUTF8(byteOffset: i)
            case 4 where scalar < 0x10000 || scalar > 0x10FFFF: throw .invalidUTF8(byteOffset: i)
            default: break
            }
            if scalar < 0x10000 {
                units.append(UInt16(scalar)); offsets.append(Int32(i))
            } else {
                let v = scalar - 0x10000
                units.append(UInt16(0xD800 + (v >> 10))); offsets.append(Int32(i))
                units.append(UInt16(0xDC00 + (v & 0x3FF))); offsets.append(Int32(i))
            }
            i += length
        }
        offsets.append(Int32(n))
    }
}

/// Reusable normalization buffers (one set per analyzer, so per thread).
struct Normalizer {
    private var source: [UInt16] = []
    private var sourceOffsets: [Int32] = []
    private var output: [UInt16] = []
    private var mapStart: [Int32] = []
    private var mapEnd: [Int32] = []

    /// Normalizes UTF-8 `bytes`. - Complexity: O(n).
    /// - Parameter offsets: compute the source byte ranges (`false` leaves them empty, for
    ///   indexing, which needs only the terms).
    mutating func normalize(_ bytes: UnsafeBufferPointer<UInt8>, hiraganaToKatakana: Bool, offsets wantOffsets: Bool = true) throws(AnalysisError) -> NormalizedText {
        try UTF8Decoding.decode(bytes, units: &source, offsets: &sourceOffsets)
        JapaneseFolding.foldBeforeNFKC(&source)
        var capacity = source.count + source.count / 2 + 16
        var produced = 0
        while true {
            if output.count < capacity {
                output = [UInt16](repeating: 0, count: capacity)
                mapStart = [Int32](repeating: 0, count: capacity)
                mapEnd = [Int32](repeating: 0, count: capacity)
            }
            var error: Int32 = 0
            let cap = Int32(capacity)
            produced = Int(source.withUnsafeBufferPointer { src in
                output.withUnsafeMutableBufferPointer { out in
                    mapStart.withUnsafeMutableBufferPointer { ms in
                        mapEnd.withUnsafeMutableBufferPointer { me in
                            kk_normalize_nfkc_cf_mapped(src.baseAddress, Int32(src.count), out.baseAddress,
                                                        ms.baseAddress, me.baseAddress, cap, &error)
                        }
                    }
                }
            })
            if error == KK_ICU_BUFFER_OVERFLOW { capacity = max(produced, capacity * 2); continue }
            if error > 0 || produced < 0 { throw .icu(operation: "unorm2_normalize", code: ICU.errorName(error)) }
            break
        }
        var units = Array(output[0..<produced])
        JapaneseFolding.foldAfterNFKC(&units, hiraganaToKatakana: hiraganaToKatakana)
        guard wantOffsets else { return NormalizedText(units: units, sourceStart: [], sourceEnd: []) }
        var starts = [Int32](repeating: 0, count: produced)
        var ends = [Int32](repeating: 0, count: produced)
        sourceOffsets.withUnsafeBufferPointer { offsets in
            for i in 0..<produced {
                starts[i] = offsets[Int(mapStart[i])]
                ends[i] = offsets[Int(mapEnd[i])]
            }
        }
        return NormalizedText(units: units, sourceStart: starts, sourceEnd: ends)
    }
}

/// NFKC-casefold of a string, with the Japanese folds: the analyzer's normalization without
/// the offset map (for fields, filters and tests).
public func normalizeForSearch(_ text: String, hiraganaToKatakana: Bool = false) -> String {
    var normalizer = Normalizer()
    var copy = text
    let result = copy.withUTF8 { bytes in try? normalizer.normalize(bytes, hiraganaToKatakana: hiraganaToKatakana) }
    return result?.string ?? text
}
