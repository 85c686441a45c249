/// Where a very large field value may be cut for analysis, so that analyzing it piece by
/// piece gives exactly the terms and positions of analyzing it whole (only the memory
/// differs: the analyzer's buffers grow with its input, about 30 bytes a character).
///
/// A cut goes just after a *boundary* character and just before a *plain* one:
/// - boundaries: a line break `\n`; `、` `。` `「` `」` `(` `)`, which end the analyzer's
///   memoized clauses; a space, tab or ideographic space (U+3000). ICU's word-break rules
///   always break after these when a plain character follows (after a line break always;
///   after the others, rule WB999, since the only rules that join across them, WB3d
///   space × space and WB4 × Extend/Format/ZWJ, need a space or a mark after them), the
///   dictionary ranges (CJK) stop at them, and no number (digits, kanji numerals, `,` `.`
///   between digits, an era name before them) can run across them;
/// - plain characters: ASCII from `!` to `~`, hiragana U+3041–U+3096, katakana
///   U+30A1–U+30FA, CJK ideographs U+4E00–U+9FFF, and `、` `。` `「` `」`. Each normalizes to
///   one UTF-16 unit on its own, does not attach to what precedes it (no combining or
///   voicing mark, variation selector or joiner), and is not one of the characters the
///   Japanese folds read in context at the start of a text (the prolonged sound mark ー,
///   the iteration marks ゝゞヽヾ, the spacing voicing marks ゛゜). The character before the
///   cut is a starter that composes with nothing, so normalization does not cross it either.
///
/// Grams are the one stream that crosses a cut: a bigram starts at the boundary character
/// when it is not a space (`。X`), and the piece before the cut ends with a unigram there
/// instead. The indexing worker holds that last gram back and replaces it by the bigram
/// once it has the next piece (see `IndexWorker`).
///
/// Text that offers no cut at all for ``forcedCutBytes(target:)`` bytes (no line break,
/// punctuation or space: hostile input, not prose) is cut anyway, so that memory stays
/// bounded for every input: before a plain character if there is one, where normalization
/// and grams stay exact but an ICU word or a number running across the cut is split in two
/// (and a lone numeral just after it loses its 第 context); else at any character boundary.
public enum AnalysisChunks {
    /// The default size above which a field value is analyzed in pieces of about this many
    /// UTF-8 bytes (``IndexBuildOptions/analysisChunkBytes``). Analysis holds about 30 bytes a
    /// byte of its input; 1 MiB pieces index as fast as larger ones.
    static let defaultBytes = 1 << 20

    /// How far past `target` bytes a piece may run while looking for a cut before one is
    /// forced: 8 times the target, and at least 64 KiB.
    static func forcedCutBytes(target: Int) -> Int {
        max(target > Int.max / 8 ? Int.max : 8 * target, 64 << 10)
    }

    /// Where the piece that starts at `start` ends: `bytes.count`, or a cut (see the type's
    /// documentation) as close to `start + target` as possible. Cuts at a line break are
    /// preferred, then at another clause end, then at a space, each searched backwards from
    /// `start + target` to halfway; failing all, the first cut of any kind after it, and
    /// failing that within ``forcedCutBytes(target:)``, a forced cut. A piece is never empty
    /// and never ends inside a UTF-8 character.
    /// - Complexity: O(length of the piece).
    static func pieceEnd(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int, target: Int) -> Int {
        let n = bytes.count
        let target = max(1, target)
        guard n - start > target else { return n }
        let limit = start + target
        let low = start + max(1, target / 2)
        for kind in [Boundary.lineBreak, .clauseEnd, .space] {
            var p = limit
            while p >= low {
                if boundary(bytes, before: p) == kind && isPlain(bytes, at: p) { return p }
                p -= 1
            }
        }
        let forced = start + min(forcedCutBytes(target: target), n - start)
        var p = limit + 1
        while p < forced {
            if isClean(bytes, cut: p) { return p }
            p += 1
        }
        if forced == n { return n }
        // No cut in sight: force one, before a plain character if there is one.
        p = forced
        while p > limit && !isPlain(bytes, at: p) { p -= 1 }
        if p > limit { return p }
        p = forced
        while p > start + 1 && bytes[p] & 0xC0 == 0x80 { p -= 1 }
        return p
    }

    /// The first line-break cut at or after `start + target` (a line break `\n` just before and
    /// a plain character just after, see the type's documentation), or `bytes.count` if none:
    /// a text normalizes to the same characters piece by piece at such cuts as whole, and no
    /// number or query term (no term holds a line break) runs across one. For snippets, which
    /// read a long text only up to the window they show.
    /// - Complexity: O(distance to the cut).
    public static func lineCut(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int, target: Int) -> Int {
        var p = start + max(1, target)
        while p < bytes.count {
            if bytes[p - 1] == 0x0A && isPlain(bytes, at: p) { return p }
            p += 1
        }
        return bytes.count
    }

    /// Whether the piece end `p` (from ``pieceEnd(_:from:target:)``) is a clean cut: the end of
    /// the value, or just after a boundary character and before a plain one. Any other cut is
    /// forced, and may split a word or a number (the builder counts them, in the manifest's
    /// ``Manifest/forcedCuts``).
    static func isClean(_ bytes: UnsafeBufferPointer<UInt8>, cut p: Int) -> Bool {
        p >= bytes.count || (p > 0 && boundary(bytes, before: p) != nil && isPlain(bytes, at: p))
    }

    enum Boundary { case lineBreak, clauseEnd, space }

    /// The kind of boundary character that ends just before byte `p` (0 < p ≤ count), if any.
    @inline(__always)
    static func boundary(_ bytes: UnsafeBufferPointer<UInt8>, before p: Int) -> Boundary? {
        switch bytes[p - 1] {
        case 0x0A: return .lineBreak
        case 0x28, 0x29: return .clauseEnd
        case 0x20, 0x09: return .space
        case 0x80, 0x81, 0x82, 0x8C, 0x8D:
            // U+3000 (ideographic space) and U+3001 、 U+3002 。 U+300C 「 U+300D 」: E3 80 xx.
            guard p >= 3, bytes[p - 3] == 0xE3, bytes[p - 2] == 0x80 else { return nil }
            return bytes[p - 1] == 0x80 ? .space : .clauseEnd
        default: return nil
        }
    }

    /// Whether the character at byte `p` is plain (see the type's documentation). `bytes` is
    /// well-formed UTF-8 (a Swift string's), so a lead byte `E0`–`EF` has two continuation
    /// bytes after it.
    @inline(__always)
    static func isPlain(_ bytes: UnsafeBufferPointer<UInt8>, at p: Int) -> Bool {
        guard p < bytes.count else { return false }
        let b0 = bytes[p]
        if b0 < 0x80 { return b0 > 0x20 && b0 < 0x7F }
        guard b0 & 0xF0 == 0xE0, p + 2 < bytes.count else { return false }
        let scalar = UInt32(b0 & 0x0F) << 12 | UInt32(bytes[p + 1] & 0x3F) << 6 | UInt32(bytes[p + 2] & 0x3F)
        switch scalar {
        case 0x3041...0x3096, 0x30A1...0x30FA, 0x4E00...0x9FFF, 0x3001, 0x3002, 0x300C, 0x300D: return true
        default: return false
        }
    }
}
