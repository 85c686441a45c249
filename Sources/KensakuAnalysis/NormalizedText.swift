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
    /// - Complexity: O(n); transcodes to UTF-8 in one pass (Swift's generic UTF-16 decoding
    ///   costs about a microsecond for a query-sized text).
    public var string: String {
        // (Capacity 0 would write into the shared empty-array storage: see `Analyzer.repairKatakana`.)
        guard !units.isEmpty else { return "" }
        // At most 3 UTF-8 bytes per UTF-16 unit (a surrogate pair: 4 bytes for 2 units).
        let utf8 = [UInt8](unsafeUninitializedCapacity: 3 * units.count) { buffer, count in
            var k = 0
            var i = 0
            let n = units.count
            while i < n {
                var scalar = UInt32(units[i])
                i += 1
                if scalar >= 0xD800 && scalar <= 0xDFFF {
                    if scalar <= 0xDBFF, i < n, units[i] >= 0xDC00 && units[i] <= 0xDFFF {
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (UInt32(units[i]) - 0xDC00)
                        i += 1
                    } else {
                        scalar = 0xFFFD  // a lone surrogate, as String(decoding:as:) repairs it
                    }
                }
                if scalar < 0x80 {
                    buffer[k] = UInt8(scalar); k += 1
                } else if scalar < 0x800 {
                    buffer[k] = UInt8(0xC0 | scalar >> 6); buffer[k + 1] = UInt8(0x80 | scalar & 0x3F); k += 2
                } else if scalar < 0x10000 {
                    buffer[k] = UInt8(0xE0 | scalar >> 12); buffer[k + 1] = UInt8(0x80 | (scalar >> 6) & 0x3F)
                    buffer[k + 2] = UInt8(0x80 | scalar & 0x3F); k += 3
                } else {
                    buffer[k] = UInt8(0xF0 | scalar >> 18); buffer[k + 1] = UInt8(0x80 | (scalar >> 12) & 0x3F)
                    buffer[k + 2] = UInt8(0x80 | (scalar >> 6) & 0x3F); buffer[k + 3] = UInt8(0x80 | scalar & 0x3F); k += 4
                }
            }
            count = k
        }
        return String(decoding: utf8, as: UTF8.self)
    }

    /// The original byte range of normalized units `start..<end` (non-empty).
    public func sourceRange(_ start: Int, _ end: Int) -> Range<Int> {
        Int(sourceStart[start])..<Int(sourceEnd[end - 1])
    }
}

/// Validating UTF-8 → UTF-16 decoding that records each unit's byte offset.
enum UTF8Decoding {
    /// Decodes `bytes` into `units` (room for `bytes.count` units) and returns the number of
    /// units; `offsets[i]` (room for `bytes.count + 1`) is the byte offset where unit `i`
    /// begins, and `offsets[count]` is `bytes.count`. Both units of a surrogate pair get the
    /// offset of their code point.
    /// - Throws: ``AnalysisError/invalidUTF8(byteOffset:)`` at the first ill-formed sequence
    ///   (truncated sequences, stray continuation bytes, overlong forms, surrogates and values
    ///   past U+10FFFF are ill-formed).
    /// - Complexity: O(n).
    static func decode(_ bytes: UnsafeBufferPointer<UInt8>, units: UnsafeMutablePointer<UInt16>,
                       offsets: UnsafeMutablePointer<Int32>) throws(AnalysisError) -> Int {
        let n = bytes.count
        guard let base = bytes.baseAddress, n > 0 else {
            offsets[0] = 0
            return 0
        }
        var i = 0
        var count = 0
        while i < n {
            let b0 = base[i]
            if b0 < 0x80 {
                units[count] = UInt16(b0)
                offsets[count] = Int32(truncatingIfNeeded: i)
                count += 1
                i += 1
                continue
            }
            // Fast path for the common case in Japanese text: a well-formed 3-byte sequence.
            if b0 & 0xF0 == 0xE0 && i + 2 < n {
                let b1 = base[i + 1], b2 = base[i + 2]
                if b1 & 0xC0 == 0x80 && b2 & 0xC0 == 0x80 {
                    let scalar = UInt32(b0 & 0x0F) << 12 | UInt32(b1 & 0x3F) << 6 | UInt32(b2 & 0x3F)
                    if scalar >= 0x800 && (scalar < 0xD800 || scalar > 0xDFFF) {
                        units[count] = UInt16(truncatingIfNeeded: scalar)
                        offsets[count] = Int32(truncatingIfNeeded: i)
                        count += 1
                        i += 3
                        continue
                    }
                }
            }
            // Everything else, and the errors.
            var scalar: UInt32
            let length: Int
            if b0 >= 0xE0 && b0 <= 0xEF {
                length = 3; scalar = UInt32(b0 & 0x0F)
            } else if b0 >= 0xC2 && b0 <= 0xDF {
                length = 2; scalar = UInt32(b0 & 0x1F)
            } else if b0 >= 0xF0 && b0 <= 0xF4 {
                length = 4; scalar = UInt32(b0 & 0x07)
            } else {
                throw .invalidUTF8(byteOffset: i)
            }
            guard i + length <= n else { throw .invalidUTF8(byteOffset: i) }
            for k in 1..<length {
                let b = base[i + k]
                guard b & 0xC0 == 0x80 else { throw .invalidUTF8(byteOffset: i) }
                scalar = scalar << 6 | UInt32(b & 0x3F)
            }
            switch length {
            case 3 where scalar < 0x800 || (0xD800...0xDFFF).contains(scalar): throw .invalidUTF8(byteOffset: i)
            case 4 where scalar < 0x10000 || scalar > 0x10FFFF: throw .invalidUTF8(byteOffset: i)
            default: break
            }
            let offset = Int32(truncatingIfNeeded: i)
            if scalar < 0x10000 {
                units[count] = UInt16(truncatingIfNeeded: scalar)
                offsets[count] = offset
                count += 1
            } else {
                let v = scalar - 0x10000
                units[count] = UInt16(truncatingIfNeeded: 0xD800 + (v >> 10))
                units[count + 1] = UInt16(truncatingIfNeeded: 0xDC00 + (v & 0x3FF))
                offsets[count] = offset
                offsets[count + 1] = offset
                count += 2
            }
            i += length
        }
        offsets[count] = Int32(truncatingIfNeeded: n)
        return count
    }
}

/// Reusable normalization buffers (one set per analyzer, so per thread). The buffers only
/// grow; each call uses a prefix of them.
struct Normalizer {
    fileprivate var source: [UInt16] = []
    private var sourceOffsets: [Int32] = []
    private var output: [UInt16] = []
    private var mapStart: [Int32] = []
    private var mapEnd: [Int32] = []

    /// Normalizes UTF-8 `bytes`. - Complexity: O(n).
    /// - Parameter offsets: compute the source byte ranges (`false` leaves them empty, for
    ///   indexing, which needs only the terms).
    mutating func normalize(_ bytes: UnsafeBufferPointer<UInt8>, hiraganaToKatakana: Bool, offsets wantOffsets: Bool = true) throws(AnalysisError) -> NormalizedText {
        // Decode into the source buffers (a UTF-8 byte makes at most one UTF-16 unit).
        if source.count < bytes.count { source = [UInt16](repeating: 0, count: max(bytes.count, 2 * source.count)) }
        if sourceOffsets.count < bytes.count + 1 { sourceOffsets = [Int32](repeating: 0, count: max(bytes.count + 1, 2 * sourceOffsets.count)) }
        let length = try source.withUnsafeMutableBufferPointer { (units) throws(AnalysisError) -> Int in
            try sourceOffsets.withUnsafeMutableBufferPointer { (offsets) throws(AnalysisError) -> Int in
                let length = try UTF8Decoding.decode(bytes, units: units.baseAddress!, offsets: offsets.baseAddress!)
                JapaneseFolding.foldBeforeNFKC(UnsafeMutableBufferPointer(rebasing: units[0..<length]))
                return length
            }
        }
        guard length > 0 else { return NormalizedText(units: [], sourceStart: [], sourceEnd: []) }

        if !wantOffsets { return try normalizeWithoutMap(length, hiraganaToKatakana: hiraganaToKatakana) }
        var capacity = length + length / 2 + 16
        var produced = 0
        while true {
            if output.count < capacity {
                output = [UInt16](repeating: 0, count: capacity)
                mapStart = [Int32](repeating: 0, count: capacity)
                mapEnd = [Int32](repeating: 0, count: capacity)
            }
            var error: Int32 = 0
            let cap = Int32(output.count)
            produced = Int(source.withUnsafeBufferPointer { src in
                output.withUnsafeMutableBufferPointer { out in
                    mapStart.withUnsafeMutableBufferPointer { ms in
                        mapEnd.withUnsafeMutableBufferPointer { me in
                            kk_normalize_nfkc_cf_mapped(src.baseAddress, Int32(length), out.baseAddress,
                                                        ms.baseAddress, me.baseAddress, cap, &error)
                        }
                    }
                }
            })
            if error == KK_ICU_BUFFER_OVERFLOW { capacity = max(produced, output.count * 2); continue }
            if error > 0 || produced < 0 { throw .icu(operation: "unorm2_normalize", code: ICU.errorName(error)) }
            break
        }
        let count = produced
        // All ignorable (NFKC_Casefold removes U+200B and the like). (Capacity 0 would write into
        // the shared empty-array storage: see `Analyzer.repairKatakana`.)
        guard count > 0 else { return NormalizedText(units: [], sourceStart: [], sourceEnd: []) }
        let units = output.withUnsafeBufferPointer { out in
            [UInt16](unsafeUninitializedCapacity: count) { buffer, initialized in
                _ = buffer.initialize(from: UnsafeBufferPointer(rebasing: out[0..<count]))
                JapaneseFolding.foldAfterNFKC(UnsafeMutableBufferPointer(rebasing: buffer[0..<count]), hiraganaToKatakana: hiraganaToKatakana)
                initialized = count
            }
        }
        guard wantOffsets else { return NormalizedText(units: units, sourceStart: [], sourceEnd: []) }
        return sourceOffsets.withUnsafeBufferPointer { offsets in
            func mapped(_ map: [Int32]) -> [Int32] {
                map.withUnsafeBufferPointer { map in
                    [Int32](unsafeUninitializedCapacity: count) { buffer, initialized in
                        for i in 0..<count { buffer.initializeElement(at: i, to: offsets[Int(map[i])]) }
                        initialized = count
                    }
                }
            }
            return NormalizedText(units: units, sourceStart: mapped(mapStart), sourceEnd: mapped(mapEnd))
        }
    }
}

extension Normalizer {
    /// NFKC-casefold of the first `length` decoded units in one ICU call, without the map back
    /// to the source: the same units as the mapped path, which normalizes segment by segment
    /// between normalization boundaries (NFKC of a concatenation split at boundaries is the
    /// concatenation of the parts), at less cost.
    private mutating func normalizeWithoutMap(_ length: Int, hiraganaToKatakana: Bool) throws(AnalysisError) -> NormalizedText {
        var capacity = length + length / 2 + 16
        while true {
            var error: Int32 = 0
            var produced = 0
            let units = try source.withUnsafeBufferPointer { (src) throws(AnalysisError) -> [UInt16] in
                try [UInt16](unsafeUninitializedCapacity: capacity) { (buffer, initialized) throws(AnalysisError) in
                    produced = Int(kk_normalize_nfkc_cf(src.baseAddress, Int32(length), buffer.baseAddress, Int32(capacity), &error))
                    if error == KK_ICU_BUFFER_OVERFLOW { initialized = 0; return }
                    if error > 0 || produced < 0 { throw .icu(operation: "unorm2_normalize", code: ICU.errorName(error)) }
                    JapaneseFolding.foldAfterNFKC(UnsafeMutableBufferPointer(rebasing: buffer[0..<produced]), hiraganaToKatakana: hiraganaToKatakana)
                    initialized = produced
                }
            }
            if error == KK_ICU_BUFFER_OVERFLOW {
                capacity = max(produced, 2 * capacity)
                continue
            }
            return NormalizedText(units: units, sourceStart: [], sourceEnd: [])
        }
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
