import KensakuAnalysis

/// What a term key indexes within a field.
public enum TermKind: UInt8, Sendable {
    case word = 0
    case gram = 1
    /// An exact, normalized keyword value (filters and facets).
    case keyword = 2
    /// A number's canonical value and the length of its text: `value#length` (UTF-16 units),
    /// at the position of the text (see `JapaneseNumbers`).
    case number = 3
    /// Three characters of one run, at the position of the first, in an index built with them
    /// (see ``Trigrams``): a term of three characters or more is matched by its trigrams as well
    /// as its bigrams, and a trigram's positions are far fewer than those of either bigram in it.
    case trigram = 4
    /// A frequent n-gram's occurrences and word-aligned occurrences in each doc that holds it,
    /// in an index built with n-grams (see ``Ngrams``): packed in one number (``NgramCount``),
    /// stored where a position would be, with a term frequency of 1.
    case ngramCount = 5
    /// A frequent n-gram's word-aligned occurrences in a doc whose count is too large to pack
    /// with them (``NgramCount/escape``), when it has any. (In ``Ngrams/layout`` 1, in every
    /// doc that had any.)
    case ngramAligned = 6

    init(_ kind: TokenKind) { self = kind == .word ? .word : .gram }
}

/// Term keys as stored in the dictionary: `field:u8 kind:u8 term:UTF-8`. Byte order equals
/// (field, kind, code point) order, so all grams of a field that start with one character
/// form one contiguous range.
public enum TermKey {
    public static func make(field: Int, kind: TermKind, term: some Collection<UInt8>) -> [UInt8] {
        var key: [UInt8] = []
        key.reserveCapacity(2 + term.count)
        key.append(UInt8(field))
        key.append(kind.rawValue)
        key.append(contentsOf: term)
        return key
    }

    public static func make(field: Int, kind: TermKind, term: String) -> [UInt8] {
        make(field: field, kind: kind, term: Array(term.utf8))
    }

    /// The key of a term given as UTF-16 (as the analyzer produces it), transcoded straight to
    /// UTF-8; a lone surrogate becomes U+FFFD, as `String(decoding:as:)` would make it.
    public static func make(field: Int, kind: TermKind, utf16 term: UnsafeBufferPointer<UInt16>) -> [UInt8] {
        make(UInt8(field), kind.rawValue, utf16: term)
    }

    private static func make(_ field: UInt8, _ kind: UInt8, utf16 term: UnsafeBufferPointer<UInt16>) -> [UInt8] {
        var key = [UInt8]()
        key.reserveCapacity(2 + term.count * 3)
        key.append(field)
        key.append(kind)
        var i = 0
        let n = term.count
        while i < n {
            var scalar = UInt32(term[i])
            i += 1
            if scalar < 0x80 {
                key.append(UInt8(scalar))
                continue
            }
            if scalar & 0xFC00 == 0xD800, i < n, term[i] & 0xFC00 == 0xDC00 {
                scalar = 0x10000 + ((scalar - 0xD800) << 10) + (UInt32(term[i]) - 0xDC00)
                i += 1
            } else if scalar & 0xF800 == 0xD800 {
                scalar = 0xFFFD
            }
            if scalar < 0x800 {
                key.append(UInt8(0xC0 | scalar >> 6))
            } else if scalar < 0x10000 {
                key.append(UInt8(0xE0 | scalar >> 12))
                key.append(UInt8(0x80 | (scalar >> 6) & 0x3F))
            } else {
                key.append(UInt8(0xF0 | scalar >> 18))
                key.append(UInt8(0x80 | (scalar >> 12) & 0x3F))
                key.append(UInt8(0x80 | (scalar >> 6) & 0x3F))
            }
            key.append(UInt8(0x80 | scalar & 0x3F))
        }
        return key
    }

    /// The term of a number token: `value#length`.
    public static func numberTerm(value: String, length: Int) -> String { value + "#" + String(length) }

    /// The UTF-8 key of an in-memory key (prefix unit `field << 8 | kind`, then UTF-16).
    static func encode(_ key: ArraySlice<UInt16>) -> [UInt8] {
        let prefix = key[key.startIndex]
        return key.dropFirst().withUnsafeBufferPointer {
            make(UInt8(prefix >> 8), UInt8(prefix & 0xFF), utf16: $0)
        }
    }
}

extension Array where Element == UInt8 {
    static func lexicographicallyLess(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        a.withUnsafeBufferPointer { pa in b.withUnsafeBufferPointer { pb in compareBytes(pa, pb) < 0 } }
    }
}

@inline(__always)
func compareBytes(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>) -> Int {
    let n = Swift.min(a.count, b.count)
    for i in 0..<n where a[i] != b[i] { return a[i] < b[i] ? -1 : 1 }
    return a.count == b.count ? 0 : (a.count < b.count ? -1 : 1)
}

@inline(__always)
func compareBytes(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Int {
    compareBytes(a.assumingMemoryBound(to: UInt8.self), b.assumingMemoryBound(to: UInt8.self))
}

extension UnsafeRawBufferPointer {
    func assumingMemoryBound(to: UInt8.Type) -> UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(start: baseAddress?.assumingMemoryBound(to: UInt8.self), count: count)
    }
}
