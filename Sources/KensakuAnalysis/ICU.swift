import CKensakuICU

/// The ICU library that analysis runs with. Its versions are part of an index's identity:
/// a different ICU may segment or normalize differently, so an index records them.
public enum ICU {
    /// ICU's version, e.g. "72.1".
    public static let version: String = readVersion(kk_icu_version)
    /// The Unicode version ICU implements, e.g. "15.0".
    public static let unicodeVersion: String = readVersion(kk_unicode_version)

    private static func readVersion(_ reader: (UnsafeMutablePointer<CChar>?, Int32) -> Void) -> String {
        var buffer = [CChar](repeating: 0, count: 32)
        buffer.withUnsafeMutableBufferPointer { reader($0.baseAddress, Int32($0.count)) }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    static func errorName(_ code: Int32) -> String {
        String(cString: kk_icu_error_name(code))
    }
}

/// ICU's word-break rule status classes (`UWordBreak`).
public enum WordStatus {
    /// Segments with a status at or above this are word-like (numbers, letters, kana, ideographs).
    public static let wordLike: Int32 = 100
}

/// A dictionary word-break iterator: ICU alone, without normalization, memo or repair (the
/// analyzer's word stream is built on it; benchmarks measure it as the raw ICU figure). Not
/// thread-safe: each thread opens its own.
public final class WordBreaker {
    private let handle: OpaquePointer
    private var ends: [Int32] = []
    private var statuses: [Int32] = []

    public init(locale: String) throws(AnalysisError) {
        var error: Int32 = 0
        guard let handle = kk_wordbreaker_open(locale, &error) else {
            throw .icu(operation: "ubrk_open(\(locale))", code: ICU.errorName(error))
        }
        self.handle = handle
    }

    deinit { kk_wordbreaker_close(handle) }

    /// Segments `units` and calls `body(start, end, status)` for each segment, in order.
    /// - Complexity: O(n) in the length of `units`; ICU's dictionary engine dominates.
    public func segment(_ units: UnsafeBufferPointer<UInt16>, _ body: (Int, Int, Int32) -> Void) throws(AnalysisError) {
        let count = units.count
        guard count > 0 else { return }
        if ends.count < count {
            ends = [Int32](repeating: 0, count: count)
            statuses = [Int32](repeating: 0, count: count)
        }
        var error: Int32 = 0
        let segments = ends.withUnsafeMutableBufferPointer { endsBuffer in
            statuses.withUnsafeMutableBufferPointer { statusBuffer in
                kk_wordbreaker_segment(handle, units.baseAddress, Int32(count), endsBuffer.baseAddress,
                                       statusBuffer.baseAddress, &error)
            }
        }
        guard segments >= 0 else { throw .icu(operation: "ubrk_setText", code: ICU.errorName(error)) }
        ends.withUnsafeBufferPointer { ends in
            statuses.withUnsafeBufferPointer { statuses in
                var start = 0
                for i in 0..<Int(segments) {
                    let end = Int(ends[i])
                    body(start, end, statuses[i])
                    start = end
                }
            }
        }
    }
}
