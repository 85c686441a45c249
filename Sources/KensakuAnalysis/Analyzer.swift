/// Turns text into index terms, the same way for documents and for queries.
///
/// One pass gives two token streams over the normalized text (see ``TokenKind``):
/// - **words**: ICU dictionary word breaking (locale `ja`), keeping word-like segments
///   (rule status ≥ 100), with shredded katakana runs repaired into whole words
///   (マイ|レ|ージ → マイレージ);
/// - **grams**: a bigram at every character of every run of non-space characters, and a
///   unigram for the last character of each run. Any string of two or more characters can be
///   found by position-checked grams wherever the word breaker split differently, and a single
///   character by the grams that start with it.
///
/// An analyzer holds an ICU break iterator and a segmentation memo: it is not thread-safe,
/// so each thread makes its own.
public final class Analyzer {
    public let settings: AnalyzerSettings
    private let breaker: WordBreaker
    private var normalizer = Normalizer()
    private var memo = SegmentMemo()
    private var packed: [UInt32] = []

    public init(settings: AnalyzerSettings = AnalyzerSettings()) throws(AnalysisError) {
        self.settings = settings
        breaker = try WordBreaker(locale: settings.locale)
    }

    /// Memo statistics: clause lookups answered from the memo, and those segmented by ICU.
    public var memoStatistics: (hits: Int, misses: Int) { (memo.hits, memo.misses) }

    /// Normalizes `text` without tokenizing it.
    public func normalize(_ text: String) -> NormalizedText {
        var copy = text
        // A Swift string is valid UTF-8, so this cannot fail.
        return copy.withUTF8 { try? normalizer.normalize($0, hiraganaToKatakana: settings.foldHiraganaToKatakana) }
            ?? NormalizedText(units: [], sourceStart: [], sourceEnd: [])
    }

    /// Analyzes a string.
    public func analyze(_ text: String) -> AnalyzedText {
        var copy = text
        return copy.withUTF8 { (try? analyze(utf8: $0)) ?? AnalyzedText(text: NormalizedText(units: [], sourceStart: [], sourceEnd: []), words: [], grams: []) }
    }

    /// Analyzes UTF-8 bytes.
    /// - Parameter memoize: replay memoized clause segmentations (the default). `false`
    ///   segments the whole text in one ICU call; the output is the same.
    /// - Throws: ``AnalysisError/invalidUTF8(byteOffset:)`` for ill-formed input.
    /// - Complexity: O(n); ICU word breaking of clauses not seen before dominates.
    /// - Parameter offsets: map tokens back to source bytes (`false` skips the map, whose
    ///   ``NormalizedText/sourceStart`` and ``NormalizedText/sourceEnd`` are then empty; the
    ///   index builder needs only terms and positions).
    public func analyze(utf8 bytes: UnsafeBufferPointer<UInt8>, memoize: Bool = true, offsets: Bool = true) throws(AnalysisError) -> AnalyzedText {
        let text = try normalizer.normalize(bytes, hiraganaToKatakana: settings.foldHiraganaToKatakana, offsets: offsets)
        var words: [TokenSpan] = []
        var grams: [TokenSpan] = []
        try text.units.withUnsafeBufferPointer { (units) throws(AnalysisError) in
            words = try wordTokens(units, memoize: memoize)
            grams = Self.gramTokens(units)
        }
        return AnalyzedText(text: text, words: words, grams: grams)
    }

    // MARK: Words

    /// Where a clause may end: after a line break, 、 。 「 」 ( ) — characters that ICU's
    /// word-break rules always break on both sides of — unless a mark attaches to what follows.
    @inline(__always)
    static func endsClause(_ u: UInt16) -> Bool {
        u == 0x0A || u == 0x3001 || u == 0x3002 || u == 0x300C || u == 0x300D || u == 0x28 || u == 0x29
    }

    private func wordTokens(_ units: UnsafeBufferPointer<UInt16>, memoize: Bool) throws(AnalysisError) -> [TokenSpan] {
        var raw: [TokenSpan] = []
        raw.reserveCapacity(units.count / 2)
        if !memoize {
            try segmentDirect(units, base: 0, into: &raw)
        } else {
            var start = 0
            let n = units.count
            var i = 0
            while i < n {
                let u = units[i]
                i += 1
                if Self.endsClause(u) && (i == n || !CharacterClass.attachesToPrevious(units[i])) {
                    try segmentClause(units, start, i, into: &raw)
                    start = i
                }
            }
            if start < n { try segmentClause(units, start, n, into: &raw) }
        }
        return Self.repairKatakana(raw, units)
    }

    @inline(__always)
    private static func keeps(_ units: UnsafeBufferPointer<UInt16>, _ start: Int, _ status: Int32) -> Bool {
        status >= WordStatus.wordLike || CharacterClass.isKatakana(units[start])
    }

    private func segmentDirect(_ units: UnsafeBufferPointer<UInt16>, base: Int, into raw: inout [TokenSpan]) throws(AnalysisError) {
        try breaker.segment(units) { start, end, status in
            if Self.keeps(units, start, status) {
                raw.append(TokenSpan(start: Int32(base + start), end: Int32(base + end)))
            }
        }
    }

    private func segmentClause(_ units: UnsafeBufferPointer<UInt16>, _ start: Int, _ end: Int, into raw: inout [TokenSpan]) throws(AnalysisError) {
        let clause = UnsafeBufferPointer(rebasing: units[start..<end])
        if clause.count > SegmentMemo.maxClause {
            try segmentDirect(clause, base: start, into: &raw)
            return
        }
        let hash = SegmentMemo.hash(clause)
        let found = memo.lookup(clause, hash: hash) { segments in
            for s in segments {
                raw.append(TokenSpan(start: Int32(start) + Int32(s >> 16), end: Int32(start) + Int32(s & 0xFFFF)))
            }
        }
        if found { return }
        packed.removeAll(keepingCapacity: true)
        try breaker.segment(clause) { s, e, status in
            if Self.keeps(clause, s, status) { packed.append(UInt32(s) << 16 | UInt32(e)) }
        }
        for s in packed {
            raw.append(TokenSpan(start: Int32(start) + Int32(s >> 16), end: Int32(start) + Int32(s & 0xFFFF)))
        }
        memo.insert(clause, hash: hash, packed: packed[...])
    }

    /// Joins adjacent segments that are all katakana into one word (ICU's dictionary shreds
    /// katakana words it does not know: マイレージ → マイ|レ|ージ).
    static func repairKatakana(_ raw: [TokenSpan], _ units: UnsafeBufferPointer<UInt16>) -> [TokenSpan] {
        var out: [TokenSpan] = []
        out.reserveCapacity(raw.count)
        var previousKatakana = false
        for span in raw {
            var allKatakana = true
            for i in Int(span.start)..<Int(span.end) where !CharacterClass.isKatakana(units[i]) {
                allKatakana = false
                break
            }
            if allKatakana, previousKatakana, let last = out.last, last.end == span.start {
                out[out.count - 1].end = span.end
            } else {
                out.append(span)
            }
            previousKatakana = allKatakana
        }
        return out
    }

    // MARK: Grams

    /// Grams over runs of non-space characters: a bigram starting at every character that has a
    /// successor in its run, a unigram for the run's last character.
    /// - Complexity: O(n).
    static func gramTokens(_ units: UnsafeBufferPointer<UInt16>) -> [TokenSpan] {
        var grams: [TokenSpan] = []
        grams.reserveCapacity(units.count)
        let n = units.count
        var i = 0
        while i < n {
            if CharacterClass.isSpace(units[i]) { i += 1; continue }
            // A run starts at i.
            var current = i
            var currentEnd = i + charLength(units, i)
            while true {
                if currentEnd < n && !CharacterClass.isSpace(units[currentEnd]) {
                    let nextEnd = currentEnd + charLength(units, currentEnd)
                    grams.append(TokenSpan(start: Int32(current), end: Int32(nextEnd)))
                    current = currentEnd
                    currentEnd = nextEnd
                } else {
                    grams.append(TokenSpan(start: Int32(current), end: Int32(currentEnd)))
                    break
                }
            }
            i = currentEnd
        }
        return grams
    }

    @inline(__always)
    static func charLength(_ units: UnsafeBufferPointer<UInt16>, _ i: Int) -> Int {
        CharacterClass.isHighSurrogate(units[i]) && i + 1 < units.count && (0xDC00...0xDFFF).contains(units[i + 1]) ? 2 : 1
    }
}
