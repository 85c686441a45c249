/// Word boundaries of one field of one document: a bitmap over the positions (UTF-16 offsets
/// into the field's normalized text), bit `p` set when a word of the analyzer's word stream
/// starts or ends at position `p`. An occurrence found through the grams at `[s, s + n)` is
/// *word-aligned* when bits `s` and `s + n` are both set: it does not start or end inside a
/// word (査証 inside 検査|証 is not; 相談所 in 婦人|相談|所|では is).
///
/// The bitmap replaces positional word postings (format 2), which took 30% of an index to
/// answer only this question; it takes one bit a position instead of about 12 bits a word.
/// Bits are stored low bit first: position `p` is bit `p & 7` of byte `p >> 3`.
public struct WordBoundaries {
    /// The bitmap bytes (mapped, or a builder's buffer).
    public let bytes: UnsafeRawBufferPointer

    public init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    /// Whether a word starts or ends at `position` (false past the bitmap).
    @inline(__always)
    public func contains(_ position: UInt32) -> Bool {
        let byte = Int(position >> 3)
        guard byte < bytes.count else { return false }
        return bytes[byte] & (1 << UInt8(position & 7)) != 0
    }

    /// How many of `starts` begin an occurrence of length `length` that is word-aligned.
    /// - Complexity: O(starts).
    public func alignedCount(starts: [UInt32], length: UInt32) -> Int {
        starts.withUnsafeBufferPointer { alignedCount(starts: $0, length: length) }
    }

    /// ``alignedCount(starts:length:)`` over a buffer (a prefix of a reused scratch array).
    public func alignedCount(starts: UnsafeBufferPointer<UInt32>, length: UInt32) -> Int {
        var n = 0
        for s in starts where contains(s) && contains(s &+ length) { n += 1 }
        return n
    }
}

/// Collects the word boundaries of one field of the document being indexed.
struct WordBoundaryBuilder {
    private(set) var bytes: [UInt8] = []

    /// Marks a boundary at `position`.
    @inline(__always)
    mutating func mark(_ position: Int) {
        let byte = position >> 3
        if byte >= bytes.count { bytes.append(contentsOf: repeatElement(0, count: byte + 1 - bytes.count)) }
        bytes[byte] |= 1 << UInt8(position & 7)
    }

    mutating func reset() { bytes.removeAll(keepingCapacity: true) }
}
