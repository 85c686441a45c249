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
/// so each thread makes its own. The analyzers of several threads may share one memo
/// (``SharedSegmentMemo``), so that a clause one thread segmented is replayed in the others.
public final class Analyzer {
    public let settings: AnalyzerSettings
    private let breaker: WordBreaker
    private var normalizer = Normalizer()
    /// This analyzer's own memo, or nil when it uses `sharedMemo`.
    private var memo: SegmentMemo?
    private let sharedMemo: SharedSegmentMemo?
    private var memoHits = 0
    private var memoMisses = 0
    // Buffers reused across calls.
    private var rawBuffer: [TokenSpan] = []
    private var missedBuffer: [MissedClause] = []
    private var packedBuffer: [UInt32] = []
    private var replayBuffer: [TokenSpan] = []

    /// - Parameter sharedMemo: a memo shared with the analyzers of other threads, instead of
    ///   one of this analyzer's own.
    public init(settings: AnalyzerSettings = AnalyzerSettings(), sharedMemo: SharedSegmentMemo? = nil) throws(AnalysisError) {
        self.settings = settings
        self.sharedMemo = sharedMemo
        memo = sharedMemo == nil ? SegmentMemo() : nil
        breaker = try WordBreaker(locale: settings.locale)
    }

    /// Memo statistics: this analyzer's clause lookups answered from the memo, and those
    /// segmented by ICU.
    public var memoStatistics: (hits: Int, misses: Int) { (memoHits, memoMisses) }

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
        var numbers: [NumberToken] = []
        try text.units.withUnsafeBufferPointer { (units) throws(AnalysisError) in
            words = try wordTokens(units, memoize: memoize)
            grams = Self.gramTokens(units)
            numbers = JapaneseNumbers.recognize(units)
        }
        return AnalyzedText(text: text, words: words, grams: grams, numbers: numbers)
    }

    // MARK: Words

    /// Where a clause may end: after a line break, 、 。 「 」 ( ) — characters that ICU's
    /// word-break rules always break on both sides of — unless a mark attaches to what follows.
    @inline(__always)
    static func endsClause(_ u: UInt16) -> Bool {
        u == 0x0A || u == 0x3001 || u == 0x3002 || u == 0x300C || u == 0x300D || u == 0x28 || u == 0x29
    }

    /// Whether a clause ends after `units[i]`: after a line break, 、 。 「 」 ( ), unless a mark
    /// attaches to what follows.
    @inline(__always)
    static func endsClause(at i: Int, _ units: UnsafeBufferPointer<UInt16>) -> Bool {
        endsClause(units[i]) && (i + 1 == units.count || !CharacterClass.attachesToPrevious(units[i + 1]))
    }

    /// The clauses that the segmentation memo looks up, in order, covering `units` (normalized
    /// text): ICU's word-break rules break on both sides of a clause end, so each clause
    /// segments as it does inside the whole text. A clause longer than
    /// ``memoizedClauseLength`` units always goes to ICU. (For measuring what the memo can
    /// save; analysis itself finds the clauses as it goes.)
    /// - Complexity: O(n).
    public static func memoClauses(_ units: UnsafeBufferPointer<UInt16>) -> [Range<Int>] {
        var clauses: [Range<Int>] = []
        var start = 0
        for i in 0..<units.count where endsClause(at: i, units) {
            clauses.append(start..<i + 1)
            start = i + 1
        }
        if start < units.count { clauses.append(start..<units.count) }
        return clauses
    }

    /// The longest clause (UTF-16 units) that the memo keeps.
    public static var memoizedClauseLength: Int { SegmentMemo.maxClause }

    /// A clause that missed the memo. Consecutive missed clauses are segmented together by
    /// one ICU call (which costs less than one call each), then memoized one by one.
    private struct MissedClause {
        var start: Int
        var end: Int
        var hash: UInt64
        /// Short enough to memoize.
        var memoizable: Bool
    }

    private func wordTokens(_ units: UnsafeBufferPointer<UInt16>, memoize: Bool) throws(AnalysisError) -> [TokenSpan] {
        // Work in locals (the buffers are kept for the next call).
        var raw = rawBuffer
        rawBuffer = []
        raw.removeAll(keepingCapacity: true)
        defer { rawBuffer = raw }
        if !memoize {
            try breaker.segment(units) { start, end, status in
                if Self.keeps(units, start, status) { raw.append(TokenSpan(start: Int32(start), end: Int32(end))) }
            }
            return Self.repairKatakana(raw, units)
        }
        var missed = missedBuffer
        var packed = packedBuffer
        var replayed = replayBuffer
        missedBuffer = []
        packedBuffer = []
        replayBuffer = []
        defer {
            missedBuffer = missed
            packedBuffer = packed
            replayBuffer = replayed
        }
        missed.removeAll(keepingCapacity: true)
        var start = 0
        let n = units.count
        var i = 0
        while i < n {
            i += 1
            if Self.endsClause(at: i - 1, units) {
                try segmentClause(units, start, i, &missed, &packed, &replayed, into: &raw)
                start = i
            }
        }
        if start < n { try segmentClause(units, start, n, &missed, &packed, &replayed, into: &raw) }
        try segmentMissed(units, &missed, &packed, into: &raw)
        return Self.repairKatakana(raw, units)
    }

    @inline(__always)
    private static func keeps(_ units: UnsafeBufferPointer<UInt16>, _ start: Int, _ status: Int32) -> Bool {
        status >= WordStatus.wordLike || CharacterClass.isKatakana(units[start])
    }

    /// Replays the clause `units[start..<end]` from the memo, or queues it for ICU.
    private func segmentClause(_ units: UnsafeBufferPointer<UInt16>, _ start: Int, _ end: Int, _ missed: inout [MissedClause],
                               _ packed: inout [UInt32], _ replayed: inout [TokenSpan], into raw: inout [TokenSpan]) throws(AnalysisError) {
        let clause = UnsafeBufferPointer(rebasing: units[start..<end])
        if clause.count > SegmentMemo.maxClause {
            missed.append(MissedClause(start: start, end: end, hash: 0, memoizable: false))
            return
        }
        let hash = SegmentMemo.hash(clause)
        if missed.isEmpty {
            if replay(clause, hash: hash, base: Int32(start), into: &raw) { return }
        } else {
            // Queued clauses come first: hold the replayed tokens until they are segmented.
            replayed.removeAll(keepingCapacity: true)
            if replay(clause, hash: hash, base: Int32(start), into: &replayed) {
                try segmentMissed(units, &missed, &packed, into: &raw)
                raw.append(contentsOf: replayed)
                return
            }
        }
        missed.append(MissedClause(start: start, end: end, hash: hash, memoizable: true))
    }

    /// Looks `clause` up in the memo (shared or this analyzer's own), counting hits and misses.
    @inline(__always)
    private func replay(_ clause: UnsafeBufferPointer<UInt16>, hash: UInt64, base: Int32, into out: inout [TokenSpan]) -> Bool {
        let found = sharedMemo?.replay(clause, hash: hash, base: base, into: &out)
            ?? memo!.replay(clause, hash: hash, base: base, into: &out)
        if found { memoHits += 1 } else { memoMisses += 1 }
        return found
    }

    /// Segments the queued clauses (consecutive, so one run of text) in one ICU call and
    /// memoizes each clause that no segment crosses the bounds of.
    private func segmentMissed(_ units: UnsafeBufferPointer<UInt16>, _ missed: inout [MissedClause], _ packed: inout [UInt32],
                               into raw: inout [TokenSpan]) throws(AnalysisError) {
        guard let first = missed.first else { return }
        let runStart = first.start
        let run = UnsafeBufferPointer(rebasing: units[runStart..<missed[missed.count - 1].end])
        var index = 0
        var clause = first
        // Whether a segment crosses the current clause's start or end, and the furthest end of
        // a segment that crossed a clause end.
        var crossed = false
        var spill = runStart
        packed.removeAll(keepingCapacity: true)
        func finishClause() {
            if clause.memoizable && !crossed {
                let text = UnsafeBufferPointer(rebasing: units[clause.start..<clause.end])
                if let sharedMemo {
                    sharedMemo.insert(text, hash: clause.hash, packed: packed[...])
                } else {
                    memo!.insert(text, hash: clause.hash, packed: packed[...])
                }
            }
            packed.removeAll(keepingCapacity: true)
        }
        try breaker.segment(run) { s, e, status in
            let start = runStart + s, end = runStart + e
            while start >= clause.end {
                finishClause()
                index += 1
                clause = missed[index]
                crossed = clause.start < spill
            }
            if end > clause.end {
                crossed = true
                spill = max(spill, end)
            }
            if Self.keeps(run, s, status) {
                raw.append(TokenSpan(start: Int32(start), end: Int32(end)))
                if clause.memoizable && !crossed {
                    packed.append(UInt32(start - clause.start) << 16 | UInt32(end - clause.start))
                }
            }
        }
        // Segments cover the run, so later clauses were crossed into: none is left to memoize.
        finishClause()
        missed.removeAll(keepingCapacity: true)
    }

    /// Joins adjacent segments that are all katakana into one word (ICU's dictionary shreds
    /// katakana words it does not know: マイレージ → マイ|レ|ージ).
    static func repairKatakana(_ raw: [TokenSpan], _ units: UnsafeBufferPointer<UInt16>) -> [TokenSpan] {
        // (An array made with capacity 0 would write its count into the shared empty-array
        // storage, which other threads read: a data race under ThreadSanitizer.)
        guard !raw.isEmpty else { return [] }
        return raw.withUnsafeBufferPointer { raw in
            [TokenSpan](unsafeUninitializedCapacity: raw.count) { out, count in
                var k = 0
                var previousKatakana = false
                for span in raw {
                    var allKatakana = true
                    for i in Int(span.start)..<Int(span.end) where !CharacterClass.isKatakana(units[i]) {
                        allKatakana = false
                        break
                    }
                    if allKatakana && previousKatakana && out[k - 1].end == span.start {
                        out[k - 1].end = span.end
                    } else {
                        out.initializeElement(at: k, to: span)
                        k += 1
                    }
                    previousKatakana = allKatakana
                }
                count = k
            }
        }
    }

    // MARK: Grams

    /// Grams over runs of non-space characters: a bigram starting at every character that has a
    /// successor in its run, a unigram for the run's last character.
    /// - Complexity: O(n).
    public static func gramTokens(_ units: UnsafeBufferPointer<UInt16>) -> [TokenSpan] {
        let n = units.count
        guard n > 0 else { return [] }  // (see `repairKatakana`)
        // Every gram starts at a different unit: at most n grams.
        return [TokenSpan](unsafeUninitializedCapacity: n) { grams, count in
            var k = 0
            var i = 0
            while i < n {
                if CharacterClass.isSpace(units[i]) { i += 1; continue }
                // A run starts at i.
                var current = i
                var currentEnd = i + charLength(units, i)
                while true {
                    if currentEnd < n && !CharacterClass.isSpace(units[currentEnd]) {
                        let nextEnd = currentEnd + charLength(units, currentEnd)
                        grams.initializeElement(at: k, to: TokenSpan(start: Int32(current), end: Int32(nextEnd)))
                        k += 1
                        current = currentEnd
                        currentEnd = nextEnd
                    } else {
                        grams.initializeElement(at: k, to: TokenSpan(start: Int32(current), end: Int32(currentEnd)))
                        k += 1
                        break
                    }
                }
                i = currentEnd
            }
            count = k
        }
    }

    /// The length in UTF-16 units (1 or 2) of the character at `i`.
    @inline(__always)
    public static func charLength(_ units: UnsafeBufferPointer<UInt16>, _ i: Int) -> Int {
        CharacterClass.isHighSurrogate(units[i]) && i + 1 < units.count && (0xDC00...0xDFFF).contains(units[i + 1]) ? 2 : 1
    }
}
