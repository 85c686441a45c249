import KensakuAnalysis

/// Trigrams: three consecutive characters of one run (the analyzer's gram runs: non-space
/// characters), indexed at the position of the first, as term kind ``TermKind/trigram``, when
/// the index is built with them (``IndexBuildOptions/trigrams``, `kensaku index build
/// --trigrams`; recorded as ``Manifest/trigrams``).
///
/// Bigrams alone find every occurrence of a longer term, but only by lining up the positions
/// of bigrams that are each far more frequent than the term: 生活保護 is 生活 + 保護, 20,800
/// positions in the 700 law docs holding both, for 156 docs that hold the term, where its
/// trigrams 生活保 + 活保護 have 1,200 positions in those 156 docs alone; 第二十五条 reads
/// 850,000 positions by bigrams, 250,000 by trigrams (simulated on laws2013's bodies). A term
/// of three characters is its one trigram's postings, with no positions to line up.
///
/// A trigram holding a clause end (`、` `。` `「` `」` `(` `)`) is not indexed: those are the
/// characters after which ``AnalysisChunks`` cuts a large text for analysis, so no indexed
/// trigram runs across a clean cut (a forced cut, in text with no boundary for many
/// kilobytes, can split one: an index with forced cuts is not matched by trigrams). Queries
/// rarely hold one, and the bigrams still match them.
public enum Trigrams {
    /// Whether `u` (a normalized UTF-16 unit) keeps a trigram holding it out of the index.
    @inline(__always)
    public static func excludes(_ u: UInt16) -> Bool {
        u == 0x3001 || u == 0x3002 || u == 0x300C || u == 0x300D || u == 0x28 || u == 0x29
    }

    /// Whether the trigram made of `units` (three characters) is one the index holds.
    @inline(__always)
    public static func isIndexed(_ units: UnsafeBufferPointer<UInt16>) -> Bool {
        !units.contains(where: excludes)
    }

    /// Calls `body` with the span of every indexed trigram among `grams` (the analyzer's
    /// ``Analyzer/gramTokens(_:)`` of `units`, or a prefix of them), in position order: a
    /// bigram followed by a bigram that starts at its second character makes one.
    /// - Complexity: O(grams).
    @inline(__always)
    public static func forEach(in grams: ArraySlice<TokenSpan>, units: UnsafeBufferPointer<UInt16>,
                               _ body: (_ start: Int, _ end: Int) -> Void) {
        var i = grams.startIndex
        let end = grams.endIndex
        while i + 1 < end {
            let a = grams[i], b = grams[i + 1]
            i += 1
            // b starts inside a (one run, a a bigram) and is a bigram itself (not its run's
            // last character).
            guard b.start < a.end, Int(b.end) > Int(b.start) + Analyzer.charLength(units, Int(b.start)) else { continue }
            let span = UnsafeBufferPointer(rebasing: units[Int(a.start)..<Int(b.end)])
            if isIndexed(span) { body(Int(a.start), Int(b.end)) }
        }
    }
}
