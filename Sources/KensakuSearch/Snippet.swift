import KensakuAnalysis
import KensakuIndex

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
    /// Bytes of text a snippet normalizes at a time (see ``snippet(of:terms:numbers:width:pieceBytes:)``).
    public static let snippetPieceBytes = 8 << 10
    /// Bytes of the first piece a snippet normalizes (the next ones double up to ``snippetPieceBytes``).
    public static let firstSnippetPieceBytes = 1 << 10

    /// A snippet of `text` around the first match of the highlight terms, about `width`
    /// characters wide. Matches are found in the normalized text and highlighted on the
    /// original characters they came from.
    /// With `numbers`, a term with numbers also highlights their other written forms
    /// (第25条 highlights 第二十五条 as the document wrote it).
    ///
    /// The text is normalized and searched in pieces of about `pieceBytes` (the first ones
    /// smaller: ``firstSnippetPieceBytes``, doubling), cut after a line
    /// break (``AnalysisChunks/lineCut(_:from:target:)``: each piece normalizes as it does in
    /// the whole text, and no number or term runs across a cut), and only up to the end of the
    /// window: a law of 100,000 characters whose first match is in its first lines is not
    /// normalized whole. The snippet is the same for any `pieceBytes`; `matchCount` counts the
    /// matches in the pieces read (0 when the text has none).
    /// - Complexity: O(bytes up to the window's end), O(text) when nothing matches.
    public func snippet(of text: String, terms: [String], numbers: Bool = true, width: Int = 80,
                        pieceBytes: Int = Searcher.snippetPieceBytes) -> Snippet {
        snippet(ofUTF8: Array(text.utf8), terms: terms, numbers: numbers, width: width, pieceBytes: pieceBytes)
    }

    /// ``snippet(of:terms:numbers:width:pieceBytes:)`` of a text given as UTF-8 that may not be
    /// valid (a value of the document store, ``StoredDocumentBytes``): only the pieces read
    /// are checked, as they are made into strings; when one is not valid UTF-8, the whole
    /// text is repaired first (ill-formed sequences become U+FFFD), as a string of it would be.
    /// The same snippet as of `String(decoding: utf8, as: UTF8.self)`.
    public func snippet(ofUTF8 utf8: [UInt8], terms: [String], numbers: Bool = true, width: Int = 80,
                        pieceBytes: Int = Searcher.snippetPieceBytes) -> Snippet {
        var bytes = utf8
        let numberPieces = numbers ? terms.compactMap { NumberPieces(analyzerForSnippets.analyze($0)) } : []
        let needles = terms.map { Array(normalize($0).units) }.filter { !$0.isEmpty }
        // (A term holding a line break could run across a cut: then the text is one piece.)
        let pieceBytes = needles.contains { $0.contains(0x0A) } ? Int.max : max(1, pieceBytes)
        // The first pieces are smaller (1 KB, then twice as large each time up to `pieceBytes`):
        // a law's first match is often in its first lines.
        var target = min(pieceBytes, Self.firstSnippetPieceBytes)
        var ranges: [Range<Int>] = []  // byte ranges in the original
        /// Where reading may stop, once the first match has placed the window.
        var windowEnd: Int?
        var pieceStart = 0
        func boundary(_ offset: Int) -> Int {
            var o = min(max(0, offset), bytes.count)
            while o > 0 && o < bytes.count && bytes[o] & 0xC0 == 0x80 { o -= 1 }
            return o
        }
        // About a third of the window before the first match; 3 bytes a character for Japanese.
        // `limit` is the byte the end is looked for from (``boundary`` steps back from it).
        func window(anchor: Int) -> (start: Int, end: Int, limit: Int) {
            let start = boundary(anchor - width)
            return (start, boundary(start + width * 3), start + width * 3)
        }
        while pieceStart < bytes.count, pieceStart < windowEnd ?? Int.max {
            let pieceEnd = target >= bytes.count - pieceStart ? bytes.count
                : bytes.withUnsafeBufferPointer { AnalysisChunks.lineCut($0, from: pieceStart, target: target) }
            target = min(pieceBytes, 2 * target)
            guard let piece = String(validating: bytes[pieceStart..<pieceEnd], as: UTF8.self) else {
                // Match offsets are into the piece's bytes: repair the text, and start again.
                bytes = Array(String(decoding: bytes, as: UTF8.self).utf8)
                ranges = []
                windowEnd = nil
                pieceStart = 0
                target = min(pieceBytes, Self.firstSnippetPieceBytes)
                continue
            }
            let found = matches(in: piece, numberPieces: numberPieces, needles: needles)
            ranges += found.map { ($0.lowerBound + pieceStart)..<($0.upperBound + pieceStart) }
            if windowEnd == nil, let first = found.map(\.lowerBound).min() {
                // Up to and with the byte where the window's end is looked for (``boundary``
                // steps back from it), so that every byte it looks at is checked UTF-8.
                windowEnd = window(anchor: first + pieceStart).limit + 1
            }
            pieceStart = pieceEnd
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
        let (start, end, _) = window(anchor: merged.first?.lowerBound ?? 0)
        var pieces: [(String, Bool)] = []
        var cursor = start
        /// Line breaks shown as spaces (byte by byte: a line feed is never inside a longer
        /// sequence; Foundation's `replacingOccurrences` took 66k instructions a call).
        func clean(_ s: ArraySlice<UInt8>) -> String {
            String(decoding: s.lazy.map { $0 == 0x0A ? 0x20 : $0 }, as: UTF8.self)
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

    /// The byte ranges (in `text`'s UTF-8) of the matches of `needles` (normalized terms) and,
    /// in their written forms, of the numbers of `numberPieces`, unsorted and possibly
    /// overlapping.
    private func matches(in text: String, numberPieces: [NumberPieces], needles: [[UInt16]]) -> [Range<Int>] {
        let normalized = normalize(text)
        let units = normalized.units
        var ranges: [Range<Int>] = []
        if !numberPieces.isEmpty {
            let documentNumbers = units.withUnsafeBufferPointer { JapaneseNumbers.recognize($0) }
            for pieces in numberPieces {
                for r in pieces.matches(in: units, numbers: documentNumbers) where !r.isEmpty {
                    ranges.append(normalized.sourceRange(r.lowerBound, r.upperBound))
                }
            }
        }
        for needle in needles where needle.count <= units.count {
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
        return ranges
    }

    /// The analyzer's normalization (NFKC, case folding, Japanese folds) with offsets.
    public func normalize(_ text: String) -> NormalizedText { analyzerForSnippets.normalize(text) }
}
