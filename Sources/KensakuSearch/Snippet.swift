import KensakuAnalysis

/// A keyword-in-context snippet: pieces of the original text, some highlighted.
public struct Snippet: Sendable, Equatable {
    public var pieces: [(text: String, highlighted: Bool)]
    public var matchCount: Int

    public init(pieces: [(text: String, highlighted: Bool)], matchCount: Int) {
        self.pieces = pieces
        self.matchCount = matchCount
    }

    public static func == (a: Snippet, b: Snippet) -> Bool {
        a.matchCount == b.matchCount && a.pieces.map(\.text) == b.pieces.map(\.text) && a.pieces.map(\.highlighted) == b.pieces.map(\.highlighted)
    }

    /// Renders with `open`/`close` around highlights.
    public func render(open: String, close: String) -> String {
        pieces.map { $0.highlighted ? open + $0.text + close : $0.text }.joined()
    }
}

extension Searcher {
    /// A snippet of `text` around the first match of the highlight terms, about `width`
    /// characters wide. Matches are found in the normalized text and highlighted on the
    /// original characters they came from.
    /// With `numbers`, a term with numbers also highlights their other written forms
    /// (第25条 highlights 第二十五条 as the document wrote it).
    public func snippet(of text: String, terms: [String], numbers: Bool = true, width: Int = 80) -> Snippet {
        let normalized = normalize(text)
        let units = normalized.units
        var ranges: [Range<Int>] = []  // byte ranges in the original
        var documentNumbers: [NumberToken]?
        for term in terms where numbers {
            guard let pieces = NumberPieces(analyzerForSnippets.analyze(term)) else { continue }
            if documentNumbers == nil { documentNumbers = units.withUnsafeBufferPointer { JapaneseNumbers.recognize($0) } }
            for r in pieces.matches(in: units, numbers: documentNumbers ?? []) where !r.isEmpty {
                ranges.append(normalized.sourceRange(r.lowerBound, r.upperBound))
            }
        }
        for term in terms {
            let needle = Array(normalize(term).units)
            guard !needle.isEmpty, needle.count <= units.count else { continue }
            var i = 0
            let first = needle[0]
            while i + needle.count <= units.count {
                if units[i] == first && units[i..<(i + needle.count)].elementsEqual(needle) {
                    ranges.append(normalized.sourceRange(i, i + needle.count))
                    i += needle.count
                } else {
                    i += 1
                }
            }
        }
        ranges.sort { $0.lowerBound < $1.lowerBound }
        var merged: [Range<Int>] = []
        for r in ranges {
            if let last = merged.last, r.lowerBound <= last.upperBound {
                merged[merged.count - 1] = last.lowerBound..<max(last.upperBound, r.upperBound)
            } else {
                merged.append(r)
            }
        }
        let bytes = Array(text.utf8)
        func boundary(_ offset: Int) -> Int {
            var o = min(max(0, offset), bytes.count)
            while o > 0 && o < bytes.count && bytes[o] & 0xC0 == 0x80 { o -= 1 }
            return o
        }
        // About a third of the window before the first match; 3 bytes a character for Japanese.
        let anchor = merged.first?.lowerBound ?? 0
        let start = boundary(anchor - width)
        let end = boundary(start + width * 3)
        var pieces: [(String, Bool)] = []
        var cursor = start
        func clean(_ s: some Collection<UInt8>) -> String {
            String(decoding: s, as: UTF8.self).replacingOccurrences(of: "\n", with: " ")
        }
        for r in merged where r.upperBound > start && r.lowerBound < end {
            let lo = max(r.lowerBound, start), hi = min(r.upperBound, end)
            if lo > cursor { pieces.append((clean(bytes[cursor..<lo]), false)) }
            pieces.append((clean(bytes[lo..<hi]), true))
            cursor = hi
        }
        if cursor < end { pieces.append((clean(bytes[cursor..<end]), false)) }
        if start > 0 { pieces.insert(("…", false), at: 0) }
        if end < bytes.count { pieces.append(("…", false)) }
        return Snippet(pieces: pieces, matchCount: merged.count)
    }

    /// The analyzer's normalization (NFKC, case folding, Japanese folds) with offsets.
    public func normalize(_ text: String) -> NormalizedText { analyzerForSnippets.normalize(text) }
}
